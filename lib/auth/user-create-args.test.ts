import { describe, expect, it } from "vitest";
import { UsageError, parseUserCreateArgs } from "./user-create-args";

describe("user:create arguments", () => {
  it("reads email, role, name and where the password comes from", () => {
    expect(parseUserCreateArgs(["--email", " Ada@Example.org ", "--role", "admin", "--name", "Ada"])).toEqual({
      help: false, email: "ada@example.org", role: "admin", name: "Ada", password: undefined, passwordSource: "default",
    });
    expect(parseUserCreateArgs(["--email", "a@example.org"]).role).toBe("viewer");
    expect(parseUserCreateArgs(["--email", "a@example.org", "--password", "long enough pw"]).passwordSource).toBe("given");
    expect(parseUserCreateArgs(["--email", "a@example.org", "--password-stdin"]).passwordSource).toBe("stdin");
    expect(parseUserCreateArgs(["--email", "a@example.org", "--no-password"]).passwordSource).toBe("none");
    expect(parseUserCreateArgs(["--help"]).help).toBe(true);
  });

  it.each([
    [[], /--email is required/],
    [["--email", "nope"], /not a valid email/],
    [["--email", "ok@example.org", "--role", "owner"], /--role must be one of viewer, editor, admin/],
    [["--email", "ok@example.org", "--password", "short"], /at least 10 characters/],
    [["--email", "ok@example.org", "--password", "long enough pw", "--no-password"], /at most one of/],
    [["--email", "ok@example.org", "--bogus"], /Unknown option/],
  ])("explains bad input %j", (argv, message) => {
    expect(() => parseUserCreateArgs(argv as string[])).toThrow(UsageError);
    expect(() => parseUserCreateArgs(argv as string[])).toThrow(message as RegExp);
  });
});
