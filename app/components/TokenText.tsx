/**
 * One model token rendered strictly as text, with whitespace made visible: spaces get a faint dot,
 * newlines a ↵, tabs a →. The DOM text stays the token's exact characters (markers are CSS), so
 * copying and tests see the real token; nothing here ever interprets the token as HTML.
 */
const WHITESPACE_CLASS: Record<string, string> = {
  " ": "ws-space",
  "\n": "ws-newline",
  "\r": "ws-return",
  "\t": "ws-tab",
  "\u00a0": "ws-space",
};

/** Splits a token into runs of plain text and runs of one whitespace character. */
export function whitespaceRuns(text: string): { text: string; ws: string | null }[] {
  const runs: { text: string; ws: string | null }[] = [];
  for (const char of text) {
    const ws = WHITESPACE_CLASS[char] ?? null;
    const last = runs[runs.length - 1];
    if (last && last.ws === ws && (ws === null || ws === "ws-space")) last.text += char;
    else runs.push({ text: char, ws });
  }
  return runs;
}

export function TokenText({ text }: { text: string }) {
  if (text.length === 0) return <span className="ws ws-empty" aria-label="empty token" />;
  return (
    <>
      {whitespaceRuns(text).map((run, i) =>
        run.ws === null ? (
          run.text
        ) : run.ws === "ws-space" ? (
          <span key={i} className="ws ws-space">{run.text}</span>
        ) : (
          // the raw character is kept (hidden) so the DOM text is exact; the marker is drawn by CSS
          <span key={i} className={`ws ${run.ws}`}><span className="ws-raw">{run.text}</span></span>
        ),
      )}
    </>
  );
}
