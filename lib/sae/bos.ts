// The one BOS rule every statistic follows (dashboards and SAE quality metrics alike): a position
// holding the BOS id counts nowhere — not only position 0, but every BOS-id token inside a context
// (a packed corpus separates documents with EOS, which is the BOS id in GPT-2-style vocabularies).
// BOS activations are huge and carry no meaning (shared INTERP.md §3); SAELens's evals
// (sae_lens/evals.py get_sparsity_and_variance_metrics, get_recons_loss) mask the same way, by
// token id (`batch_tokens == token` for each ignored special token), not by position.

/** 1 where the token is the BOS id (the position is left out), 0 elsewhere. */
export function bosExclusionMask(tokenIds: ArrayLike<number>, bosTokenId: number): Uint8Array {
  const excluded = new Uint8Array(tokenIds.length);
  for (let t = 0; t < tokenIds.length; t++) if (tokenIds[t] === bosTokenId) excluded[t] = 1;
  return excluded;
}
