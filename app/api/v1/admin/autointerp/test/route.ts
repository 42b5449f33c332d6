/** POST /api/v1/admin/autointerp/test — one tiny chat call to check the configured provider; errors come back with their cause. */
import { defineRoute } from "@/lib/api/route";
import { ProviderTestSchema } from "@/lib/labels/autointerp/contracts";
import { getAutoInterpSettings } from "@/lib/db/autointerp";
import { openAiCompatibleProvider, ProviderError } from "@/lib/labels/autointerp/provider";

export const dynamic = "force-dynamic";

export const POST = defineRoute({
  method: "POST",
  path: "/api/v1/admin/autointerp/test",
  operationId: "testAutoInterpProvider",
  summary: "Test the auto-interp provider",
  tags: ["Admin"],
  access: "admin",
  response: ProviderTestSchema,
  rateLimit: { limit: 10, windowMs: 60_000 },
  handler: async () => {
    const settings = await getAutoInterpSettings();
    if (!settings.baseUrl || !settings.model) {
      return { ok: false, model: settings.model, reply: null, error: { message: "No base URL or model is configured.", failure: "config" } };
    }
    const provider = openAiCompatibleProvider({ baseUrl: settings.baseUrl, model: settings.model, apiKey: settings.apiKey, timeoutMs: 20_000 });
    try {
      const result = await provider.chat([{ role: "user", content: "Reply with the single word: ok" }], { maxTokens: 5 });
      return { ok: true, model: settings.model, reply: result.text.slice(0, 200), error: null };
    } catch (error) {
      if (error instanceof ProviderError) return { ok: false, model: settings.model, reply: null, error: error.toJSON() };
      throw error;
    }
  },
});
