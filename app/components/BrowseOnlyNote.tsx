/**
 * The plain statement shown wherever a browse-only SAE (dashboards imported without weights) cannot
 * do something: what works, what needs the weights, and how an admin attaches them (docs/IMPORT.md).
 */
export const NEEDS_WEIGHTS =
  "needs the model's weights: this SAE was imported from dashboards only (browse-only). An admin can attach the model package and the SAE's weights with npm run import:neuronpedia -- --attach.";

export function BrowseOnlyNote({ what }: { what?: string }) {
  return (
    <p className="note browse-only-note" role="note" data-testid="browse-only-note">
      <strong>Browse-only.</strong>{" "}
      {what ? `${what} ${NEEDS_WEIGHTS}` : "This SAE was imported from dashboards without the model's or the SAE's weights: its features, examples, labels, search by label and activation text, lists and exports all work; testing text, search by inference and steering need the weights, which an admin can attach with npm run import:neuronpedia -- --attach."}
    </p>
  );
}
