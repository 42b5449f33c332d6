/**
 * Label text with its matches marked. The text is untrusted (anyone may write a label): it is split
 * into segments by character ranges and every segment is rendered as a React text node, so markup in
 * a label shows as the characters it is made of.
 */
import { segments, snippetWindow, type TextRange } from "@/lib/search/highlight";

export function HighlightedText({ text, ranges, maxLength = 220 }: { text: string; ranges: TextRange[]; maxLength?: number }) {
  const window = snippetWindow(text, ranges, maxLength);
  return (
    <>
      {window.clippedStart && <span className="elided" aria-hidden="true">…</span>}
      {segments(window.text, window.ranges).map((segment, i) =>
        segment.match ? <mark key={i}>{segment.text}</mark> : <span key={i}>{segment.text}</span>,
      )}
      {window.clippedEnd && <span className="elided" aria-hidden="true">…</span>}
    </>
  );
}
