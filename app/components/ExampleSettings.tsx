"use client";
/** How much context to show around each example's max token: one setting for every list on a page. */
import { createContext, useContext, useId, useState } from "react";

export const CONTEXT_RADII = [4, 8, 16, 32, Infinity] as const;
const DEFAULT_RADIUS = 12;

const ContextRadius = createContext<{ radius: number; setRadius(radius: number): void }>({
  radius: DEFAULT_RADIUS,
  setRadius: () => {},
});

export function ExampleSettingsProvider({ children, initialRadius = DEFAULT_RADIUS }: { children: React.ReactNode; initialRadius?: number }) {
  const [radius, setRadius] = useState(initialRadius);
  return <ContextRadius.Provider value={{ radius, setRadius }}>{children}</ContextRadius.Provider>;
}

export function useContextRadius(): number {
  return useContext(ContextRadius).radius;
}

export function ContextWidthControl() {
  const { radius, setRadius } = useContext(ContextRadius);
  const id = useId();
  const options = [4, 8, 12, 16, 32, Infinity];
  return (
    <span className="context-control">
      <label htmlFor={id}>Context around max</label>{" "}
      <select
        id={id}
        value={Number.isFinite(radius) ? String(radius) : "all"}
        onChange={(event) => setRadius(event.target.value === "all" ? Infinity : Number(event.target.value))}
      >
        {options.map((option) =>
          Number.isFinite(option) ? (
            <option key={option} value={option}>±{option} tokens</option>
          ) : (
            <option key="all" value="all">whole context</option>
          ),
        )}
      </select>
    </span>
  );
}
