/**
 * What an auto-interp run shows to whom. Runs are public (anyone may follow a drafting run), but the
 * provider's base URL is deployment detail (often an internal gateway) and a provider's raw error can
 * echo it, its headers or its request; so everyone but admins gets the provider's name withheld and
 * each failure as its kind, HTTP status and a sentence written here.
 */
import { roleAtLeast, type Role } from "../../auth/roles";

interface StoredError {
  index?: unknown;
  attempt?: unknown;
  final?: unknown;
  message?: unknown;
  at?: unknown;
  cause?: { failure?: unknown; status?: unknown } | null;
}

const FAILURE_TEXT: Record<string, (status: number | null) => string> = {
  http: (status) => `The provider answered HTTP ${status ?? "with an error"}.`,
  network: () => "The provider could not be reached.",
  timeout: () => "The provider did not answer in time.",
  malformed: () => "The provider's answer could not be used.",
  config: () => "The provider is not configured.",
  internal: () => "The draft failed on the server; an admin can see why on /admin/providers.",
};

export function publicRunError(stored: unknown): Record<string, unknown> {
  const error = (stored ?? {}) as StoredError;
  const failure = typeof error.cause?.failure === "string" ? error.cause.failure : "internal";
  const status = typeof error.cause?.status === "number" ? error.cause.status : null;
  // cap skips carry our own sentence (the cap and the spend), nothing from the provider
  const message = failure === "cap" && typeof error.message === "string"
    ? error.message
    : (FAILURE_TEXT[failure] ?? FAILURE_TEXT.internal)(status);
  return { index: error.index, attempt: error.attempt, final: error.final, at: error.at, message, cause: { failure, status } };
}

/** The run as the caller may see it: everything for admins, the redacted view for anyone else. */
export function runForViewer<T extends { provider: string; errors: unknown }>(run: T, role: Role | null): Omit<T, "provider" | "errors"> & { provider: string | null; errors: unknown[] } {
  const errors = Array.isArray(run.errors) ? run.errors : [];
  if (role && roleAtLeast(role, "admin")) return { ...run, errors };
  return { ...run, provider: null, errors: errors.map(publicRunError) };
}
