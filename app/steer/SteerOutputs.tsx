/**
 * The default and the steered completion side by side: tokens that differ are highlighted, and
 * each token's tooltip gives its logprob, the KL between the two next-token distributions at that
 * step and the steered feature's activation. Tokens are rendered strictly as text.
 */
import { TokenText } from "@/app/components/TokenText";
import { diffTokens, formatProbability } from "@/lib/steering/diff";
import type { GeneratedToken, SteerResultView } from "@/lib/steering/result";

interface Props {
  prompt: string;
  result: SteerResultView;
  /** Live view: the stream is still running. */
  running?: boolean;
}

function tooltip(token: GeneratedToken, step: number, result: SteerResultView, row: "default" | "steered"): string {
  const parts = [
    `${JSON.stringify(token.text)} (id ${token.id})`,
    `logprob ${token.logprob.toFixed(3)} · p ${formatProbability(token.logprob)}`,
  ];
  const kl = result.kl[step];
  if (kl !== undefined) parts.push(`KL(default‖steered) at this step ${kl.toFixed(4)}`);
  const acts = result.featureActs[row][step];
  if (acts?.length) parts.push(`steered feature activation ${acts.map((a) => a.toFixed(2)).join(", ")}`);
  return parts.join("\n");
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
  const meanKl = result.kl.length ? result.kl.reduce((a, b) => a + b, 0) / result.kl.length : null;
  return (
    <div className="steer-outputs">
      <p className="muted steer-summary" aria-live="polite">
        {running ? "Generating… " : ""}
        {diff.firstDivergence === null
          ? result.steeredTokens.length ? "The two completions are identical." : ""
          : `The completions diverge at token ${diff.firstDivergence + 1}.`}
        {meanKl !== null && ` Mean KL(default‖steered) ${meanKl.toFixed(4)} nats over ${result.kl.length} steps.`}
        {" "}Hover a token for its logprob.
      </p>
      <div className="steer-columns">
        <Column title="Default" tokens={result.defaultTokens} changed={diff.defaultChanged} result={result} row="default" prompt={prompt} running={running} finishReason={result.finishReasons?.default} />
        <Column title="Steered" tokens={result.steeredTokens} changed={diff.steeredChanged} result={result} row="steered" prompt={prompt} running={running} finishReason={result.finishReasons?.steered} />
      </div>
    </div>
  );
}
