"use client";
/**
 * A binned histogram (Recharts): the feature's non-zero activations, or its logit-effect
 * distribution over the vocabulary. An optional marker draws one value on it (e.g. the max
 * activation on the reader's own text).
 */
import { Bar, BarChart, Cell, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";

export interface HistogramProps {
  min: number;
  max: number;
  counts: number[];
  /** Accessible description, also the chart's title for screen readers. */
  label: string;
  xLabel: string;
  marker?: { value: number; label: string } | null;
  /** Colour bars by sign (logit effects) instead of one colour. */
  signed?: boolean;
  width?: number;
  height?: number;
}

interface Bin {
  from: number;
  to: number;
  centre: number;
  count: number;
}

export function binsOf(min: number, max: number, counts: number[]): Bin[] {
  const width = counts.length ? (max - min) / counts.length : 0;
  return counts.map((count, i) => {
    const from = min + i * width;
    return { from, to: from + width, centre: from + width / 2, count };
  });
}

const compact = (value: number) =>
  Math.abs(value) >= 1000 ? `${(value / 1000).toFixed(value >= 10000 ? 0 : 1)}k` : String(value);
const tick = (value: number) =>
  Math.abs(value) >= 10 ? value.toFixed(0) : Math.abs(value) >= 1 || value === 0 ? value.toFixed(1) : value.toFixed(2);

/** Five evenly spaced ticks over the domain (and zero, when it is inside): readable on any range. */
export function histogramTicks(min: number, max: number): number[] {
  const ticks = Array.from({ length: 5 }, (_, i) => min + ((max - min) * i) / 4);
  if (min < 0 && max > 0 && !ticks.some((t) => Math.abs(t) < (max - min) / 20)) ticks.push(0);
  return ticks.sort((a, b) => a - b);
}

export function Histogram({ min, max, counts, label, xLabel, marker, signed = false, width = 340, height = 170 }: HistogramProps) {
  const bins = binsOf(min, max, counts);
  const total = counts.reduce((a, b) => a + b, 0);
  return (
    <figure className="histogram" aria-label={label}>
      <BarChart
        width={width}
        height={height}
        data={bins}
        margin={{ top: 8, right: 8, bottom: 18, left: 0 }}
        barCategoryGap={1}
        accessibilityLayer
      >
        <XAxis
          dataKey="centre"
          type="number"
          domain={[min, max]}
          ticks={histogramTicks(min, max)}
          tickFormatter={tick}
          tick={{ fontSize: 11, fill: "#5b6470" }}
          label={{ value: xLabel, position: "insideBottom", offset: -12, fontSize: 11, fill: "#5b6470" }}
        />
        <YAxis width={36} tickFormatter={compact} tick={{ fontSize: 11, fill: "#5b6470" }} />
        <Tooltip
          formatter={(value) => [Number(value).toLocaleString("en"), "count"]}
          labelFormatter={(_, payload) => {
            const bin = payload?.[0]?.payload as Bin | undefined;
            return bin ? `${bin.from.toFixed(3)} – ${bin.to.toFixed(3)}` : "";
          }}
        />
        <Bar dataKey="count" isAnimationActive={false}>
          {bins.map((bin, i) => (
            <Cell key={i} fill={signed ? (bin.centre < 0 ? "#b3261e" : "#1f5fbf") : "#e06c00"} />
          ))}
        </Bar>
        {marker && (
          <ReferenceLine
            x={marker.value}
            stroke="#1a1d21"
            strokeDasharray="4 2"
            ifOverflow="extendDomain"
            label={{ value: marker.label, position: "top", fontSize: 11, fill: "#1a1d21" }}
          />
        )}
      </BarChart>
      <figcaption className="sr-only">
        {label}: {counts.length} bins from {min.toFixed(3)} to {max.toFixed(3)}, {total.toLocaleString("en")} in all.
      </figcaption>
    </figure>
  );
}
