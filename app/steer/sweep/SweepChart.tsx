"use client";
/** The sweep's chart: the steered feature's mean activation and the mean KL from default, per strength. */
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export interface SweepPoint {
  value: number;
  meanActivation: number;
  meanKl: number;
}

export function SweepChart({ points, unit }: { points: SweepPoint[]; unit: string }) {
  return (
    <div className="sweep-chart" role="img" aria-label="Feature activation and KL from default per strength">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={points} margin={{ top: 10, right: 20, bottom: 20, left: 10 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="value" type="number" domain={["dataMin", "dataMax"]} label={{ value: `strength (${unit})`, position: "insideBottom", offset: -10 }} />
          <YAxis yAxisId="act" label={{ value: "mean activation", angle: -90, position: "insideLeft" }} />
          <YAxis yAxisId="kl" orientation="right" label={{ value: "mean KL (nats)", angle: 90, position: "insideRight" }} />
          <Tooltip formatter={(v) => (typeof v === "number" ? v.toFixed(4) : String(v))} />
          <Legend verticalAlign="top" />
          <Line yAxisId="act" type="monotone" dataKey="meanActivation" name="feature activation (steered)" stroke="#e06a00" dot isAnimationActive={false} />
          <Line yAxisId="kl" type="monotone" dataKey="meanKl" name="KL from default" stroke="#1f5fbf" dot isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
