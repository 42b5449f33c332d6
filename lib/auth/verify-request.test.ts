import { describe, expect, it } from "vitest";
import { afterMagicLinkRequest, CHECK_EMAIL_PAGE } from "./verify-request";

describe("after a magic-link request", () => {
  it("goes to the check-email page instead of Auth.js's verify-request endpoint, keeping its query", () => {
    expect(afterMagicLinkRequest("http://127.0.0.1:3000/api/auth/verify-request?provider=email&type=email"))
      .toBe(`${CHECK_EMAIL_PAGE}?provider=email&type=email`);
    expect(afterMagicLinkRequest("/api/auth/verify-request")).toBe(CHECK_EMAIL_PAGE);
  });

  it("leaves any other answer (an error page) as Auth.js gave it", () => {
    expect(afterMagicLinkRequest("http://127.0.0.1:3000/signin?error=AccessDenied")).toBe("http://127.0.0.1:3000/signin?error=AccessDenied");
  });
});
