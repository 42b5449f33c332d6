/**
 * Which label a feature shows: a reviewer's pinned choice if there is one, otherwise the best-ranked
 * label. Pure, so the rule is tested without a database and reused by SQL callers.
 */

export interface RankableLabel {
  id: number;
  status: "draft" | "accepted" | "rejected";
  source: "human" | "model";
  voteScore: number;
  detectionScore: number | null;
  simulationScore: number | null;
  pinnedAt: Date | null;
}

const STATUS_TIER = { accepted: 0, draft: 1, rejected: 2 } as const;

/**
 * Ranking order: accepted labels before unreviewed drafts (a draft is a claim nobody has checked),
 * then net votes, then human before model, then the better machine score, then the older label
 * (stable: a tie never flips the shown label). Rejected labels come last.
 */
export function compareLabels(a: RankableLabel, b: RankableLabel): number {
  return (
    STATUS_TIER[a.status] - STATUS_TIER[b.status] ||
    b.voteScore - a.voteScore ||
    (a.source === b.source ? 0 : a.source === "human" ? -1 : 1) ||
    (bestScore(b) ?? -Infinity) - (bestScore(a) ?? -Infinity) ||
    a.id - b.id
  );
}

export function bestScore(label: Pick<RankableLabel, "detectionScore" | "simulationScore">): number | null {
  return label.detectionScore ?? label.simulationScore ?? null;
}

/** The label to show, or null when every label is rejected (or there are none). */
export function chooseCurrentLabel<L extends RankableLabel>(labels: L[]): L | null {
  const candidates = labels.filter((label) => label.status !== "rejected");
  const pinned = candidates
    .filter((label) => label.pinnedAt !== null)
    .sort((a, b) => b.pinnedAt!.getTime() - a.pinnedAt!.getTime())[0];
  if (pinned) return pinned;
  return [...candidates].sort(compareLabels)[0] ?? null;
}
