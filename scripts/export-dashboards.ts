/**
 * `npm run export:dashboards -- --model <model name> --sae <SAE name> --out <folder> [--format saedashboard|neuronpedia]`
 * Writes an SAE's dashboards and labels (any SAE, browse-only or not) as SAEDashboard batch files or
 * Neuronpedia's export layout, a batch of features at a time; `npm run import:neuronpedia` reads
 * the folder back to identical data (docs/IMPORT.md, "Export").
 */
import { parseArgs } from "node:util";
import cliProgress from "cli-progress";
import { db, disconnectDb } from "../lib/db/client";
import { closeRawSql } from "../lib/db/dashboards";
import { writeDashboardExport } from "../lib/import/dashboard-export";
import { describeImportError, ImportError } from "../lib/import/errors";
import { EXPORT_FORMATS, type ExportFormat } from "../lib/import/neuronpedia-export";

const USAGE = `Usage: npm run export:dashboards -- --model <model name> --sae <SAE name> --out <folder>
                                   [--format ${EXPORT_FORMATS.join("|")}] [--features-per-batch N]`;

async function main() {
  const { values } = parseArgs({
    options: {
      model: { type: "string" }, sae: { type: "string" }, out: { type: "string" }, format: { type: "string" },
      "features-per-batch": { type: "string" }, help: { type: "boolean", short: "h" },
    },
  });
  if (values.help || !values.model || !values.sae || !values.out) {
    console.error(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const format = (values.format ?? "saedashboard") as ExportFormat;
  if (!EXPORT_FORMATS.includes(format)) throw new ImportError("IMPORT_ARGUMENT_INVALID", `--format must be ${EXPORT_FORMATS.join(" or ")}`);
  const perBatch = Number(values["features-per-batch"] ?? 128);
  if (!(Number.isInteger(perBatch) && perBatch > 0)) throw new ImportError("IMPORT_ARGUMENT_INVALID", "--features-per-batch must be a positive whole number");
  const sae = await db().sae.findFirst({ where: { name: values.sae, model: { name: values.model } }, select: { id: true, dSae: true } });
  if (!sae) throw new ImportError("IMPORT_ARGUMENT_INVALID", `there is no SAE ${values.model}/${values.sae}`);
  const total = await db().feature.count({ where: { saeId: sae.id } });
  const bar = new cliProgress.SingleBar({ format: " export |{bar}| {value}/{total} features" }, cliProgress.Presets.shades_classic);
  bar.start(total, 0);
  const summary = await writeDashboardExport(sae.id, values.out, format, { featuresPerBatch: perBatch, onBatch: (done) => bar.update(done) });
  bar.stop();
  console.log(`  ${summary.features} features, ${summary.examples} examples, ${summary.labels} labels in ${summary.files} files under ${summary.dir}` +
    `${summary.skipped ? ` (${summary.skipped} dead features in skipped_indexes.json)` : ""}`);
}

main()
  .catch((error) => {
    const described = describeImportError(error);
    console.error(`\n✖ ${described.message}\n  [${described.code}]\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await closeRawSql().catch(() => undefined);
    await disconnectDb().catch(() => undefined);
  });
