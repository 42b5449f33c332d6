/** A word diff between two texts: removed words struck through, added words underlined. */
import { diffWords } from "@/lib/labels/diff";

export function Diff({ before, after }: { before: string; after: string }) {
  return (
    <span className="label-diff">
      {diffWords(before, after).map((part, i) =>
        part.kind === "same" ? <span key={i}>{part.text}</span>
          : part.kind === "added" ? <ins key={i}>{part.text}</ins>
            : <del key={i}>{part.text}</del>,
      )}
    </span>
  );
}
