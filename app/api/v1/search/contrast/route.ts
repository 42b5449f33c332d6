/** POST /api/v1/search/contrast — features active on every positive prompt and on no negative one. */
import { defineRoute } from "@/lib/api/route";
import { contrastSearch, contrastSearchBodySchema, ContrastSearchResultSchema } from "@/lib/search/inference";

export const dynamic = "force-dynamic";

export const POST = defineRoute({
  method: "POST",
  path: "/api/v1/search/contrast",
  operationId: "searchByContrast",
  summary: "Contrast search: features shared by positive prompts and absent from negative ones",
  description:
    "Runs each prompt through the model and its SAEs in the inference service. A result is active on every positive prompt " +
    "(among the 64 strongest features of some token) and stays below 1% of its max activation on every negative prompt " +
    "(BOS excluded); results rank on one scale, their weakest positive activation as a share of their dashboard max. " +
    "Values the per-token lists cannot settle are measured exactly (at most 256 per prompt; `unmeasured` counts any left " +
    "out, `incomplete` says a full token list may have hidden candidates); features without a dashboard max come back " +
    "apart in `withoutDashboard`. For the features of one text (overall and per token) use " +
    "POST /api/v1/activations. The search page runs the same search from a URL: /search?mode=contrast&pos=…&neg=…",
  tags: ["Search"],
  access: "public",
  scope: "read",
  body: contrastSearchBodySchema,
  response: ContrastSearchResultSchema,
  errors: [404, 503],
  rateLimit: { limit: 20, windowMs: 60_000 },
  maxBodyBytes: 64 * 1024,
  handler: ({ body }) => contrastSearch(body),
});
