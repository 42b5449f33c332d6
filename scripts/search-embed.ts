/**
 * `npm run search:embed`: embeds every label that lacks a vector from the configured embeddings
 * model (FEATURESCOPE_EMBEDDINGS_URL / _MODEL / _KEY), re-embeds edited ones, drops vectors of
 * deleted labels. Safe to rerun; run it after imports or auto-interp batches.
 */
import { disconnectDb } from "../lib/db/client";
import { embedPendingLabels } from "../lib/db/search-semantic";
import { embeddingsConfig } from "../lib/search/embeddings";

const config = embeddingsConfig();
if (!config) {
  console.error("Semantic search is off: set FEATURESCOPE_EMBEDDINGS_URL (an OpenAI-compatible /v1 base URL), FEATURESCOPE_EMBEDDINGS_MODEL and, if needed, FEATURESCOPE_EMBEDDINGS_KEY.");
  process.exit(1);
}
const started = Date.now();
try {
  const result = await embedPendingLabels(config, (done) => process.stdout.write(`\rembedded ${done} labels`));
  console.log(`\n${result.embedded} labels embedded with ${config.model}, ${result.purged} stale vectors removed, in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
} catch (error) {
  console.error(`\n✖ ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await disconnectDb();
}
