/**
 * The API reference, rendered on the server from the same OpenAPI document as
 * /api/v1/openapi.json (no CDN-loaded viewer: the app must work offline).
 */
import type { Metadata } from "next";
import { Fragment, type ReactNode } from "react";
import { generateOpenApiDocument } from "@/app/api/v1/registry";
import "./api-docs.css";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "API" };

type Schema = {
  $ref?: string;
  type?: string | string[];
  format?: string;
  description?: string;
  enum?: unknown[];
  const?: unknown;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
};

type Parameter = { name: string; in: string; required?: boolean; description?: string; schema?: Schema };
type MediaContent = Record<string, { schema?: Schema }>;
type Operation = {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: MediaContent };
  responses: Record<string, { description?: string; content?: MediaContent }>;
  "x-featurescope-access"?: string;
  "x-featurescope-scope"?: string;
};

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

function refName(ref: string): string {
  return ref.split("/").pop() ?? ref;
}

function anchor(method: string, path: string): string {
  return `${method}-${path}`.replace(/[^A-Za-z0-9]+/g, "-").replace(/-+$/, "");
}

/** **bold** and `code` in the document's prose, as elements (never as HTML). */
function Prose({ text }: { text?: string }) {
  if (!text) return null;
  return (
    <>
      {text.split(/\n{2,}/).map((paragraph, i) => (
        <p key={i}>
          {paragraph.split(/(\*\*[^*]+\*\*|`[^`]+`)/).map((part, j) =>
            part.startsWith("**") ? <strong key={j}>{part.slice(2, -2)}</strong>
              : part.startsWith("`") ? <code key={j}>{part.slice(1, -1)}</code>
                : <Fragment key={j}>{part.replace(/\n/g, " ")}</Fragment>,
          )}
        </p>
      ))}
    </>
  );
}

function constraints(schema: Schema): string[] {
  const notes: string[] = [];
  if (schema.format) notes.push(schema.format);
  if (schema.minimum !== undefined) notes.push(`≥ ${schema.minimum}`);
  if (schema.exclusiveMinimum !== undefined) notes.push(`> ${schema.exclusiveMinimum}`);
  if (schema.maximum !== undefined) notes.push(`≤ ${schema.maximum}`);
  if (schema.minLength !== undefined) notes.push(`min length ${schema.minLength}`);
  if (schema.maxLength !== undefined) notes.push(`max length ${schema.maxLength}`);
  if (schema.minItems !== undefined) notes.push(`min ${schema.minItems} items`);
  if (schema.maxItems !== undefined) notes.push(`max ${schema.maxItems} items`);
  if (schema.pattern) notes.push(`pattern ${schema.pattern}`);
  if (schema.default !== undefined) notes.push(`default ${JSON.stringify(schema.default)}`);
  return notes;
}

/** A one-line type: `string`, `integer | null`, `array of User`, `"a" | "b"`. */
function TypeLabel({ schema }: { schema?: Schema }): ReactNode {
  if (!schema || Object.keys(schema).length === 0) return <span className="type">any</span>;
  if (schema.$ref) return <a className="type" href={`#schema-${refName(schema.$ref)}`}>{refName(schema.$ref)}</a>;
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return <>{union.map((s, i) => <Fragment key={i}>{i > 0 && " | "}<TypeLabel schema={s} /></Fragment>)}</>;
  if (schema.allOf) return <>{schema.allOf.map((s, i) => <Fragment key={i}>{i > 0 && " & "}<TypeLabel schema={s} /></Fragment>)}</>;
  if (schema.enum) return <span className="type">{schema.enum.map((v) => JSON.stringify(v)).join(" | ")}</span>;
  if (schema.const !== undefined) return <span className="type">{JSON.stringify(schema.const)}</span>;
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : ["any"];
  return (
    <>
      {types.map((type, i) => (
        <Fragment key={type}>
          {i > 0 && " | "}
          {type === "array" ? <>array of <TypeLabel schema={schema.items} /></> : <span className="type">{type}</span>}
        </Fragment>
      ))}
      {constraints(schema).length > 0 && <span className="muted"> ({constraints(schema).join(", ")})</span>}
    </>
  );
}

/** Objects as a table of fields (nested objects inline); anything else as its type. */
function SchemaView({ schema }: { schema?: Schema }) {
  if (!schema) return <p className="muted">No body.</p>;
  const objectSchema = schema.type === "object" || schema.properties ? schema : null;
  if (!objectSchema) return <p><TypeLabel schema={schema} /></p>;
  const properties = Object.entries(objectSchema.properties ?? {});
  if (properties.length === 0) return <p><span className="type">object</span> <span className="muted">(free-form)</span></p>;
  const required = new Set(objectSchema.required ?? []);
  return (
    <table className="data schema">
      <thead><tr><th>Field</th><th>Type</th><th>Description</th></tr></thead>
      <tbody>
        {properties.map(([name, property]) => (
          <tr key={name}>
            <td className="mono">{name}{required.has(name) ? <span className="required" title="required">*</span> : <span className="muted"> (optional)</span>}</td>
            <td>
              <TypeLabel schema={property} />
              {(property.type === "object" && property.properties) && <SchemaView schema={property} />}
              {(property.type === "array" && property.items?.properties) && <SchemaView schema={property.items} />}
            </td>
            <td>{property.description}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function AccessNote({ operation }: { operation: Operation }) {
  const access = operation["x-featurescope-access"];
  const scope = operation["x-featurescope-scope"];
  const who = access === "public" ? (scope === "read" ? "public — no credential needed" : "any signed-in user") : `role ${access} or higher`;
  return (
    <p className="access">
      <span className={`badge-access ${access === "public" && scope === "read" ? "public" : ""}`}>{who}</span>{" "}
      <span className="muted">API key scope: <code>{scope}</code></span>
    </p>
  );
}

function BodySchema({ schema, schemas }: { schema: Schema; schemas: Record<string, Schema> }) {
  const resolved = schema.$ref ? schemas[refName(schema.$ref)] : schema;
  return (
    <>
      {schema.$ref && <p className="small muted">Schema <TypeLabel schema={schema} /></p>}
      <SchemaView schema={resolved ?? schema} />
    </>
  );
}

function OperationView({ method, path, operation, schemas }: { method: string; path: string; operation: Operation; schemas: Record<string, Schema> }) {
  const body = operation.requestBody?.content?.["application/json"]?.schema;
  const [successStatus, success] = Object.entries(operation.responses).find(([status]) => status.startsWith("2")) ?? [];
  const successSchema = success?.content?.["application/json"]?.schema;
  return (
    <article className="operation panel" id={anchor(method, path)} aria-labelledby={`${anchor(method, path)}-title`}>
      <h3 id={`${anchor(method, path)}-title`}>
        <span className={`method method-${method}`}>{method.toUpperCase()}</span> <code>{path}</code>
      </h3>
      {operation.summary && <p className="summary">{operation.summary}</p>}
      <AccessNote operation={operation} />
      <Prose text={operation.description} />
      {operation.parameters && operation.parameters.length > 0 && (
        <>
          <h4>Parameters</h4>
          <table className="data">
            <thead><tr><th>Name</th><th>In</th><th>Type</th><th>Description</th></tr></thead>
            <tbody>
              {operation.parameters.map((parameter) => (
                <tr key={`${parameter.in}-${parameter.name}`}>
                  <td className="mono">{parameter.name}{parameter.required ? <span className="required" title="required">*</span> : <span className="muted"> (optional)</span>}</td>
                  <td>{parameter.in}</td>
                  <td><TypeLabel schema={parameter.schema} /></td>
                  <td>{parameter.description ?? parameter.schema?.description}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {body && (
        <>
          <h4>Request body <span className="muted">(application/json)</span></h4>
          <BodySchema schema={body} schemas={schemas} />
        </>
      )}
      {successSchema && (
        <>
          <h4>Response body <span className="muted">({successStatus}, application/json)</span></h4>
          <BodySchema schema={successSchema} schemas={schemas} />
        </>
      )}
      <h4>Responses</h4>
      <table className="data">
        <thead><tr><th>Status</th><th>Meaning</th><th>Body</th></tr></thead>
        <tbody>
          {Object.entries(operation.responses).map(([status, response]) => (
            <tr key={status}>
              <td className={`mono status-${status[0]}`}>{status}</td>
              <td>{response.description}</td>
              <td>{response.content?.["application/json"] ? <TypeLabel schema={response.content["application/json"].schema} /> : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </article>
  );
}

export default function ApiDocsPage() {
  const document = generateOpenApiDocument() as unknown as {
    info: { title: string; version: string; description?: string };
    paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>;
    components?: { schemas?: Record<string, Schema> };
  };
  const operations = Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => ({ path, method, operation: item[method]! })),
  );
  const tags = [...new Set(operations.map((o) => o.operation.tags?.[0] ?? "Other"))].sort();
  const schemas = Object.entries(document.components?.schemas ?? {}).sort(([a], [b]) => a.localeCompare(b));

  return (
    <div className="api-docs">
      <h1>{document.info.title} <span className="muted small">v{document.info.version}</span></h1>
      <p>
        Machine-readable: <a href="/api/v1/openapi.json"><code>/api/v1/openapi.json</code></a> (OpenAPI 3.1). Create API keys on
        your <a href="/account">account page</a>.
      </p>
      <Prose text={document.info.description} />
      <nav aria-label="Endpoints" className="panel toc">
        <h2>Endpoints</h2>
        {tags.map((tag) => (
          <div key={tag}>
            <h3>{tag}</h3>
            <ul>
              {operations.filter((o) => (o.operation.tags?.[0] ?? "Other") === tag).map(({ path, method, operation }) => (
                <li key={`${method} ${path}`}>
                  <a href={`#${anchor(method, path)}`}><span className={`method method-${method}`}>{method.toUpperCase()}</span> <code>{path}</code></a>
                  {operation.summary && <span className="muted"> — {operation.summary}</span>}
                </li>
              ))}
            </ul>
          </div>
        ))}
      </nav>
      {tags.map((tag) => (
        <section key={tag} aria-labelledby={`tag-${tag}`}>
          <h2 id={`tag-${tag}`}>{tag}</h2>
          {operations.filter((o) => (o.operation.tags?.[0] ?? "Other") === tag).map(({ path, method, operation }) => (
            <OperationView key={`${method} ${path}`} method={method} path={path} operation={operation} schemas={document.components?.schemas ?? {}} />
          ))}
        </section>
      ))}
      <section aria-labelledby="schemas-heading">
        <h2 id="schemas-heading">Schemas</h2>
        {schemas.map(([name, schema]) => (
          <article key={name} id={`schema-${name}`} className="panel schema-card" aria-labelledby={`schema-${name}-title`}>
            <h3 id={`schema-${name}-title`}><code>{name}</code></h3>
            {schema.description && <p>{schema.description}</p>}
            <SchemaView schema={schema} />
          </article>
        ))}
      </section>
    </div>
  );
}
