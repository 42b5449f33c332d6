/** POST /api/v1/saes/{saeId}/autointerp — draft labels with the configured LLM provider (per feature, or the whole SAE). */
import { SaeParamsSchema } from "@/lib/browse/contracts";
import { forbidden } from "@/lib/api/errors";
import { defineRoute } from "@/lib/api/route";
import { roleAtLeast } from "@/lib/auth/roles";
import { AutoInterpRunSchema, StartRunSchema } from "@/lib/labels/autointerp/contracts";
import { startAutoInterpRun } from "@/lib/labels/autointerp/enqueue";

export const dynamic = "force-dynamic";

export const POST = defineRoute({
  method: "POST",
  path: "/api/v1/saes/{saeId}/autointerp",
  operationId: "startAutoInterpRun",
  summary: "Start an auto-interp run",
  description:
    "Queues one job per feature (explain, then score by detection and simulation). Drafts arrive as model labels in draft status " +
    "for people to accept, edit or reject. Editors may draft listed features; drafting a whole SAE needs an admin. " +
    "The run stops spending at its cap: the admin's cap per run, or a lower spendCapUsd given here (a higher one is refused with 400; only an admin raises the cap, on /admin/providers).",
  tags: ["Auto-interp"],
  access: "editor",
  params: SaeParamsSchema,
  body: StartRunSchema,
  response: AutoInterpRunSchema,
  status: 202,
  errors: [400, 404],
  rateLimit: { limit: 20, windowMs: 60_000 },
  handler: async ({ params, body, principal }) => {
    if (!body.indices && !roleAtLeast(principal.user.role, "admin")) throw forbidden("Drafting a whole SAE needs the admin role; list the features to draft.");
    const run = await startAutoInterpRun({ saeId: params.saeId, indices: body.indices ?? null, requestedById: principal.user.id, spendCapUsd: body.spendCapUsd });
    return { ...run, errors: run.errors as unknown[] };
  },
});
