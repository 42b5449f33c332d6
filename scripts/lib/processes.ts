/** Child processes for the launcher and the test runner: own process groups, stopped as a group. */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import http from "node:http";

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  stop(timeoutMs?: number): Promise<void>;
}

/** Starts a command in its own process group (so `next start`'s server child is stopped too). */
export function startProcess(name: string, command: string, args: string[], options: SpawnOptions & { prefix?: boolean } = {}): ManagedProcess {
  const child = spawn(command, args, { ...options, detached: true, stdio: options.stdio ?? ["ignore", "pipe", "pipe"] });
  if (options.prefix !== false) {
    const tag = `[${name}] `;
    const forward = (stream: NodeJS.ReadableStream | null, out: NodeJS.WriteStream) => {
      let pending = "";
      stream?.on("data", (chunk: Buffer) => {
        pending += chunk.toString("utf8");
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) out.write(line.startsWith("[") ? `${line}\n` : `${tag}${line}\n`);
      });
    };
    forward(child.stdout, process.stdout);
    forward(child.stderr, process.stderr);
  }
  const stop = async (timeoutMs = 15_000) => {
    if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try { process.kill(-child.pid, "SIGTERM"); } catch { return; }
    const timer = setTimeout(() => { try { process.kill(-child.pid!, "SIGKILL"); } catch { /* gone */ } }, timeoutMs);
    await exited;
    clearTimeout(timer);
  };
  return { name, child, stop };
}

export function runToCompletion(command: string, args: string[], options: SpawnOptions = {}): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: "inherit", ...options });
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** Resolves when GET url answers (any status below 500), rejects after timeoutMs. */
export async function waitForHttp(url: string, timeoutMs: number, isAlive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`the process serving ${url} exited`);
    const status = await new Promise<number>((resolve) => {
      const req = http.get(url, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
      req.on("error", () => resolve(0));
      req.setTimeout(5_000, () => { req.destroy(); resolve(0); });
    });
    if (status > 0 && status < 500) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} did not answer within ${Math.round(timeoutMs / 1000)} s`);
}
