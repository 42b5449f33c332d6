/**
 * The inference service: its own process owning the ONNX Runtime sessions (CUDA when present, else
 * CPU). Started by `npm start`, or alone (e.g. on a GPU machine) with `npm run worker:inference`;
 * the web app finds it by INFERENCE_URL and authenticates with INFERENCE_SECRET.
 */
import { InferenceEngine } from "@/lib/inference/engine";
import { ConcurrencyLimiter } from "@/lib/inference/limiter";
import { DEFAULT_INFERENCE_PORT, inferenceLimits, inferenceSecret } from "@/lib/inference/config";
import { modelForInference, saeForInference } from "@/lib/db/inference";
import { HEARTBEAT_INTERVAL_MS, recordHeartbeat, removeHeartbeat } from "@/lib/db/workers";
import { disconnectDb } from "@/lib/db/client";
import { executionProviderPlan } from "@/lib/model/execution-provider";
import { createInferenceServer } from "./server";

const KIND = "inference";
const log = (message: string) => console.log(`[inference] ${message}`);

async function main() {
  const startedAt = new Date();
  const port = Number(process.env.INFERENCE_PORT ?? DEFAULT_INFERENCE_PORT);
  const host = process.env.INFERENCE_HOST ?? "127.0.0.1";
  const limits = inferenceLimits();
  const plan = executionProviderPlan();
  const engine = new InferenceEngine({ model: modelForInference, sae: saeForInference });
  const limiter = new ConcurrencyLimiter(limits);
  const server = createInferenceServer({ engine, limiter, secret: inferenceSecret(), startedAt });

  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "EADDRINUSE" ? new Error(`Port ${port} is already in use; set INFERENCE_PORT to another port.`) : error));
    server.listen(port, host, resolve);
  });
  const beat = () =>
    recordHeartbeat(KIND, startedAt, { url: `http://${host}:${port}`, providers: plan.order, reason: plan.reason, executionProvider: engine.executionProvider, queue: limiter.stats })
      .catch((error) => console.error(`[inference] heartbeat failed: ${(error as Error).message}`));
  await beat();
  const timer = setInterval(beat, HEARTBEAT_INTERVAL_MS);
  log(`ready on http://${host}:${port} — execution providers ${plan.order.join(" → ")} (${plan.reason}); at most ${limits.maxConcurrent} running, ${limits.maxQueued} queued`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    clearInterval(timer);
    server.close();
    await engine.dispose().catch(() => undefined);
    await removeHeartbeat(KIND).catch(() => undefined);
    await disconnectDb();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error) => {
  console.error(`[inference] failed to start: ${(error as Error).message}`);
  process.exit(1);
});
