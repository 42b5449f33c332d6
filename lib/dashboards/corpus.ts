/**
 * The dashboard corpus: reads documents from a file or folder (.jsonl / .txt, optionally .gz),
 * tokenizes them with the model's tokenizer and packs them into fixed-size contexts, each starting
 * with BOS — deterministically, so a resumed run sees exactly the contexts the first attempt saw.
 *
 * Documents are concatenated with the EOS token between them (the way the demo model was trained)
 * and cut into contexts of `contextSize` tokens, BOS first. Every position holding the BOS id is
 * excluded from statistics (INTERP.md §3: BOS activations are huge and meaningless).
 *
 * Held-out documents (for the SAE's quality metrics) come from files whose name says so
 * (heldout, held-out, validation, val, test) when other files hold the rest; otherwise every 20th
 * document is held out.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import readline from "node:readline";
import { createGunzip } from "node:zlib";
import { mulberry32 } from "@/lib/random/mulberry32";

export class CorpusError extends Error {
  readonly code: "CORPUS_INVALID" | "CORPUS_EMPTY" | "CORPUS_MALFORMED";
  constructor(code: CorpusError["code"], message: string) {
    super(message);
    this.name = "CorpusError";
    this.code = code;
  }
}

export interface CorpusDocument {
  text: string;
  heldout: boolean;
  source: string;
}

const HELDOUT_NAME = /(^|[^a-z])(heldout|held-out|held_out|validation|valid|val|test)([^a-z]|$)/i;
const CORPUS_FILE = /\.(jsonl|txt)(\.gz)?$/i;
const HELDOUT_EVERY = 20;

/** How far a corpus folder is searched: enough for sharded datasets, not a walk of the whole disk. */
export const CORPUS_WALK_LIMITS = { depth: 8, entries: 10_000 };
/** A .txt file is one document held in memory whole; past this it is refused (split it, or use .jsonl). */
export const MAX_TEXT_DOCUMENT_CHARS = 64 * 1024 * 1024;

/**
 * One answer for every path that is not a corpus — missing, a device, a file of another kind, a
 * folder without corpus files or too big to search — so the import form cannot be used to learn
 * which files and folders exist on the server.
 */
function notACorpus(corpusPath: string, limits: typeof CORPUS_WALK_LIMITS): CorpusError {
  return new CorpusError(
    "CORPUS_INVALID",
    `${corpusPath}: not a corpus. Give a .jsonl or .txt file (optionally .gz), or a folder holding such files ` +
      `(searched ${limits.depth} levels deep, at most ${limits.entries.toLocaleString("en")} entries).`,
  );
}

/**
 * The corpus files under a path, checked without reading any file: a regular file named like a
 * corpus file, or a folder (symbolic links inside it are not followed) with at least one.
 */
export async function corpusFiles(corpusPath: string, limits = CORPUS_WALK_LIMITS): Promise<string[]> {
  const info = await stat(corpusPath).catch(() => undefined);
  if (info?.isFile() && CORPUS_FILE.test(corpusPath)) return [corpusPath];
  if (!info?.isDirectory()) throw notACorpus(corpusPath, limits);
  const files: string[] = [];
  let seen = 0;
  const walk = async (dir: string, depth: number) => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => {
      throw notACorpus(corpusPath, limits);
    });
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (++seen > limits.entries) throw notACorpus(corpusPath, limits);
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (depth < limits.depth) await walk(full, depth + 1);
      } else if (entry.isFile() && CORPUS_FILE.test(entry.name)) files.push(full);
    }
  };
  await walk(corpusPath, 1);
  if (files.length === 0) throw notACorpus(corpusPath, limits);
  return files;
}

function lines(file: string): AsyncIterable<string> {
  const raw = createReadStream(file);
  const input = file.endsWith(".gz") ? raw.pipe(createGunzip()) : raw;
  return readline.createInterface({ input, crlfDelay: Infinity });
}

async function readWhole(file: string): Promise<string> {
  const parts: string[] = [];
  let chars = 0;
  for await (const line of lines(file)) {
    chars += line.length + 1;
    if (chars > MAX_TEXT_DOCUMENT_CHARS) {
      throw new CorpusError("CORPUS_MALFORMED", `${file}: a .txt document longer than ${MAX_TEXT_DOCUMENT_CHARS / 1024 / 1024} Mi characters; split it or use .jsonl (one document per line).`);
    }
    parts.push(line);
  }
  return parts.join("\n");
}

/**
 * Documents in a deterministic order: files sorted by path; a .jsonl line is one document
 * (its "text" field; "split": "heldout"|"validation"|"test" marks held-out lines); a .txt file is one.
 */
export async function* readCorpus(corpusPath: string): AsyncGenerator<CorpusDocument> {
  const files = await corpusFiles(corpusPath);
  // named held-out files split the corpus only when other files hold the rest (a single shard named
  // "heldout_shard" is a whole corpus, split by the every-20th rule)
  const named = files.map((f) => HELDOUT_NAME.test(path.basename(f)));
  const namedHeldout = named.some(Boolean) && !named.every(Boolean);
  let index = 0;
  for (const file of files) {
    const fileHeldout = HELDOUT_NAME.test(path.basename(file));
    const source = path.basename(file);
    const classify = (explicit?: unknown): boolean => {
      index += 1;
      if (typeof explicit === "string") return /^(heldout|held-out|validation|valid|val|test)$/i.test(explicit);
      return namedHeldout ? fileHeldout : index % HELDOUT_EVERY === 0;
    };
    if (/\.txt(\.gz)?$/i.test(file)) {
      const text = await readWhole(file);
      if (text.trim()) yield { text, heldout: classify(), source };
      continue;
    }
    let lineNumber = 0;
    for await (const line of lines(file)) {
      lineNumber += 1;
      if (!line.trim()) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        throw new CorpusError("CORPUS_MALFORMED", `${file}:${lineNumber}: not a JSON line`);
      }
      const text = typeof parsed === "string" ? parsed : (parsed as { text?: unknown })?.text;
      if (typeof text !== "string") {
        throw new CorpusError("CORPUS_MALFORMED", `${file}:${lineNumber}: expected a JSON string or an object with a "text" string`);
      }
      const split = typeof parsed === "object" && parsed !== null ? (parsed as { split?: unknown }).split : undefined;
      if (text.trim()) yield { text, heldout: classify(split), source };
    }
  }
}

/** Contexts packed into one flat token array; context c is tokens[offsets[c] .. offsets[c+1]). */
export interface PackedContexts {
  contextSize: number;
  count: number;
  tokens: Int32Array;
  offsets: Int32Array;
  /** Total tokens, BOS included. */
  totalTokens: number;
  /** Tokens that count in statistics (BOS positions excluded). */
  countedTokens: number;
}

export function contextTokens(packed: PackedContexts, index: number): Int32Array {
  return packed.tokens.subarray(packed.offsets[index], packed.offsets[index + 1]);
}

class ContextPacker {
  private readonly tokens: number[] = [];
  private readonly offsets: number[] = [0];
  private current: number[] = [];

  constructor(private readonly contextSize: number, private readonly budget: number, private readonly bosId: number) {}

  /** Full when not even a 2-token context (BOS + one token) fits in what is left of the budget. */
  get full(): boolean {
    return this.budget - this.tokens.length < 2;
  }

  push(ids: number[], separator: number): void {
    for (const id of [...ids, separator]) {
      if (this.full) return;
      if (this.current.length === 0) this.current.push(this.bosId);
      this.current.push(id);
      if (this.current.length === this.contextSize) this.flush();
    }
  }

  private flush(): void {
    if (this.current.length === 0) return;
    const take = Math.min(this.current.length, this.budget - this.tokens.length);
    // a context cut to BOS alone by the budget has nothing to predict: dropped
    if (take >= 2) {
      this.tokens.push(...this.current.slice(0, take));
      this.offsets.push(this.tokens.length);
    }
    this.current = [];
  }

  finish(): PackedContexts {
    // a trailing partial context is kept when it holds at least one token after BOS
    if (this.current.length >= 2) this.flush();
    const tokens = Int32Array.from(this.tokens);
    let counted = 0;
    for (const id of tokens) if (id !== this.bosId) counted += 1;
    return {
      contextSize: this.contextSize, count: this.offsets.length - 1, tokens, offsets: Int32Array.from(this.offsets),
      totalTokens: tokens.length, countedTokens: counted,
    };
  }
}

export interface CorpusTokenizer {
  encode(text: string, options?: { prependBos?: boolean }): number[];
}

export interface BuildContextsOptions {
  corpusPath: string;
  /** Dashboard budget in tokens (BOS included). */
  tokens: number;
  /** Held-out budget for the quality metrics. */
  heldoutTokens: number;
  contextSize: number;
  bosTokenId: number;
  eosTokenId: number;
  /** Seed of the document order when the corpus is larger than the budgets (default 1). */
  seed?: number;
  /** Called now and then with the documents read so far. */
  onProgress?: (documentsRead: number) => void;
}

export interface BuiltContexts {
  dashboard: PackedContexts;
  heldout: PackedContexts;
  /** sha256 of every context token: a resumed run checks it saw the same corpus. */
  hash: string;
}

/** Text read ahead per budget token: enough to sample the budget from ~4× its size. */
const POOL_CHARS_PER_TOKEN = 16;
const MIN_POOL_CHARS = 8 << 20;
const MAX_POOL_CHARS = 256 << 20;

/**
 * Reads and tokenizes documents, then packs them into the two budgets. When the corpus holds more
 * than a budget, documents are taken in a seeded random order, so a corpus stored sorted (by
 * source, language, date) still gives dashboards its whole range: the demo shard lists prose, then
 * code, then non-Latin scripts, then base64, and a budget of half of it read in file order had no
 * Arabic or base64 at all. Reading stops after a pool of ~4× the budgets' text (at least 8 M, at
 * most 256 M characters); a corpus that fits its budgets is packed in file order.
 */
export async function buildContexts(tokenizer: CorpusTokenizer, options: BuildContextsOptions): Promise<BuiltContexts> {
  if (options.contextSize < 2) throw new CorpusError("CORPUS_MALFORMED", `context size must be at least 2, got ${options.contextSize}`);
  const dashboard = new ContextPacker(options.contextSize, options.tokens, options.bosTokenId);
  const heldout = new ContextPacker(options.contextSize, options.heldoutTokens, options.bosTokenId);
  const poolChars = Math.min(MAX_POOL_CHARS, Math.max(MIN_POOL_CHARS, POOL_CHARS_PER_TOKEN * (options.tokens + options.heldoutTokens)));
  const pool: { ids: Int32Array; heldout: boolean }[] = [];
  const wanted = { dashboard: 0, heldout: 0 };
  let chars = 0;
  let complete = true;
  for await (const doc of readCorpus(options.corpusPath)) {
    if (chars >= poolChars) {
      complete = false;
      break;
    }
    const ids = Int32Array.from(tokenizer.encode(doc.text, { prependBos: false }));
    pool.push({ ids, heldout: doc.heldout });
    wanted[doc.heldout ? "heldout" : "dashboard"] += ids.length + 1;
    chars += doc.text.length;
    if (pool.length % 200 === 0) options.onProgress?.(pool.length);
  }
  const sample = !complete || wanted.dashboard > options.tokens || wanted.heldout > options.heldoutTokens;
  const order = sample ? seededOrder(pool.length, options.seed ?? 1) : Int32Array.from(pool.keys());
  for (const i of order) {
    const doc = pool[i];
    const packer = doc.heldout ? heldout : dashboard;
    if (packer.full) {
      if (dashboard.full && heldout.full) break;
      continue;
    }
    packer.push(Array.from(doc.ids), options.eosTokenId);
  }
  const built = { dashboard: dashboard.finish(), heldout: heldout.finish() };
  if (built.dashboard.count === 0) {
    throw new CorpusError("CORPUS_EMPTY", `${options.corpusPath}: no dashboard text (every document was empty or held out)`);
  }
  const hash = createHash("sha256");
  for (const packed of [built.dashboard, built.heldout]) {
    hash.update(new Uint8Array(packed.offsets.buffer, packed.offsets.byteOffset, packed.offsets.byteLength));
    hash.update(new Uint8Array(packed.tokens.buffer, packed.tokens.byteOffset, packed.tokens.byteLength));
  }
  return { ...built, hash: hash.digest("hex") };
}

/** A seeded permutation of 0..n-1 (Fisher–Yates with mulberry32): the processing order. */
export function seededOrder(n: number, seed: number): Int32Array {
  const random = mulberry32(seed);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = order[i];
    order[i] = order[j];
    order[j] = tmp;
  }
  return order;
}
