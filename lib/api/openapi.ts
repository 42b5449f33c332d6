/**
 * The OpenAPI registry every /api/v1 route registers into (through defineRoute), and the
 * document generated from it. Schemas are the same zod objects the routes validate with.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import type { RouteConfig } from "@asteasolutions/zod-to-openapi";

const globalForRegistry = globalThis as unknown as { featurescopeOpenApi?: Map<string, RouteConfig> };

/** Keyed by "METHOD path" so that re-imports (dev reloads, tests) replace rather than duplicate. */
function routes(): Map<string, RouteConfig> {
  globalForRegistry.featurescopeOpenApi ??= new Map();
  return globalForRegistry.featurescopeOpenApi;
}

export function registerOperation(route: RouteConfig): void {
  const key = `${route.method.toUpperCase()} ${route.path}`;
  for (const [otherKey, other] of routes()) {
    if (otherKey !== key && route.operationId && other.operationId === route.operationId) {
      throw new Error(`operationId "${route.operationId}" of ${key} is already used by ${otherKey}; operation ids must be unique.`);
    }
  }
  routes().set(key, route);
}

/** One line per tag for the document (client generators and /api-docs show them as section intros). */
const TAG_DESCRIPTIONS: Record<string, string> = {
  Account: "The caller's own user and API keys.",
  Admin: "Users, imports and auto-interp providers (admins only).",
  "Auto-interp": "Machine-written label drafts and the runs that make them.",
  Bookmarks: "A user's starred features.",
  Browse: "SAE feature tables, feature dashboards and activation examples.",
  Catalogue: "Models and their SAEs with quality metrics.",
  Comments: "Discussion on a feature.",
  Inference: "Running text through a model and its SAEs.",
  Labelling: "The labelling queue and progress of an SAE.",
  Labels: "Labels with history, votes, review and export.",
  Lists: "Named lists of features, private or shared by link.",
  Meta: "This API's own description.",
  Search: "Features by label, by the text they fire on, by meaning, by contrast.",
  Steering: "Generation with features added, clamped, ablated or multiplied.",
};

export function registeredOperations(): string[] {
  return [...routes().keys()].sort();
}

export const API_DESCRIPTION = `Featurescope's REST API. Every route lives under /api/v1 and returns JSON.

**Authentication.** Read routes marked *public* work without credentials. Everything else needs
either the browser session (sign in at /signin) or an API key sent as
\`Authorization: Bearer fs_…\` (create one on /account). A key acts with its owner's role,
limited by its scopes: \`read\` allows GET routes, \`write\` also allows changes.

**Roles.** viewer < editor < admin. A missing or invalid credential on a route that needs one
gives 401; a valid one whose role or scope is too low gives 403.

**Errors.** Every error has the same shape, \`{ "error": { "code", "message", "details"? } }\`;
for \`validation_failed\` (400) \`details\` lists the offending fields.

**Pagination.** List routes are keyset-paginated: pass the previous page's \`nextCursor\` as \`after\`.`;

export function generateOpenApiDocument(options: { serverUrl?: string } = {}) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent("securitySchemes", "apiKey", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "fs_<43 base64url characters>",
    description: "An API key from /account, sent as `Authorization: Bearer fs_…`.",
  });
  registry.registerComponent("securitySchemes", "session", {
    type: "apiKey",
    in: "cookie",
    name: "authjs.session-token",
    description: "The browser session set by signing in at /signin (`__Secure-` prefixed over HTTPS).",
  });
  const sorted = [...routes().values()].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  for (const route of sorted) registry.registerPath(route);
  const generator = new OpenApiGeneratorV31(registry.definitions);
  return generator.generateDocument({
    openapi: "3.1.0",
    info: { title: "Featurescope API", version: "1.0.0", description: API_DESCRIPTION },
    servers: options.serverUrl ? [{ url: options.serverUrl }] : undefined,
    tags: [...new Set(sorted.flatMap((route) => route.tags ?? []))].sort().map((name) => ({ name, description: TAG_DESCRIPTIONS[name] ?? name })),
  });
}

export type OpenApiDocument = ReturnType<typeof generateOpenApiDocument>;
