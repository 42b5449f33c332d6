"use server";
/** Provider settings server actions (admins only; saved through lib/db/autointerp, which audits). */
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { pageAccess } from "@/lib/auth/session";
import { UpdateProviderSettingsSchema } from "@/lib/labels/autointerp/contracts";
import { getAutoInterpSettings, saveAutoInterpSettings } from "@/lib/db/autointerp";
import { testProvider } from "@/lib/labels/autointerp/provider-test";

const back = (params: Record<string, string>) => `/admin/providers?${new URLSearchParams(params).toString()}`;

function numberOrNull(value: FormDataEntryValue | null): number | null {
  const text = String(value ?? "").trim();
  return text === "" ? null : Number(text);
}

export async function saveProviderAction(formData: FormData): Promise<void> {
  const access = await pageAccess("admin");
  if (access.state !== "allowed") redirect(back({ error: "Only admins can change providers." }));
  const key = String(formData.get("apiKey") ?? "").trim();
  const parsed = UpdateProviderSettingsSchema.safeParse({
    baseUrl: String(formData.get("baseUrl") ?? "").trim() || null,
    model: String(formData.get("model") ?? "").trim() || null,
    apiKey: formData.get("removeKey") === "on" ? null : key ? key : undefined,
    priceInputPerMTok: numberOrNull(formData.get("priceInputPerMTok")),
    priceOutputPerMTok: numberOrNull(formData.get("priceOutputPerMTok")),
    spendCapUsd: numberOrNull(formData.get("spendCapUsd")),
    maxTokensPerRun: numberOrNull(formData.get("maxTokensPerRun")),
    concurrency: numberOrNull(formData.get("concurrency")),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    redirect(back({ error: `${issue.path.join(".")}: ${issue.message}` }));
  }
  const { keyCleared } = await saveAutoInterpSettings(parsed.data, access.user.id);
  revalidatePath("/admin/providers");
  redirect(back({
    notice: `Saved.${keyCleared ? " The base URL moved to another origin, so the stored API key was cleared: enter the new provider's key." : ""} The job worker picks up a concurrency change within about 10 seconds.`,
  }));
}

export async function testProviderAction(): Promise<void> {
  const access = await pageAccess("admin");
  if (access.state !== "allowed") redirect(back({ error: "Only admins can test providers." }));
  const result = await testProvider(await getAutoInterpSettings());
  redirect(back(result.ok ? { notice: result.message } : { error: `Provider test failed: ${result.message}` }));
}
