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

/** Positive integer id from a path segment. */
export const idParam = z.coerce.number().int().positive().max(2_147_483_647).meta({ description: "Integer id" });

export const pageLimit = (defaultLimit = 50, max = 200) =>
  z.coerce.number().int().min(1).max(max).default(defaultLimit).meta({ description: `Page size (1–${max})` });

/** Keyset cursor: the last id of the previous page, from `nextCursor`. */
export const afterCursor = z.coerce
  .number()
  .int()
  .nonnegative()
  .optional()
  .meta({ description: "Return items after this id (the previous page's nextCursor)" });

export const nextCursor = z.number().int().nullable().meta({
  description: "Pass as `after` to get the next page; null on the last page",
});
