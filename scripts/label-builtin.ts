/**
 * `npm run label:builtin -- --sae <id> [--sae <id> …]`: machine drafts for every live feature of
 * the SAEs with the built-in explainer (no LLM; docs/LABELS.md), with their scores and the
 * baseline's, e.g. for an SAE imported with ready-made dashboards.
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { disconnectDb } from "../lib/db/client";
import { closeRawSql } from "../lib/db/dashboards";
import { labelSaeWithBuiltin } from "../lib/labels/autointerp/builtin-run";

const { values } = parseArgs({ options: { sae: { type: "string", multiple: true } } });
const ids = z.array(z.coerce.number().int().positive()).min(1, "give at least one --sae <id>").safeParse(values.sae ?? []);

async function main() {
  if (!ids.success) {
    console.error(`✖ ${ids.error.issues[0].message} (usage: npm run label:builtin -- --sae <id> [--sae <id> …])`);
    process.exitCode = 2;
    return;
  }
  for (const saeId of ids.data) {
    const { runId, drafted, summary } = await labelSaeWithBuiltin(saeId, { log: (line) => console.log(line) });
    const f = (x: number | null) => (x === null ? "—" : x.toFixed(3));
    console.log(`SAE ${saeId}: ${drafted} drafts (auto-interp run ${runId}, ${summary.seconds.toFixed(1)} s)`);
    console.log(`  detection  built-in mean ${f(summary.builtin.detection.mean)} median ${f(summary.builtin.detection.median)} | baseline mean ${f(summary.baseline.detection.mean)} median ${f(summary.baseline.detection.median)}`);
    console.log(`  simulation built-in mean ${f(summary.builtin.simulation.mean)} median ${f(summary.builtin.simulation.median)} | baseline mean ${f(summary.baseline.simulation.mean)} median ${f(summary.baseline.simulation.median)}`);
  }
}

main()
  .catch((error) => {
    console.error(`✖ ${(error as Error).message}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await closeRawSql().catch(() => undefined);
    await disconnectDb().catch(() => undefined);
  });
