/**
 * One auto-interp job = one feature of one run: check the run's spending cap, draft with the
 * configured provider, store the draft. A provider failure is recorded on the run with its cause and
 * rethrown so pg-boss retries it (with backoff); after the last attempt it counts as a failed feature.
 * The cap is checked again before every provider call, so jobs running side by side stop spending as
 * soon as any of them reaches it (a feature stopped half-way is skipped: no draft without scores).
 */
import {
  addRunUsage, getAutoInterpRun, getAutoInterpSettings, loadFeatureMaterial, markFeatureSkipped, markRunStarted,
  recordFeatureFailure, storeDraft, withinCap,
} from "../../db/autointerp";
import { draftFeatureLabel } from "./pipeline";
import { openAiCompatibleProvider, ProviderError, type ChatMessage, type ChatOptions, type ChatProvider } from "./provider";

export interface AutoInterpJob {
  runId: number;
  saeId: number;
  index: number;
}

export interface JobAttempt {
  /** 0 on the first try */
  retryCount: number;
  retryLimit: number;
}

/** The provider from current settings (a run keeps its own base URL and model). */
export async function providerForRun(run: { provider: string; model: string }): Promise<ChatProvider> {
  const settings = await getAutoInterpSettings();
  const sameEndpoint = settings.baseUrl === run.provider;
  return openAiCompatibleProvider({ baseUrl: run.provider, model: run.model, apiKey: sameEndpoint ? settings.apiKey : null });
}

type CappableRun = NonNullable<Awaited<ReturnType<typeof getAutoInterpRun>>>;

function capReason(run: CappableRun): string {
  return `Spending cap reached ($${run.costUsd.toFixed(4)} of $${run.spendCapUsd ?? "∞"}, ${run.promptTokens + run.completionTokens} of ${run.maxTokens ?? "∞"} tokens): feature not drafted.`;
}

/** The run reached its cap (seen before a provider call): the feature is skipped, not failed. */
export class CapReachedError extends Error {
  constructor(readonly run: CappableRun) {
    super(capReason(run));
    this.name = "CapReachedError";
  }
}

/**
 * Wraps a provider so that every call first checks the run's caps (other jobs of the run spend too)
 * and every call's token usage is counted on the run, even when a later call fails.
 */
function metered(provider: ChatProvider, runId: number): ChatProvider {
  return {
    baseUrl: provider.baseUrl,
    model: provider.model,
    async chat(messages: ChatMessage[], options?: ChatOptions) {
      const run = await getAutoInterpRun(runId);
      if (run && !withinCap(run)) throw new CapReachedError(run);
      const result = await provider.chat(messages, options);
      await addRunUsage(runId, result.usage);
      return result;
    },
  };
}

export type JobOutcome = "drafted" | "skipped" | "gone";

export async function processAutoInterpJob(
  job: AutoInterpJob,
  attempt: JobAttempt,
  makeProvider: (run: { provider: string; model: string }) => Promise<ChatProvider> = providerForRun,
): Promise<JobOutcome> {
  const run = await getAutoInterpRun(job.runId);
  if (!run) return "gone";
  if (!withinCap(run)) {
    await markFeatureSkipped(run.id, job.index, capReason(run));
    return "skipped";
  }
  await markRunStarted(run.id);
  const final = attempt.retryCount >= attempt.retryLimit;
  try {
    const loaded = await loadFeatureMaterial(job.saeId, job.index);
    if (!loaded) throw new ProviderError(`SAE ${job.saeId} has no feature ${job.index} any more.`, "config", false);
    const provider = metered(await makeProvider(run), run.id);
    const result = await draftFeatureLabel(loaded.material, provider);
    await storeDraft(run.id, loaded.featureId, result);
    return "drafted";
  } catch (error) {
    if (error instanceof CapReachedError) {
      await markFeatureSkipped(run.id, job.index, error.message);
      return "skipped";
    }
    const retryable = !(error instanceof ProviderError) || error.retryable;
    await recordFeatureFailure(run.id, job.index, error, final || !retryable, attempt.retryCount + 1);
    if (!retryable) return "gone"; // nothing a retry could fix: recorded as failed, job completes
    throw error;
  }
}
