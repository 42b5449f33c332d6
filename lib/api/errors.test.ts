import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ApiError, DomainError, ErrorBodySchema, errorResponse, toApiError, validationError } from "./errors";

describe("the error contract", () => {
  it("maps codes to statuses and keeps one shape", async () => {
    const response = errorResponse(new ApiError("conflict", "Taken.", { field: "email" }));
    expect(response.status).toBe(409);
    const body = await response.json();
    expect(ErrorBodySchema.parse(body)).toEqual({ error: { code: "conflict", message: "Taken.", details: { field: "email" } } });
  });

  it("lists zod issues with their location", () => {
    const result = z.object({ name: z.string().min(3) }).safeParse({ name: "x" });
    expect(result.success).toBe(false);
    const error = validationError("body", result.error!);
    expect(error.status).toBe(400);
    expect(error.code).toBe("validation_failed");
    expect(error.details).toEqual([expect.objectContaining({ path: ["body", "name"], code: "too_small" })]);
  });

  it("hides unexpected errors behind a generic 500", () => {
    const error = toApiError(new Error("connect ECONNREFUSED 10.0.0.3:5432 at /srv/app/lib/db.ts:12"));
    expect(error.status).toBe(500);
    expect(error.message).not.toMatch(/ECONNREFUSED|srv|lib/);
  });

  it("keeps the meaning of domain and database errors", () => {
    expect(toApiError(new DomainError("not_found", "No such user.")).status).toBe(404);
    expect(toApiError(new DomainError("conflict", "Last admin.")).status).toBe(409);
    expect(toApiError({ code: "P2002", meta: { target: ["email"] } }).status).toBe(409);
    expect(toApiError({ code: "P2025" }).status).toBe(404);
  });
});
