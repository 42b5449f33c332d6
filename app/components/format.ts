/** Number formatting shared by the browse pages: researchers read densities and activations at a glance. */

/** A density (fraction of tokens) as a percentage with three significant digits. */
export function formatDensity(density: number | null | undefined): string {
  if (density === null || density === undefined) return "—";
  if (density === 0) return "0%";
  const percent = density * 100;
  return `${percent >= 1 ? percent.toFixed(2) : percent.toPrecision(3)}%`;
}

/** "1 in 812 tokens", the way the density is easiest to picture. */
export function densityAsOneIn(density: number): string {
  if (density <= 0) return "never fires";
  const n = 1 / density;
  return `fires on 1 in ${n < 10 ? n.toFixed(1) : Math.round(n).toLocaleString("en")} tokens`;
}

export function formatActivation(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined) return "—";
  if (value !== 0 && Math.abs(value) < 10 ** -digits) return value.toExponential(1);
  return value.toFixed(digits);
}

export function formatMetric(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined ? "—" : value.toFixed(digits);
}

export function formatPercent(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined ? "—" : `${(value * 100).toFixed(digits)}%`;
}

/** A token as a JSON string literal: the exact characters, escapes included, for tooltips and tables. */
export function tokenLiteral(text: string): string {
  return JSON.stringify(text);
}

/** The URL of a feature page. Names are URL-encoded: model and SAE names are data, not path syntax. */
export function featureHref(modelName: string, saeName: string, index: number): string {
  return `${saeHref(modelName, saeName)}/features/${index}`;
}

export function saeHref(modelName: string, saeName: string): string {
  return `/models/${encodeURIComponent(modelName)}/saes/${encodeURIComponent(saeName)}`;
}

/** A share of tokens: "<0.1%" rather than a misleading "0.0%". */
export function formatShare(share: number | null | undefined): string {
  if (share === null || share === undefined) return "—";
  if (share > 0 && share < 0.001) return "<0.1%";
  return `${(share * 100).toFixed(1)}%`;
}
