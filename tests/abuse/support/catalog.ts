/**
 * Hostile requests generated from the OpenAPI document: for every operation, its parameters and
 * its request body schema give a plausible request, and each field is then replaced by values its
 * own schema forbids (wrong types, huge and fractional numbers, NUL bytes, lone surrogates, strings
 * past their maximum, path traversal, malformed cursors). Nothing here knows a route by name except
 * how to find a real row for a path parameter.
 */
import type { HostileRequest } from "./server";

export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  default?: unknown;
}

interface Parameter { name: string; in: "path" | "query" | "header" | "cookie"; required?: boolean; schema?: JsonSchema }

export interface OpenApiDocument {
  paths: Record<string, Record<string, {
    operationId?: string;
    parameters?: Parameter[];
    requestBody?: { content: Record<string, { schema: JsonSchema }> };
    responses: Record<string, unknown>;
    "x-featurescope-access"?: string;
    "x-featurescope-scope"?: "read" | "write";
  }>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

export interface Operation {
  method: string;
  /** "/api/v1/labels/{id}" */
  template: string;
  access: "public" | "viewer" | "editor" | "admin";
  scope: "read" | "write";
  pathParams: Parameter[];
  queryParams: Parameter[];
  body?: JsonSchema;
  /** GET and the read-only POSTs change nothing even when they succeed. */
  writes: boolean;
}

export function operations(document: OpenApiDocument): Operation[] {
  const result: Operation[] = [];
  for (const [template, methods] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = op.parameters ?? [];
      const scope = op["x-featurescope-scope"] ?? (method === "get" ? "read" : "write");
      result.push({
        method: method.toUpperCase(),
        template,
        access: (op["x-featurescope-access"] ?? "public") as Operation["access"],
        scope,
        pathParams: params.filter((p) => p.in === "path"),
        queryParams: params.filter((p) => p.in === "query"),
        body: op.requestBody?.content["application/json"]?.schema,
        writes: scope === "write",
      });
    }
  }
  return result;
}

export function resolver(document: OpenApiDocument) {
  const resolve = (schema: JsonSchema | undefined): JsonSchema => {
    let current = schema ?? {};
    for (let i = 0; current.$ref && i < 10; i++) {
      const name = current.$ref.replace("#/components/schemas/", "");
      current = document.components?.schemas?.[name] ?? {};
    }
    if (current.allOf?.length === 1) return resolve(current.allOf[0]);
    return current;
  };
  return resolve;
}

/** The JSON types a schema allows ("integer" counts as "number" too). */
function typesOf(schema: JsonSchema, resolve: (s: JsonSchema) => JsonSchema): Set<string> {
  const s = resolve(schema);
  const types = new Set<string>();
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) {
    for (const alternative of alternatives) for (const t of typesOf(alternative, resolve)) types.add(t);
    return types;
  }
  if (s.const !== undefined) types.add(s.const === null ? "null" : typeof s.const);
  if (s.enum) for (const v of s.enum) types.add(v === null ? "null" : typeof v);
  const declared = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  for (const t of declared) types.add(t);
  if (types.size === 0 && !s.enum && s.const === undefined) types.add("any");
  return types;
}

/** A value the schema accepts, as far as JSON Schema says (zod refinements may still refuse it). */
export function example(schema: JsonSchema | undefined, resolve: (s: JsonSchema) => JsonSchema, depth = 0): unknown {
  const s = resolve(schema ?? {});
  if (depth > 6) return null;
  if (s.const !== undefined) return s.const;
  if (s.enum?.length) return s.enum.find((v) => v !== null) ?? s.enum[0];
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives?.length) {
    const nonNull = alternatives.find((a) => !typesOf(a, resolve).has("null") || typesOf(a, resolve).size > 1);
    return example(nonNull ?? alternatives[0], resolve, depth + 1);
  }
  if (s.default !== undefined) return s.default;
  const type = (Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type) ?? "object";
  switch (type) {
    case "string":
      if (s.format === "date-time") return new Date().toISOString();
      if (s.format === "email") return "abuse@example.org";
      if (s.format === "uri") return "https://example.org/";
      return "abuse test text".padEnd(Math.max(s.minLength ?? 1, 1), "x").slice(0, s.maxLength ?? 1000);
    case "integer": {
      const low = s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : s.minimum ?? 1;
      return Math.min(Math.max(low, 1), s.maximum ?? Number.MAX_SAFE_INTEGER);
    }
    case "number": {
      const low = s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 0.5 : s.minimum ?? 1;
      return Math.min(Math.max(low, 1), s.maximum ?? Number.MAX_VALUE);
    }
    case "boolean":
      return true;
    case "array":
      return Array.from({ length: Math.max(s.minItems ?? 1, 1) }, () => example(s.items, resolve, depth + 1));
    case "object": {
      const value: Record<string, unknown> = {};
      for (const name of s.required ?? []) value[name] = example(s.properties?.[name], resolve, depth + 1);
      return value;
    }
    default:
      return null;
  }
}

/** A value its schema refuses, written as raw JSON so that `1e400` and lone surrogates survive. */
export interface InvalidValue { what: string; json: string; kind: "nul" | "surrogate" | "type" | "range" | "length" }

export const NUL_JSON = JSON.stringify("abuse\u0000text");
/** JSON.stringify escapes a lone surrogate as \ud800, which JSON.parse turns back into one. */
export const SURROGATE_JSON = JSON.stringify("abuse\ud800text");

export function invalidValues(schema: JsonSchema | undefined, resolve: (s: JsonSchema) => JsonSchema): InvalidValue[] {
  const s = resolve(schema ?? {});
  const types = typesOf(s, resolve);
  const values: InvalidValue[] = [];
  // text anywhere may not hold NUL or a lone surrogate, whatever the field's type
  values.push({ what: "NUL byte", json: NUL_JSON, kind: "nul" }, { what: "lone surrogate", json: SURROGATE_JSON, kind: "surrogate" });
  if (types.has("any")) return values;
  const numeric = types.has("number") || types.has("integer");
  if (!types.has("string")) values.push({ what: "string for a non-string", json: JSON.stringify("12"), kind: "type" });
  if (!numeric) values.push({ what: "number for a non-number", json: "12345", kind: "type" });
  if (!types.has("object")) values.push({ what: "object", json: `{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}`, kind: "type" });
  if (!types.has("array")) values.push({ what: "array", json: "[1,2,3]", kind: "type" });
  if (!types.has("boolean") && !numeric) values.push({ what: "boolean", json: "true", kind: "type" });
  if (!types.has("null")) values.push({ what: "null", json: "null", kind: "type" });
  if (numeric) {
    values.push({ what: "1e400 (Infinity)", json: "1e400", kind: "range" }, { what: "-1e400", json: "-1e400", kind: "range" });
    if (types.has("integer") && !types.has("number")) {
      values.push({ what: "fraction", json: "1.5", kind: "range" }, { what: "2^53 + 1", json: "9007199254740993", kind: "range" }, { what: "1e308", json: "1e308", kind: "range" });
      // no row has an id or index past PostgreSQL's integer
      if (s.maximum === undefined || s.maximum > 2_147_483_647) values.push({ what: "2^31", json: "2147483648", kind: "range" });
    }
    if (s.maximum !== undefined) values.push({ what: "above maximum", json: String(s.maximum * 2 + 1), kind: "range" });
    if (s.minimum !== undefined) values.push({ what: "below minimum", json: String(s.minimum - 1 - Math.abs(s.minimum)), kind: "range" });
    if (s.exclusiveMinimum !== undefined) values.push({ what: "at the exclusive minimum", json: String(s.exclusiveMinimum), kind: "range" });
  }
  if (types.has("string") && !types.has("any")) {
    if (s.enum) values.push({ what: "not one of the choices", json: JSON.stringify("../../etc/passwd"), kind: "range" });
    if (s.maxLength !== undefined && s.maxLength < 200_000) values.push({ what: "longer than maxLength", json: JSON.stringify("x".repeat(s.maxLength + 1)), kind: "length" });
    if (s.format === "date-time") values.push({ what: "not a date", json: JSON.stringify("2024-13-45T99:99:99Z"), kind: "range" });
  }
  if (types.has("array") && s.maxItems !== undefined && s.maxItems < 5000) {
    const item = JSON.stringify(example(s.items, resolve));
    values.push({ what: "more than maxItems", json: `[${Array(s.maxItems + 1).fill(item).join(",")}]`, kind: "length" });
  }
  return values;
}

/** Every field of a body schema (top level, objects one level down, the first element of arrays), with the path to it. */
export function fieldsOf(schema: JsonSchema | undefined, resolve: (s: JsonSchema) => JsonSchema, prefix: (string | number)[] = [], depth = 0): { path: (string | number)[]; schema: JsonSchema }[] {
  const s = resolve(schema ?? {});
  const fields: { path: (string | number)[]; schema: JsonSchema }[] = [];
  if (depth > 2) return fields;
  const objectLike = s.properties ? s : (s.anyOf ?? s.oneOf)?.map(resolve).find((a) => a.properties);
  for (const [name, property] of Object.entries(objectLike?.properties ?? {})) {
    const path = [...prefix, name];
    fields.push({ path, schema: property });
    const resolved = resolve(property);
    const inner = resolved.type === "array" || (Array.isArray(resolved.type) && resolved.type.includes("array")) ? resolved.items : undefined;
    if (inner) {
      const item = resolve(inner);
      if (item.properties) fields.push(...fieldsOf(item, resolve, [...path, 0], depth + 1));
      else fields.push({ path: [...path, 0], schema: item });
    } else if (resolved.properties) {
      fields.push(...fieldsOf(resolved, resolve, path, depth + 1));
    }
  }
  return fields;
}

const MARKER = "__abuse_hostile_value__";

/** The base body as JSON with the value at `path` replaced by raw JSON text (arrays and objects made on the way). */
export function bodyWith(base: unknown, path: (string | number)[], rawJson: string): string {
  const copy = structuredClone(base ?? {}) as Record<string | number, unknown>;
  let node: Record<string | number, unknown> = copy;
  for (const [i, key] of path.entries()) {
    if (i === path.length - 1) {
      node[key] = MARKER;
    } else {
      if (node[key] === undefined || node[key] === null || typeof node[key] !== "object") node[key] = typeof path[i + 1] === "number" ? [] : {};
      node = node[key] as Record<string | number, unknown>;
    }
  }
  return JSON.stringify(copy).replace(JSON.stringify(MARKER), rawJson);
}

/** Path segments an attacker tries in place of an id or token (already URL-encoded). */
export const HOSTILE_PATH_VALUES: { what: string; raw: string }[] = [
  { what: "word", raw: "abc" },
  { what: "negative", raw: "-1" },
  { what: "zero", raw: "0" },
  { what: "fraction", raw: "1.5" },
  { what: "1e400", raw: "1e400" },
  { what: "20 digits", raw: "99999999999999999999" },
  { what: "2^31", raw: "2147483648" },
  { what: "NUL byte", raw: "1%00" },
  { what: "path traversal", raw: "..%2F..%2F..%2Fetc%2Fpasswd" },
  { what: "invalid UTF-8", raw: "%ED%A0%80" },
  { what: "5,000 digits", raw: "9".repeat(5000) },
];

export function base64urlJson(value: unknown): string {
  return Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
}

/** Query values that are wrong for any parameter of this schema. */
export function hostileQueryValues(parameter: Parameter, resolve: (s: JsonSchema) => JsonSchema): { what: string; raw: string; kind: "nul" | "other" | "cursor" }[] {
  const types = typesOf(parameter.schema ?? {}, resolve);
  const values: { what: string; raw: string; kind: "nul" | "other" | "cursor" }[] = [
    { what: "NUL byte", raw: "abc%00def", kind: "nul" },
    { what: "invalid UTF-8", raw: "%ED%A0%80%FF", kind: "other" },
    { what: "10,000 characters", raw: "q".repeat(10_000), kind: "other" },
    { what: "path traversal", raw: "..%2F..%2F..%2Fetc%2Fpasswd", kind: "other" },
  ];
  if (types.has("number") || types.has("integer")) {
    values.push(
      { what: "word for a number", raw: "abc", kind: "other" },
      { what: "1e400", raw: "1e400", kind: "other" },
      { what: "-1e400", raw: "-1e400", kind: "other" },
      { what: "20 digits", raw: "99999999999999999999", kind: "other" },
      { what: "2^31", raw: "2147483648", kind: "other" },
      { what: "negative", raw: "-1", kind: "other" },
      { what: "fraction", raw: "0.5", kind: "other" },
      { what: "NaN", raw: "NaN", kind: "other" },
    );
  }
  if (/^(after|before|cursor)$/i.test(parameter.name)) {
    values.push(
      { what: "cursor of huge numbers", raw: base64urlJson([1e300, 1e300]), kind: "cursor" },
      { what: "cursor past int32", raw: base64urlJson([0, 2147483648]), kind: "cursor" },
      { what: "cursor with a fractional index", raw: base64urlJson([1, 1.5]), kind: "cursor" },
      { what: "cursor of -1e308", raw: base64urlJson([-1e308, -1]), kind: "cursor" },
      { what: "cursor of strings", raw: base64urlJson(["x", "y"]), kind: "cursor" },
      { what: "cursor of an object", raw: base64urlJson('{"__proto__":{"polluted":true}}'), kind: "cursor" },
      { what: "cursor with NUL", raw: base64urlJson("[\u0000]"), kind: "cursor" },
      { what: "junk cursor", raw: "%25%25%25", kind: "cursor" },
    );
  }
  return values;
}

export function fillPath(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? "1");
}

export type { HostileRequest };
