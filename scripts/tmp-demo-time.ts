// temporary: times the demo's dashboards + labels in-process, with load average
import os from "node:os";
import { migrateDeploy } from "../lib/db/migrate";
import { importModelAndSaes } from "../lib/import";
import { runDashboards } from "../lib/dashboards/run";
const url = process.env.DATABASE_URL!;
await migrateDeploy(url);
const t0 = Date.now();
const stamp = (m: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)} s, load ${os.loadavg()[0].toFixed(1)}] ${m}`);
const r = await importModelAndSaes({ modelDir: "demo/model", saeDirs: ["demo/saes/mlp0-topk", "demo/saes/resid0-relu", "demo/saes/resid0-topk", "demo/saes/resid1-topk"], corpus: "demo/corpus", tokens: Number(process.argv[2] ?? 1_000_000) });
stamp("imported");
const cpu0 = process.cpuUsage();
const out = await runDashboards(r.saes[0].run!.id, { owner: "timer", log: stamp });
const cpu = process.cpuUsage(cpu0);
stamp(`done ${JSON.stringify(out.status)} cpu user ${(cpu.user / 1e6).toFixed(1)} s sys ${(cpu.system / 1e6).toFixed(1)} s`);
process.exit(0);
