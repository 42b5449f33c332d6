"use client";
/**
 * The sweep's chart: per strength, the steered feature's mean activation over the steered generated
 * tokens (each at its own position) and the mean KL from default on the default text's prefix.
 */
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export interface SweepPoint {
  value: number;
  meanActivation: number | null;
  meanKl: number | null;
}

export function SweepChart({ points, unit }: { points: SweepPoint[]; unit: string }) {
  return (
    <div className="sweep-chart" role="img" aria-label="Feature activation and KL from default per strength">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={points} margin={{ top: 10, right: 20, bottom: 20, left: 10 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="value" type="number" domain={["dataMin", "dataMax"]} label={{ value: `strength (${unit})`, position: "insideBottom", offset: -10 }} />
          {/* each axis in its line's colour, so two lines that meet at an axis maximum stay readable */}
          <YAxis yAxisId="act" stroke="#e06a00" label={{ value: "mean activation", angle: -90, position: "insideLeft", fill: "#b35400" }} />
          <YAxis yAxisId="kl" orientation="right" stroke="#1f5fbf" label={{ value: "mean KL (nats)", angle: 90, position: "insideRight", fill: "#1f5fbf" }} />
          {/* straight segments between the measured strengths: a spline would invent values between them */}
          <Tooltip formatter={(v) => (typeof v === "number" ? v.toFixed(4) : String(v))} />
          <Legend verticalAlign="top" />
          <Line yAxisId="act" type="linear" dataKey="meanActivation" name="mean activation on the steered generated tokens" stroke="#e06a00" strokeWidth={2} dot={{ r: 4 }} isAnimationActive={false} />
          <Line yAxisId="kl" type="linear" dataKey="meanKl" name="mean KL from default (on the default text)" stroke="#1f5fbf" strokeWidth={2} strokeDasharray="6 4" dot={{ r: 4 }} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
