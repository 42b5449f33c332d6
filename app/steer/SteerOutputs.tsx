/**
 * The default and the steered completion side by side: tokens that differ are highlighted, and
 * each token's tooltip gives its logprob, the KL at that step (on the prefix the run says) and the
 * steered features' activation at that token's own position. Tokens are rendered strictly as text.
 */
import { TokenText } from "@/app/components/TokenText";
import { diffTokens, formatProbability } from "@/lib/steering/diff";
import { meanOfDefined, type GeneratedToken, type SteerResultView } from "@/lib/steering/result";

interface Props {
  prompt: string;
  result: SteerResultView;
  /** Live view: the stream is still running. */
  running?: boolean;
}

/** What the KL series measures, in words (runs saved before the fix measured the sampled texts). */
export function klDescription(result: Pick<SteerResultView, "klPrefix">): string {
  return result.klPrefix === "default"
    ? "KL(default‖steered) on the default text's prefix (the steered model reading the default completion)"
    : "KL(default‖steered) of each completion on its own sampled text (an older run: once the texts differ this compares different contexts)";
}

function tooltip(token: GeneratedToken, step: number, result: SteerResultView, row: "default" | "steered"): string {
  const parts = [
    `${JSON.stringify(token.text)} (id ${token.id})`,
    `logprob ${token.logprob.toFixed(3)} · p ${formatProbability(token.logprob)}`,
  ];
  const kl = result.kl[step];
  const sampled = result.klSampled[step];
  if (kl !== undefined && kl !== null) parts.push(`KL(default‖steered) on the default text's prefix at this step ${kl.toFixed(4)}`);
  if (sampled !== undefined && sampled !== null) {
    parts.push(result.klPrefix === "default"
      ? `KL of the two sampled texts' own next-token distributions ${sampled.toFixed(4)}`
      : `KL(default‖steered), each on its own sampled text (older run) ${sampled.toFixed(4)}`);
  }
  const acts = result.featureActs[row][step];
  const where = result.featureActsAt === "token" ? "at this token (after steering)" : "at the position that predicted this token (older run)";
  if (acts?.length) parts.push(`steered feature activation ${where}: ${acts.map((a) => a.toFixed(2)).join(", ")}`);
  else if (acts === null && step === tokensOf(result, row).length - 1) parts.push("feature activation: not read (this token ended the completion)");
  return parts.join("\n");
}

function tokensOf(result: SteerResultView, row: "default" | "steered"): GeneratedToken[] {
  return row === "default" ? result.defaultTokens : result.steeredTokens;
}

function Column({ title, tokens, changed, result, row, prompt, running, finishReason }: {
  title: string; tokens: GeneratedToken[]; changed: boolean[]; result: SteerResultView; row: "default" | "steered";
  prompt: string; running: boolean; finishReason?: string;
}) {
  const changedCount = changed.filter(Boolean).length;
  return (
    <section className="steer-column" aria-label={`${title} completion`} data-testid={`${row}-output`}>
      <h3>
        {title}
        <span className="muted steer-column-meta">
          {tokens.length} tokens{row === "steered" && tokens.length ? ` · ${changedCount} differ` : ""}
          {finishReason ? ` · ended: ${finishReason}` : ""}
        </span>
      </h3>
      <div className="steer-text">
        <span className="steer-prompt" title="prompt"><TokenText text={prompt} /></span>
        {tokens.map((token, step) => (
          <span
            key={step}
            className={`steer-token${changed[step] ? " steer-token-changed" : ""}`}
            title={tooltip(token, step, result, row)}
            data-logprob={token.logprob}
          >
            <TokenText text={token.text} />
          </span>
        ))}
        {running && <span className="steer-cursor" aria-hidden="true">▍</span>}
      </div>
      <details className="steer-plain">
        <summary>Plain text</summary>
        <pre data-testid={`${row}-text`}>{tokens.map((t) => t.text).join("")}</pre>
      </details>
    </section>
  );
}

export function SteerOutputs({ prompt, result, running = false }: Props) {
  const diff = diffTokens(result.defaultTokens, result.steeredTokens);
  const kl = meanOfDefined(result.kl);
  const sampled = meanOfDefined(result.klSampled);
  return (
    <div className="steer-outputs">
      <p className="muted steer-summary" aria-live="polite">
        {running ? "Generating… " : ""}
        {diff.firstDivergence === null
          ? result.steeredTokens.length ? "The two completions are identical." : ""
          : `The completions diverge at token ${diff.firstDivergence + 1}.`}
        {kl.mean !== null && <> <span data-testid="mean-kl">Mean {klDescription(result)}: {kl.mean.toFixed(4)} nats over {kl.count} {kl.count === 1 ? "step" : "steps"}.</span></>}
        {result.klPrefix === "default" && sampled.mean !== null && <> <span className="steer-kl-sampled">(The sampled texts&apos; own next-token distributions differ by {sampled.mean.toFixed(4)} nats on average over {sampled.count} {sampled.count === 1 ? "step" : "steps"}: different contexts once the texts diverge.)</span></>}
        {result.klPrefix === "own" && sampled.mean !== null && <> <span data-testid="mean-kl">Mean {klDescription(result)}: {sampled.mean.toFixed(4)} nats over {sampled.count} {sampled.count === 1 ? "step" : "steps"}.</span></>}
        {" "}Hover a token for its logprob and the feature&apos;s activation at that token.
      </p>
      <div className="steer-columns">
        <Column title="Default" tokens={result.defaultTokens} changed={diff.defaultChanged} result={result} row="default" prompt={prompt} running={running} finishReason={result.finishReasons?.default} />
        <Column title="Steered" tokens={result.steeredTokens} changed={diff.steeredChanged} result={result} row="steered" prompt={prompt} running={running} finishReason={result.finishReasons?.steered} />
      </div>
    </div>
  );
}
