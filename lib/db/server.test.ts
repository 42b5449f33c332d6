import { describe, expect, it } from "vitest";
import { checkSupportedVersion, DatabaseSetupError, explainConnectionError } from "./server";
import { parseDatabaseUrl } from "./connection";

const fields = { host: "db.example", port: 5433, user: "me", password: "pw", database: "fs" };

describe("PostgreSQL version check", () => {
  it("refuses PostgreSQL 18 with the reason", () => {
    expect(() => checkSupportedVersion(18)).toThrow(DatabaseSetupError);
    expect(() => checkSupportedVersion(18)).toThrow(/PostgreSQL 18 is not supported.*14–17/);
  });
  it("refuses servers older than 14", () => {
    expect(() => checkSupportedVersion(13)).toThrow(/too old/);
  });
  it("accepts 14 to 17", () => {
    for (const v of [14, 15, 16, 17]) expect(() => checkSupportedVersion(v)).not.toThrow();
  });
});

describe("connection errors explained", () => {
  it("names host and port when nothing listens", () => {
    expect(explainConnectionError({ code: "ECONNREFUSED" }, fields)).toMatch(/db\.example:5433: nothing is listening/);
  });
  it("says the host does not resolve", () => {
    expect(explainConnectionError({ code: "ENOTFOUND" }, fields)).toMatch(/"db\.example" does not resolve/);
  });
  it("says the login was refused", () => {
    expect(explainConnectionError({ code: "28P01" }, fields)).toMatch(/wrong user or password/);
  });
});

describe("DATABASE_URL parsing", () => {
  it("yields discrete fields", () => {
    expect(parseDatabaseUrl("postgresql://u:p%40ss@h:6543/d")).toEqual({ host: "h", port: 6543, user: "u", password: "p@ss", database: "d" });
  });
  it("rejects other schemes and missing databases", () => {
    expect(() => parseDatabaseUrl("mysql://u@h/d")).toThrow(/postgresql:\/\//);
    expect(() => parseDatabaseUrl("postgresql://u@h")).toThrow(/names no database/);
    expect(() => parseDatabaseUrl("not a url")).toThrow(/not a valid URL/);
  });
});
