/**
 * Logit effects as horizontal bars: the tokens this feature's decoder direction promotes (top) and
 * suppresses (bottom) through the unembedding. Plain HTML, no script: bars are widths.
 */
import type { TokenValue } from "@/lib/db/features";
import { TokenText } from "./TokenText";
import { tokenLiteral } from "./format";

export function LogitBars({ title, entries, scale, sign }: { title: string; entries: TokenValue[]; scale: number; sign: "positive" | "negative" }) {
  if (entries.length === 0) return null;
  return (
    <div className="logit-column">
      <h4>{title}</h4>
      <table className="logits">
        <caption className="sr-only">{title}</caption>
        <colgroup><col style={{ width: "45%" }} /><col /></colgroup>
        <tbody>
          {entries.map((entry) => (
            <tr key={`${entry.tokenId}`}>
              <td className="logit-token" title={`${tokenLiteral(entry.text)} · token ${entry.tokenId}`}>
                <span className="tok tok-plain"><TokenText text={entry.text} /></span>
              </td>
              <td className="logit-bar-cell">
                <span className="logit-bar-row">
                <span className="logit-bar-track">
                  <span
                    className={`logit-bar logit-${sign}`}
                    style={{ width: `${scale > 0 ? Math.max(2, (Math.abs(entry.value) / scale) * 100) : 0}%` }}
                  />
                </span>
                <span className="logit-value">{entry.value >= 0 ? "+" : ""}{entry.value.toFixed(2)}</span>
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
