/** How result rows name a feature for the "Save to list" form: shared by the server tables and the client form. */
export interface SavableFeature {
  saeId: number;
  index: number;
}

/** The value of a result row's checkbox. */
export const featureValue = (f: SavableFeature) => `${f.saeId}:${f.index}`;

export function parseFeatureValue(value: string): SavableFeature | null {
  const match = /^(\d{1,10}):(\d{1,10})$/.exec(value);
  return match ? { saeId: Number(match[1]), index: Number(match[2]) } : null;
}
