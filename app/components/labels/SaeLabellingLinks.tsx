/**
 * The SAE page's way into labelling: the keyboard labelling queue, the machine drafts awaiting
 * review (the feature table filtered to them), and the label exports. Links only: no query, so the
 * SAE page costs nothing more.
 */
import Link from "next/link";

export function SaeLabellingLinks({ saeId, saeHref }: { saeId: number; saeHref: string }) {
  const exportHref = (format: "jsonl" | "csv") => `/api/v1/saes/${saeId}/labels/export?format=${format}`;
  return (
    <nav className="sae-labelling" aria-label="Labelling" style={{ display: "flex", gap: "0.8rem", flexWrap: "wrap", alignItems: "center", margin: "0.8rem 0" }}>
      <Link className="button" href={`${saeHref}/label`} title="Next unlabelled feature, one after another (keys: j next, k previous, l label, a accept, x reject)">
        Label
      </Link>
      <Link href={`${saeHref}?label=drafted`}>Review machine drafts</Link>
      <span>
        Export labels: <a href={exportHref("jsonl")} download>JSONL</a> · <a href={exportHref("csv")} download>CSV</a>
      </span>
    </nav>
  );
}
