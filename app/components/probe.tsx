"use client";
/**
 * The reader's own text as a probe: its max activation, shared between the "test your text" form
 * and the activation histogram, which marks it.
 */
import { createContext, useContext, useState } from "react";
import { Histogram, type HistogramProps } from "./Histogram";

const ProbeContext = createContext<{ max: number | null; setMax(value: number | null): void }>({
  max: null,
  setMax: () => {},
});

export function ProbeProvider({ children }: { children: React.ReactNode }) {
  const [max, setMax] = useState<number | null>(null);
  return <ProbeContext.Provider value={{ max, setMax }}>{children}</ProbeContext.Provider>;
}

export function useProbe() {
  return useContext(ProbeContext);
}

/** The activation histogram with the probe's max drawn on it once there is one. */
export function ProbedHistogram(props: Omit<HistogramProps, "marker">) {
  const { max } = useProbe();
  return <Histogram {...props} marker={max !== null && max > 0 ? { value: max, label: `your text ${max.toFixed(2)}` } : null} />;
}
