/** GET/PUT /api/v1/admin/autointerp — the auto-interp provider (OpenAI-compatible chat endpoint), spending cap, concurrency. */
import { defineRoute } from "@/lib/api/route";
import { ProviderSettingsSchema, UpdateProviderSettingsSchema } from "@/lib/labels/autointerp/contracts";
import { getAutoInterpSettings, publicSettings, saveAutoInterpSettings } from "@/lib/db/autointerp";

export const dynamic = "force-dynamic";

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/admin/autointerp",
  operationId: "getAutoInterpSettings",
  summary: "Get the auto-interp provider settings",
  description: "The key itself is never returned: only whether one is set and its last four characters. `sources` says whether each value comes from these settings or the environment (FEATURESCOPE_LLM_*).",
  tags: ["Admin"],
  access: "admin",
  response: ProviderSettingsSchema,
  handler: async () => publicSettings(await getAutoInterpSettings()),
});

export const PUT = defineRoute({
  method: "PUT",
  path: "/api/v1/admin/autointerp",
  operationId: "updateAutoInterpSettings",
  summary: "Change the auto-interp provider settings",
  description: "Fields left out are kept; null clears a setting (the environment applies again). The key is stored encrypted; a baseUrl on another origin (scheme, host, port) clears the stored key unless apiKey comes with it. Audited as autointerp.settings.",
  tags: ["Admin"],
  access: "admin",
  body: UpdateProviderSettingsSchema,
  response: ProviderSettingsSchema,
  handler: async ({ body, principal }) => {
    await saveAutoInterpSettings(body, principal.user.id);
    return publicSettings(await getAutoInterpSettings());
  },
});
