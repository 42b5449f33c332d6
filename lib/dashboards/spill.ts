/**
 * A local file of a shard's sparse SAE activations, written during pass 1 and read back in pass 2,
 * so the second pass costs no forward and no SAE encode (they are ~95% of a pass). The file holds,
 * per batch and per SAE of the group, each context's CSR (offsets, feature ids, values) exactly as
 * pass 1 saw them; pass 2 reads identical numbers. A shard whose pass 1 ran elsewhere, or was
 * resumed half-way, has no complete file and pass 2 recomputes the activations instead (the same
 * numbers: contexts, batches and arithmetic are deterministic).
 *
 * Files are named by group and shard under FEATURESCOPE_DASHBOARD_CACHE (default: the OS temp
 * folder; "off" disables spilling) and deleted after pass 2.
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ContextActivations } from "./statistics";

export function spillDirectory(): string | null {
  const configured = process.env.FEATURESCOPE_DASHBOARD_CACHE?.trim();
  if (configured === "off") return null;
  return configured || path.join(os.tmpdir(), "featurescope-dashboards");
}

export function spillPath(groupKey: string, shard: number): string | null {
  const dir = spillDirectory();
  return dir ? path.join(dir, `${groupKey}-${shard}.spill`) : null;
}

const align4 = (n: number) => (n + 3) & ~3;

/** Appends batches to `<file>.partial`; `finish()` makes it `<file>` (only complete files are read). */
export class SpillWriter {
  private fd: number;
  private readonly partial: string;

  constructor(private readonly file: string, private readonly dSaes: number[]) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.partial = `${file}.partial`;
    this.fd = openSync(this.partial, "w");
  }

  /** One batch: per SAE (group order), the batch's contexts in processing order. */
  write(perSae: ContextActivations[][]): void {
    let size = 0;
    perSae.forEach((contexts, m) => {
      const wide = this.dSaes[m] > 65_536;
      for (const c of contexts) size += 8 + 4 * c.offsets.length + align4(c.features.length * (wide ? 4 : 2)) + 4 * c.values.length;
    });
    const buffer = Buffer.allocUnsafe(4 + size);
    buffer.writeUInt32LE(size, 0);
    let at = 4;
    perSae.forEach((contexts, m) => {
      const wide = this.dSaes[m] > 65_536;
      for (const c of contexts) {
        buffer.writeUInt32LE(c.offsets.length, at);
        buffer.writeUInt32LE(c.features.length, at + 4);
        at += 8;
        at += Buffer.from(c.offsets.buffer, c.offsets.byteOffset, c.offsets.byteLength).copy(buffer, at);
        const ids = wide ? c.features : Uint16Array.from(c.features);
        const written = Buffer.from(ids.buffer, ids.byteOffset, ids.byteLength).copy(buffer, at);
        at += align4(written);
        at += Buffer.from(c.values.buffer, c.values.byteOffset, c.values.byteLength).copy(buffer, at);
      }
    });
    writeSync(this.fd, buffer);
  }

  finish(): void {
    closeSync(this.fd);
    this.fd = -1;
    renameSync(this.partial, this.file);
  }

  abandon(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    rmSync(this.partial, { force: true });
  }
}

/** Reads a complete spill file back batch by batch (the caller supplies what the file does not store). */
export class SpillReader {
  private readonly fd: number;

  private constructor(file: string, private readonly dSaes: number[]) {
    this.fd = openSync(file, "r");
  }

  static open(file: string | null, dSaes: number[]): SpillReader | null {
    return file && existsSync(file) ? new SpillReader(file, dSaes) : null;
  }

  /**
   * The next batch, as pass 1 wrote it. `shape(c)` gives context c's index, tokens, excluded
   * positions and order (the same for every SAE).
   */
  read(contexts: number, shape: (c: number) => Pick<ContextActivations, "contextIndex" | "tokenIds" | "excluded" | "order">): ContextActivations[][] {
    const head = Buffer.alloc(4);
    if (readSync(this.fd, head, 0, 4, null) !== 4) throw new Error("the dashboard spill file ended early");
    const size = head.readUInt32LE(0);
    const buffer = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const n = readSync(this.fd, buffer, got, size - got, null);
      if (n === 0) throw new Error("the dashboard spill file ended early");
      got += n;
    }
    let at = 0;
    return this.dSaes.map((dSae) => {
      const wide = dSae > 65_536;
      const out: ContextActivations[] = [];
      for (let c = 0; c < contexts; c++) {
        const offsetCount = buffer.readUInt32LE(at);
        const nnz = buffer.readUInt32LE(at + 4);
        at += 8;
        const offsets = new Int32Array(offsetCount);
        new Uint8Array(offsets.buffer).set(buffer.subarray(at, at + 4 * offsetCount));
        at += 4 * offsetCount;
        let features: Int32Array;
        if (wide) {
          features = new Int32Array(nnz);
          new Uint8Array(features.buffer).set(buffer.subarray(at, at + 4 * nnz));
          at += 4 * nnz;
        } else {
          const narrow = new Uint16Array(nnz);
          new Uint8Array(narrow.buffer).set(buffer.subarray(at, at + 2 * nnz));
          features = Int32Array.from(narrow);
          at += align4(2 * nnz);
        }
        const values = new Float32Array(nnz);
        new Uint8Array(values.buffer).set(buffer.subarray(at, at + 4 * nnz));
        at += 4 * nnz;
        out.push({ ...shape(c), offsets, features, values });
      }
      return out;
    });
  }

  close(): void {
    closeSync(this.fd);
  }
}

export function removeSpill(file: string | null): void {
  if (!file) return;
  rmSync(file, { force: true });
  rmSync(`${file}.partial`, { force: true });
}
