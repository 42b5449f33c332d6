import { describe, expect, it } from "vitest";
import { malformedPathResponse } from "./malformed-path";

describe("malformedPathResponse", () => {
  it("refuses paths whose percent-encoding does not decode, with 400 in the API's error shape", async () => {
    for (const path of ["/api/v1/labels/%ED%A0%80", "/models/%FF/saes/x", "/api/v1/labels/%"]) {
      const response = malformedPathResponse(path);
      expect(response?.status, path).toBe(400);
      expect(await response!.json()).toMatchObject({ error: { code: "bad_request" } });
    }
  });

  it("lets well-formed paths through, encoded or not", () => {
    for (const path of ["/api/v1/labels/1", "/models/gpt%C3%A9/saes/r%C3%A9sid", "/search", "/api/v1/labels/..%2F..%2Fetc"]) {
      expect(malformedPathResponse(path), path).toBeNull();
    }
  });
});
