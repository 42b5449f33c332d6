// Chooses the ONNX Runtime execution provider (CUDA when this onnxruntime-node build can use it,
// else CPU; FEATURESCOPE_EP overrides) and creates sessions that report which one they got.
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import * as ort from "onnxruntime-node";

/**
 * "webgpu" is bundled in onnxruntime-node's Linux binaries (Dawn over Vulkan, no download); it needs
 * a GPU with a Vulkan driver, and is only tried when FEATURESCOPE_EP=webgpu (docs/RUNTIME.md).
 */
export type ExecutionProviderName = "cuda" | "webgpu" | "cpu";

export interface ExecutionProviderEnvironment {
  /** FEATURESCOPE_EP: "cuda", "webgpu", "cpu", "auto" or unset. */
  override?: string;
  /** What onnxruntime-node's listSupportedBackends() reports. */
  backends: Array<{ name: string; bundled: boolean }>;
  /** Whether libonnxruntime_providers_cuda.so sits beside the binding (installed at npm install time). */
  cudaProviderInstalled: boolean;
}

export interface ExecutionProviderPlan {
  /** Providers to try, in order; the first that creates a session wins. */
  order: ExecutionProviderName[];
  reason: string;
}

/** Pure: decides which providers to try, and says why. */
export function planExecutionProviders(env: ExecutionProviderEnvironment): ExecutionProviderPlan {
  const override = env.override?.trim().toLowerCase();
  if (override === "cpu") return { order: ["cpu"], reason: "FEATURESCOPE_EP=cpu" };
  const cudaListed = env.backends.some((b) => b.name === "cuda");
  if (override === "cuda") {
    return {
      order: ["cuda", "cpu"],
      reason: "FEATURESCOPE_EP=cuda" +
        (env.cudaProviderInstalled ? "" : " (CUDA provider library not found beside the binding; will fall back to CPU if it fails)"),
    };
  }
  if (override === "webgpu") {
    return { order: ["webgpu", "cpu"], reason: "FEATURESCOPE_EP=webgpu (falls back to CPU when no WebGPU adapter is found)" };
  }
  if (override && override !== "auto") {
    throw new Error(`FEATURESCOPE_EP must be "cuda", "webgpu", "cpu" or "auto", got "${env.override}"`);
  }
  if (!cudaListed) return { order: ["cpu"], reason: "this onnxruntime-node build has no CUDA backend" };
  if (!env.cudaProviderInstalled) {
    return {
      order: ["cpu"],
      reason: "CUDA provider not installed (reinstall onnxruntime-node with ONNXRUNTIME_NODE_INSTALL=cuda12; see docs/RUNTIME.md)",
    };
  }
  return { order: ["cuda", "cpu"], reason: "CUDA provider installed" };
}

/** Looks for the CUDA provider library in onnxruntime-node's bin folder. */
export function cudaProviderInstalled(): boolean {
  try {
    const require = createRequire(import.meta.url);
    const root = path.dirname(path.dirname(require.resolve("onnxruntime-node")));
    const binRoot = path.join(root, "bin");
    for (const napi of readdirSync(binRoot)) {
      const dir = path.join(binRoot, napi, process.platform, process.arch);
      if (existsSync(path.join(dir, "libonnxruntime_providers_cuda.so"))) return true;
    }
  } catch {
    return false;
  }
  return false;
}

export function currentExecutionProviderEnvironment(): ExecutionProviderEnvironment {
  return {
    override: process.env.FEATURESCOPE_EP,
    backends: ort.listSupportedBackends(),
    cudaProviderInstalled: cudaProviderInstalled(),
  };
}

export interface CreatedSession {
  session: ort.InferenceSession;
  executionProvider: ExecutionProviderName;
}

export interface SessionOptions {
  /** Force a provider order (tests); default from planExecutionProviders(current environment). */
  executionProviders?: ExecutionProviderName[];
  intraOpNumThreads?: number;
  /**
   * Let idle intra-op threads spin-wait (ORT's own default). Off unless FEATURESCOPE_ORT_SPINNING=1:
   * on a machine shared with other work, spinning threads fight for the cores and generation ran
   * 20× slower here (docs/BENCHMARKS.md).
   */
  allowSpinning?: boolean;
}

let cachedPlan: ExecutionProviderPlan | undefined;
/** Providers that failed once in this process are not tried again (a failed CUDA init is slow). */
const failedProviders = new Set<ExecutionProviderName>();
const failureReasons: string[] = [];

export function executionProviderPlan(): ExecutionProviderPlan {
  cachedPlan ??= planExecutionProviders(currentExecutionProviderEnvironment());
  return cachedPlan;
}

/** Why providers earlier in the plan were skipped in this process (for status pages and logs). */
export function executionProviderFailures(): readonly string[] {
  return failureReasons;
}

function threadCount(explicit?: number): number | undefined {
  if (explicit) return explicit;
  const fromEnv = Number(process.env.FEATURESCOPE_ORT_THREADS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : undefined;
}

/** Creates an ORT session from ONNX bytes or a file path with the first provider that works. */
export async function createSession(model: Uint8Array | string, options: SessionOptions = {}): Promise<CreatedSession> {
  const order = (options.executionProviders ?? executionProviderPlan().order).filter((p) => !failedProviders.has(p));
  if (order.length === 0) order.push("cpu");
  let lastError: unknown;
  for (const provider of order) {
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: [provider],
      graphOptimizationLevel: "all",
    };
    const threads = threadCount(options.intraOpNumThreads);
    if (threads) sessionOptions.intraOpNumThreads = threads;
    const spinning = options.allowSpinning ?? process.env.FEATURESCOPE_ORT_SPINNING === "1";
    if (!spinning) sessionOptions.extra = { session: { intra_op: { allow_spinning: "0" } } };
    try {
      const session = typeof model === "string"
        ? await ort.InferenceSession.create(model, sessionOptions)
        : await ort.InferenceSession.create(model, sessionOptions);
      return { session, executionProvider: provider };
    } catch (error) {
      lastError = error;
      if (provider !== "cpu") {
        failedProviders.add(provider);
        failureReasons.push(`${provider}: ${(error as Error).message}`);
      } else {
        break;
      }
    }
  }
  throw lastError;
}
