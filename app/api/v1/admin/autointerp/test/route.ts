/** POST /api/v1/admin/autointerp/test — one tiny chat call to check the configured provider: status and a short message, never the answer's body. */
import { defineRoute } from "@/lib/api/route";
import { ProviderTestSchema } from "@/lib/labels/autointerp/contracts";
import { getAutoInterpSettings } from "@/lib/db/autointerp";
import { testProvider } from "@/lib/labels/autointerp/provider-test";

export const dynamic = "force-dynamic";

export const POST = defineRoute({
  method: "POST",
  path: "/api/v1/admin/autointerp/test",
  operationId: "testAutoInterpProvider",
  summary: "Test the auto-interp provider",
  description: "Answers with the provider's HTTP status and a short message written by Featurescope; the provider's answer itself is never returned.",
  tags: ["Admin"],
  access: "admin",
  response: ProviderTestSchema,
  rateLimit: { limit: 10, windowMs: 60_000 },
  handler: async () => testProvider(await getAutoInterpSettings()),
});
