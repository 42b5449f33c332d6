/** Small zod building blocks shared by API schemas (ids, times, pagination). */
import { z } from "zod";

/** A Date (from Prisma) or an ISO string in; always an ISO 8601 string out. */
export const dateTime = z
  .preprocess((value) => (value instanceof Date ? value.toISOString() : value), z.iso.datetime())
  .meta({ description: "ISO 8601 date-time (UTC)" });

export const nullableDateTime = z.preprocess(
  (value) => (value instanceof Date ? value.toISOString() : value),
  z.iso.datetime().nullable(),
);

/** Largest value of a PostgreSQL `integer`: ids, indices and cursors beyond it would fail in the query, not in validation. */
export const INT32_MAX = 2_147_483_647;

/** Positive integer id from a path segment. */
export const idParam = z.coerce.number().int().positive().max(INT32_MAX).meta({ description: "Integer id" });

export const pageLimit = (defaultLimit = 50, max = 200) =>
  z.coerce.number().int().min(1).max(max).default(defaultLimit).meta({ description: `Page size (1–${max})` });

/** Keyset cursor: the last id of the previous page, from `nextCursor`. */
export const afterCursor = z.coerce
  .number()
  .int()
  .nonnegative()
  .max(INT32_MAX)
  .optional()
  .meta({ description: "Return items after this id (the previous page's nextCursor)" });

export const nextCursor = z.number().int().nullable().meta({
  description: "Pass as `after` to get the next page; null on the last page",
});

/**
 * Text PostgreSQL cannot store or that is not text at all: NUL (U+0000; a `text` column refuses it,
 * which used to surface as a 500) and UTF-16 surrogates without their pair (JSON can carry them;
 * encoding them to UTF-8 silently replaces them with U+FFFD, so what is stored is not what was sent).
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function unsafeTextReason(text: string): string | null {
  if (text.includes("\u0000")) return "Text may not contain NUL characters (U+0000).";
  if (LONE_SURROGATE.test(text)) return "Text may not contain unpaired UTF-16 surrogates (invalid Unicode).";
  return null;
}

/** A string field that refuses NUL and lone surrogates with a clear message (defineRoute also checks every input). */
export const text = () =>
  z.string().superRefine((value, context) => {
    const reason = unsafeTextReason(value);
    if (reason) context.addIssue({ code: "custom", message: reason, params: { reason: "unsafe_text" } });
  });

export interface UnsafeText {
  path: (string | number)[];
  message: string;
}

/**
 * The first string — value or object key, at any depth — that `unsafeTextReason` refuses. defineRoute
 * runs it over params, query and body before their schemas, so every text field of every route is
 * covered, including ones written without `text()`.
 */
export function findUnsafeText(value: unknown, path: (string | number)[] = [], depth = 0): UnsafeText | null {
  if (typeof value === "string") {
    const reason = unsafeTextReason(value);
    return reason ? { path, message: reason } : null;
  }
  if (value === null || typeof value !== "object" || depth > 64) return null;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findUnsafeText(item, [...path, i], depth + 1);
      if (found) return found;
    }
    return null;
  }
  for (const [key, item] of Object.entries(value)) {
    const keyReason = unsafeTextReason(key);
    if (keyReason) return { path: [...path, key], message: `Field name: ${keyReason}` };
    const found = findUnsafeText(item, [...path, key], depth + 1);
    if (found) return found;
  }
  return null;
}
