/**
 * `npm run steer:hook-norms [-- --all] [-- --sae <id>]`
 * Measures the typical ‖h‖ at each SAE's hook (the unit of steering's "add" in hook-norm units,
 * docs/STEERING.md) for SAEs whose dashboards were computed before the dashboards pass measured it,
 * without recomputing the dashboards (lib/steering/hook-norm-backfill.ts). --all remeasures every
 * SAE that has computed dashboards; --sae one.
 */
import { parseArgs } from "node:util";
import { disconnectDb } from "../lib/db/client";
import { currentDatabaseUrl, parseDatabaseUrl } from "../lib/db/connection";
import { explainConnectionError } from "../lib/db/server";
import { backfillTypicalHookNorms } from "../lib/steering/hook-norm-backfill";

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { all: { type: "boolean", default: false }, sae: { type: "string" } } });
  const saeId = values.sae === undefined ? undefined : Number(values.sae);
  if (saeId !== undefined && !(Number.isSafeInteger(saeId) && saeId > 0)) throw new Error(`--sae must be an SAE id, got "${values.sae}"`);
  const result = await backfillTypicalHookNorms({ all: values.all, saeId, log: (line) => console.log(line) });
  for (const s of result.skipped) console.log(`${s.name} (${s.saeId}): skipped, ${s.reason}.`);
  if (!result.measured.length && !result.skipped.length) {
    console.log(saeId ? `No SAE ${saeId}.` : "Every SAE's typical hook norm is measured (--all remeasures).");
  }
}

main()
  .catch((error) => {
    const code = (error as { code?: string }).code;
    const message = code && /^(ECONN|ENOTFOUND|28P01|3D000)/.test(code)
      ? explainConnectionError(error, parseDatabaseUrl(currentDatabaseUrl()))
      : (error as Error).message;
    console.error(`✖ ${message}`);
    process.exitCode = 1;
  })
  .finally(() => disconnectDb().catch(() => undefined));
