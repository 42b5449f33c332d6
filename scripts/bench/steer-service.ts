/**
 * The inference service for `npm run bench:steer`, as its own process: the real HTTP server,
 * engine and limiter (INFERENCE_MAX_* limits), with a catalogue of one model and one SAE given by
 * folder instead of the database. Prints "listening <port>" once ready.
 */
import type { AddressInfo } from "node:net";
import { InferenceEngine } from "@/lib/inference/engine";
import { ConcurrencyLimiter } from "@/lib/inference/limiter";
import { inferenceLimits } from "@/lib/inference/config";
import { createInferenceServer } from "@/workers/inference/server";

const [modelDir, saeDir, hookName, secret] = process.argv.slice(2);
const engine = new InferenceEngine({
  model: async (id) => (id === 1 ? { id: 1, packagePath: modelDir } : null),
  sae: async (id) => (id === 1 ? { id: 1, modelId: 1, hookName, path: saeDir } : null),
});
const server = createInferenceServer({ engine, limiter: new ConcurrencyLimiter(inferenceLimits()), secret });
server.listen(0, "127.0.0.1", () => console.log(`listening ${(server.address() as AddressInfo).port}`));
process.on("SIGTERM", () => { server.close(); void engine.dispose().finally(() => process.exit(0)); });
