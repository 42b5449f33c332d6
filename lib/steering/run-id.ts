/**
 * The shape of a steering run id (22 base64url characters: 128 random bits, lib/steering/permalink.ts
 * makes them). Kept apart from permalink.ts so that browser code (the API schemas) can check ids
 * without pulling in node:crypto.
 */
export const STEERING_RUN_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export function isSteeringRunId(value: string): boolean {
  return STEERING_RUN_ID_PATTERN.test(value);
}
