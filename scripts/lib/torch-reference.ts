// Runs scripts/bench/torch_reference.py as a server (one JSON command per line) so a benchmark can
// interleave PyTorch and ONNX Runtime rounds in one run, and says which BLAS that PyTorch loaded:
// a ratio against PyTorch on the reference BLAS (Debian's default libblas.so.3) is not printed.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import path from "node:path";

export const TORCH_PYTHON = "/usr/bin/python3";
export const TORCH_INSTALL_HINT = "apt-get install python3-torch libopenblas0-pthread (Debian's PyTorch; OpenBLAS as the system BLAS)";

export interface TorchHello {
  torch: string;
  blas: string;
  blasPath: string;
  threads: number;
}

export function torchAvailable(): boolean {
  return spawnSync(TORCH_PYTHON, ["-c", "import torch"], { stdio: "ignore" }).status === 0;
}

/** Why a "× PyTorch" ratio must not be printed for this PyTorch, or undefined when it may. */
export function ratioWithheld(hello: TorchHello, threads: number): string | undefined {
  if (hello.blas === "reference" || hello.blas === "none found") {
    return `PyTorch loaded the ${hello.blas} BLAS (${hello.blasPath || "no BLAS library mapped"}), not an optimised one: ${TORCH_INSTALL_HINT}`;
  }
  if (hello.threads !== threads) return `PyTorch runs ${hello.threads} threads, ONNX Runtime ${threads}`;
  return undefined;
}

export class TorchReference {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;
  hello!: TorchHello;

  private constructor(child: ChildProcessWithoutNullStreams) {
    this.child = child;
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  /** Starts the server on `jobPath` with `threads` threads for PyTorch, OpenMP and OpenBLAS, passive waits. */
  static async start(root: string, jobPath: string, threads: number): Promise<TorchReference> {
    const child = spawn(TORCH_PYTHON, [path.join(root, "scripts/bench/torch_reference.py"), "serve", jobPath], {
      env: {
        ...process.env,
        OMP_NUM_THREADS: String(threads),
        OPENBLAS_NUM_THREADS: String(threads),
        // passive waits, as ORT's intra-op threads here (FEATURESCOPE_ORT_SPINNING unset). OpenBLAS's
        // own threads spin 2^28 cycles after each call by default: between interleaved rounds that
        // stole the cores from the ONNX Runtime round that followed (forward measured 2–4× slower)
        OMP_WAIT_POLICY: process.env.FEATURESCOPE_ORT_SPINNING === "1" ? "ACTIVE" : "PASSIVE",
        ...(process.env.FEATURESCOPE_ORT_SPINNING === "1" ? {} : { OPENBLAS_THREAD_TIMEOUT: "4" }),
      },
    });
    child.stderr.on("data", (chunk) => process.stderr.write(chunk));
    const server = new TorchReference(child);
    server.hello = await server.next();
    return server;
  }

  private async next<T>(): Promise<T> {
    const { value, done } = await this.lines.next();
    if (done) throw new Error("the PyTorch reference exited");
    return JSON.parse(value) as T;
  }

  async call<T = Record<string, unknown>>(command: Record<string, unknown>): Promise<T> {
    this.child.stdin.write(`${JSON.stringify(command)}\n`);
    return this.next<T>();
  }

  async stop(): Promise<void> {
    this.child.stdin.write(`${JSON.stringify({ op: "quit" })}\n`);
    this.child.stdin.end();
    await new Promise((resolve) => this.child.once("exit", resolve));
  }
}
