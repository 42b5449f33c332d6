/** Builds the Next.js app only when its sources changed since the last build (hash stamp in .next/). */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { runToCompletion } from "./processes";

const INPUTS = ["app", "lib", "proxy.ts", "next.config.js", "package-lock.json", "tsconfig.json", "prisma/schema.prisma"];
const STAMP = path.join(".next", "featurescope-source-hash");
const SKIP = new Set(["generated", "node_modules", ".next"]);

function hashInto(hash: crypto.Hash, target: string): void {
  if (!fs.existsSync(target)) return;
  const stat = fs.statSync(target);
  if (stat.isDirectory()) {
    for (const entry of fs.readdirSync(target).sort()) {
      if (SKIP.has(entry) || entry.endsWith(".test.ts")) continue;
      hashInto(hash, path.join(target, entry));
    }
  } else {
    hash.update(target);
    hash.update(fs.readFileSync(target));
  }
}

export function sourceHash(): string {
  const hash = crypto.createHash("sha256");
  for (const input of INPUTS) hashInto(hash, input);
  return hash.digest("hex");
}

export function buildIsCurrent(): boolean {
  return fs.existsSync(path.join(".next", "BUILD_ID")) && fs.existsSync(STAMP) && fs.readFileSync(STAMP, "utf8") === sourceHash();
}

export async function ensureNextBuild(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<void> {
  if (buildIsCurrent()) {
    log("web app build is current");
    return;
  }
  log("building the web app (next build, about a minute on 2 cores)…");
  const hash = sourceHash();
  const code = await runToCompletion(process.execPath, [path.resolve("node_modules/next/dist/bin/next"), "build"], {
    env: { ...env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (code !== 0) throw new Error(`next build failed (exit ${code})`);
  fs.writeFileSync(STAMP, hash);
}
