// GPT-2 byte-level BPE tokenizer (vocab.json + merges.txt), matching the recipe's Python encoder
// exactly, with a cache and token-by-token display decoding that keeps partial UTF-8 visible.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { BYTE_TO_CHAR, CHAR_TO_BYTE, byteLevelToBytes } from "./byte-level";
import { pretokenize } from "./pretokenize";

export class TokenizerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TokenizerError";
  }
}

export interface TokenizerConfig {
  bosToken?: string;
  eosToken?: string;
  specialTokens?: Record<string, number>;
}

/** One token as the UI shows it. */
export interface TokenDisplay {
  id: number;
  /** The vocabulary string (byte-level characters, e.g. "Ġthe"). */
  token: string;
  /** The token's raw bytes (empty for special tokens). */
  bytes: Uint8Array;
  /**
   * The token's own bytes as text: complete UTF-8 characters as themselves, bytes of a character
   * split across tokens (or invalid UTF-8) as \xNN escapes. Special tokens show their name.
   */
  text: string;
  /**
   * Streaming attribution: each character of the whole sequence's text is given to the token that
   * holds its last byte, so a character split across tokens appears once, on the token completing it.
   */
  streamText: string;
  /** True when some of this token's bytes belong to a character that other tokens complete (or are invalid). */
  partial: boolean;
  special: boolean;
}

const CACHE_LIMIT = 100_000;

function hex(byte: number): string {
  return `\\x${byte.toString(16).toUpperCase().padStart(2, "0")}`;
}

/** Expected length of a UTF-8 sequence from its lead byte; 0 for a continuation or invalid byte. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const lenientUtf8 = new TextDecoder("utf-8");

/** Decodes bytes, writing every byte that is not part of a complete valid character as \xNN. */
export function bytesToDisplayText(bytes: Uint8Array): { text: string; partial: boolean } {
  let text = "";
  let partial = false;
  let i = 0;
  while (i < bytes.length) {
    const length = sequenceLength(bytes[i]);
    if (length > 0 && i + length <= bytes.length) {
      try {
        text += strictUtf8.decode(bytes.subarray(i, i + length));
        i += length;
        continue;
      } catch {
        // invalid sequence: fall through to escape one byte
      }
    }
    text += hex(bytes[i]);
    partial = true;
    i += 1;
  }
  return { text, partial };
}

export class BpeTokenizer {
  readonly vocab: ReadonlyMap<string, number>;
  readonly idToToken: readonly string[];
  readonly bosTokenId?: number;
  readonly eosTokenId?: number;
  readonly specialTokenIds: ReadonlySet<number>;
  private readonly ranks: Map<string, number>;
  private readonly cache = new Map<string, number[]>();

  constructor(vocab: Record<string, number>, merges: Array<[string, string]>, config: TokenizerConfig = {}) {
    const vocabMap = new Map<string, number>();
    const idToToken: string[] = [];
    for (const [token, id] of Object.entries(vocab)) {
      if (!Number.isInteger(id) || id < 0) throw new TokenizerError(`vocab.json: id of ${JSON.stringify(token)} is not a non-negative integer`);
      if (idToToken[id] !== undefined) throw new TokenizerError(`vocab.json: id ${id} is used twice`);
      vocabMap.set(token, id);
      idToToken[id] = token;
    }
    this.vocab = vocabMap;
    this.idToToken = idToToken;
    this.ranks = new Map();
    merges.forEach(([a, b], rank) => {
      const key = `${a} ${b}`;
      this.ranks.set(key, rank); // a repeated pair keeps its last rank, as the recipe's dict does
    });
    const special = new Set<number>();
    for (const [token, id] of Object.entries(config.specialTokens ?? {})) {
      if (vocabMap.get(token) !== undefined && vocabMap.get(token) !== id) {
        throw new TokenizerError(`special token ${token} is id ${id} in tokenizer_config.json but ${vocabMap.get(token)} in vocab.json`);
      }
      special.add(id);
      idToToken[id] ??= token;
    }
    this.specialTokenIds = special;
    const idOf = (token?: string) => (token === undefined ? undefined : config.specialTokens?.[token] ?? vocabMap.get(token));
    this.bosTokenId = idOf(config.bosToken);
    this.eosTokenId = idOf(config.eosToken);
  }

  /** Reads vocab.json, merges.txt and (optional) tokenizer_config.json from a folder. */
  static async load(dir: string): Promise<BpeTokenizer> {
    const read = async (name: string, optional = false): Promise<string | undefined> => {
      try {
        return await readFile(path.join(dir, name), "utf8");
      } catch (error) {
        if (optional && (error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw new TokenizerError(`${path.join(dir, name)}: ${(error as Error).message}`);
      }
    };
    const parse = (name: string, text: string): unknown => {
      try {
        return JSON.parse(text);
      } catch (error) {
        throw new TokenizerError(`${path.join(dir, name)}: not valid JSON (${(error as Error).message})`);
      }
    };
    const vocab = parse("vocab.json", (await read("vocab.json"))!) as Record<string, number>;
    const merges = parseMerges((await read("merges.txt"))!, path.join(dir, "merges.txt"));
    const configText = await read("tokenizer_config.json", true);
    const config = configText ? (parse("tokenizer_config.json", configText) as TokenizerConfig) : {};
    return new BpeTokenizer(vocab, merges, config);
  }

  get vocabSize(): number {
    return this.idToToken.length;
  }

  /** BPE of one pre-tokenized piece given as byte-level characters (GPT-2's classic merge loop). */
  private bpe(piece: string): number[] {
    const cached = this.cache.get(piece);
    if (cached) return cached;
    let word = [...piece];
    while (word.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i < word.length - 1; i++) {
        const rank = this.ranks.get(`${word[i]} ${word[i + 1]}`);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best < 0) break;
      const first = word[best];
      const second = word[best + 1];
      const merged: string[] = [];
      // merge every non-overlapping occurrence, left to right, as Python's loop does
      for (let i = 0; i < word.length; ) {
        if (i < word.length - 1 && word[i] === first && word[i + 1] === second) {
          merged.push(first + second);
          i += 2;
        } else {
          merged.push(word[i]);
          i += 1;
        }
      }
      word = merged;
    }
    const ids = word.map((symbol) => {
      const id = this.vocab.get(symbol);
      if (id === undefined) throw new TokenizerError(`BPE produced ${JSON.stringify(symbol)}, which vocab.json lacks`);
      return id;
    });
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(piece, ids);
    return ids;
  }

  /** Text → token ids. Special-token strings in the text are ordinary text (as in the recipe). */
  encode(text: string, options: { prependBos?: boolean } = {}): number[] {
    const ids: number[] = [];
    if (options.prependBos) {
      if (this.bosTokenId === undefined) throw new TokenizerError("this tokenizer has no BOS token");
      ids.push(this.bosTokenId);
    }
    const encoder = new TextEncoder();
    for (const piece of pretokenize(text)) {
      let chars = "";
      for (const byte of encoder.encode(piece)) chars += BYTE_TO_CHAR[byte];
      for (const id of this.bpe(chars)) ids.push(id);
    }
    return ids;
  }

  private tokenString(id: number): string {
    const token = this.idToToken[id];
    if (token === undefined) throw new TokenizerError(`token id ${id} is not in the vocabulary (size ${this.vocabSize})`);
    return token;
  }

  /** A token's raw bytes; special tokens have none. */
  tokenBytes(id: number): Uint8Array {
    const token = this.tokenString(id);
    if (this.specialTokenIds.has(id)) return new Uint8Array(0);
    const bytes = byteLevelToBytes(token);
    if (!bytes) throw new TokenizerError(`token ${id} (${JSON.stringify(token)}) is not a byte-level token`);
    return bytes;
  }

  /** Ids → bytes, special tokens skipped (as the recipe's decode_bytes). */
  decodeBytes(ids: readonly number[]): Uint8Array {
    const parts = ids.map((id) => this.tokenBytes(id));
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const part of parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }

  /** Ids → text; invalid UTF-8 becomes U+FFFD (as Python's errors="replace"). */
  decode(ids: readonly number[]): string {
    return lenientUtf8.decode(this.decodeBytes(ids));
  }

  /** Token-by-token display form of a sequence (see TokenDisplay). */
  tokenTexts(ids: readonly number[]): TokenDisplay[] {
    const displays: TokenDisplay[] = ids.map((id) => {
      const special = this.specialTokenIds.has(id);
      const bytes = this.tokenBytes(id);
      const { text, partial } = special ? { text: this.tokenString(id), partial: false } : bytesToDisplayText(bytes);
      return { id, token: this.tokenString(id), bytes, text, streamText: special ? text : "", partial, special };
    });
    // streaming attribution over the concatenated bytes of the non-special tokens
    const owners: number[] = [];
    const all: number[] = [];
    displays.forEach((display, index) => {
      if (display.special) return;
      for (const byte of display.bytes) {
        all.push(byte);
        owners.push(index);
      }
    });
    const bytes = Uint8Array.from(all);
    let i = 0;
    while (i < bytes.length) {
      const length = sequenceLength(bytes[i]);
      let text: string | undefined;
      if (length > 0 && i + length <= bytes.length) {
        try {
          text = strictUtf8.decode(bytes.subarray(i, i + length));
        } catch {
          text = undefined;
        }
      }
      if (text !== undefined) {
        displays[owners[i + length - 1]].streamText += text;
        i += length;
      } else {
        displays[owners[i]].streamText += "\uFFFD";
        i += 1;
      }
    }
    return displays;
  }

  /** The vocabulary string of every id written as display text (for logit-effect tables). */
  tokenText(id: number): string {
    if (this.specialTokenIds.has(id)) return this.tokenString(id);
    return bytesToDisplayText(this.tokenBytes(id)).text;
  }

  /** Characters of vocab strings that are not byte-level characters (a sanity check on load). */
  static isByteLevelToken(token: string): boolean {
    for (const ch of token) if (!CHAR_TO_BYTE.has(ch)) return false;
    return true;
  }
}

/** Parses merges.txt: optional "#version" line, then "a b" per line in rank order. */
export function parseMerges(text: string, source = "merges.txt"): Array<[string, string]> {
  const merges: Array<[string, string]> = [];
  const lines = text.split("\n");
  lines.forEach((rawLine, index) => {
    const line = rawLine.endsWith("\r") ? rawLine.slice(0, -1) : rawLine;
    if (!line || line.startsWith("#version")) return;
    const parts = line.split(" ");
    if (parts.length !== 2 || !parts[0] || !parts[1]) {
      throw new TokenizerError(`${source}:${index + 1}: expected "a b", got ${JSON.stringify(line)}`);
    }
    merges.push([parts[0], parts[1]]);
  });
  return merges;
}
