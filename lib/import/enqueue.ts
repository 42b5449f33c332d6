/** Import from the web app: validate and register (lib/import), then enqueue the dashboard runs on the shared pg-boss. */
import { enqueueDashboardRun } from "@/lib/dashboards/jobs";
import { sharedBoss } from "@/lib/jobs/boss";
import { importModelAndSaes, type ImportRequest, type ImportResult } from "./index";

export async function importAndEnqueue(request: ImportRequest): Promise<ImportResult> {
  const result = await importModelAndSaes(request);
  const pending = result.saes.filter((s) => s.run && s.run.status !== "done");
  if (pending.length > 0) {
    const boss = await sharedBoss();
    for (const sae of pending) await enqueueDashboardRun(boss, sae.run!.id);
  }
  return result;
}
