// Reads a Hugging Face checkpoint's weights tensor by tensor: model.safetensors, or the shards an
// index (model.safetensors.index.json) maps names to. Only each file's header is read up front;
// a tensor's bytes are read from its file handle at its offset when asked for, so a checkpoint is
// never held in one buffer (issue 17 §6: a 2B-parameter model must import on a 24 GB machine).
import { open, readFile, stat, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import {
  convertToFloat32,
  parseSafetensorsHeader,
  SafetensorsError,
  safetensorsHeaderLength,
  type SafetensorsTensorInfo,
} from "@/lib/safetensors/safetensors";
import { HfCheckpointError } from "./errors";

export const SINGLE_FILE = "model.safetensors";
export const INDEX_FILE = "model.safetensors.index.json";
/** The dtypes checkpoints are published in; each is widened to float32 on read. */
const WEIGHT_DTYPES = new Set(["F32", "F16", "BF16"]);

const indexSchema = z.object({
  metadata: z.record(z.string(), z.unknown()).optional(),
  weight_map: z.record(z.string(), z.string().min(1)),
});

interface Shard {
  file: string;
  handle: FileHandle;
  tensors: Map<string, SafetensorsTensorInfo>;
}

export class SafetensorsShards {
  private constructor(
    private readonly shards: Shard[],
    private readonly byName: Map<string, Shard>,
  ) {}

  /** Opens the folder's weights (headers validated, no tensor read yet). Close when done. */
  static async open(dir: string): Promise<SafetensorsShards> {
    const indexPath = path.join(dir, INDEX_FILE);
    const singlePath = path.join(dir, SINGLE_FILE);
    let files: string[];
    let weightMap: Record<string, string> | undefined;
    if (await exists(indexPath)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(await readFile(indexPath, "utf8"));
      } catch (error) {
        throw new HfCheckpointError("HF_WEIGHTS_INDEX_INVALID", `${indexPath}: not valid JSON (${(error as Error).message})`);
      }
      const index = indexSchema.safeParse(parsed);
      if (!index.success) {
        throw new HfCheckpointError("HF_WEIGHTS_INDEX_INVALID", `${indexPath}: ${z.prettifyError(index.error)}`);
      }
      weightMap = index.data.weight_map;
      files = [...new Set(Object.values(weightMap))].sort();
      for (const file of files) {
        // shard names are file names next to the index, never paths out of the folder
        if (path.basename(file) !== file) {
          throw new HfCheckpointError("HF_WEIGHTS_INDEX_INVALID", `${indexPath}: shard "${file}" is not a file name in the folder`);
        }
        if (!(await exists(path.join(dir, file)))) {
          throw new HfCheckpointError("HF_WEIGHTS_MISSING", `${indexPath} names shard ${file}, which is not in ${dir}`);
        }
      }
    } else if (await exists(singlePath)) {
      files = [SINGLE_FILE];
    } else {
      throw new HfCheckpointError(
        "HF_WEIGHTS_MISSING",
        `${dir} has neither ${SINGLE_FILE} nor ${INDEX_FILE} (only safetensors checkpoints are read; convert .bin files with transformers' save_pretrained(safe_serialization=True))`,
      );
    }
    const shards: Shard[] = [];
    try {
      for (const file of files) shards.push(await openShard(path.join(dir, file), file));
    } catch (error) {
      await Promise.all(shards.map((s) => s.handle.close()));
      throw error;
    }
    const byName = new Map<string, Shard>();
    for (const shard of shards) {
      for (const name of shard.tensors.keys()) {
        if (weightMap && weightMap[name] !== undefined && weightMap[name] !== shard.file) {
          continue; // the index says another shard holds it
        }
        if (byName.has(name)) {
          await Promise.all(shards.map((s) => s.handle.close()));
          throw new HfCheckpointError("HF_WEIGHTS_INDEX_INVALID", `tensor ${name} is in both ${byName.get(name)!.file} and ${shard.file}`);
        }
        byName.set(name, shard);
      }
    }
    if (weightMap) {
      for (const [name, file] of Object.entries(weightMap)) {
        if (!byName.has(name)) {
          await Promise.all(shards.map((s) => s.handle.close()));
          throw new HfCheckpointError("HF_WEIGHTS_INDEX_INVALID", `${INDEX_FILE} puts ${name} in ${file}, but ${file} has no such tensor`);
        }
      }
    }
    return new SafetensorsShards(shards, byName);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  info(name: string): SafetensorsTensorInfo & { file: string } {
    const shard = this.byName.get(name);
    if (!shard) throw new HfCheckpointError("HF_TENSOR_MISSING", `the checkpoint has no tensor ${name}`);
    return { ...shard.tensors.get(name)!, file: shard.file };
  }

  /** Reads one tensor from its shard, checks its shape, and widens it to float32. */
  async float32(name: string, shape?: readonly number[]): Promise<Float32Array> {
    const info = this.info(name);
    if (shape && info.shape.join() !== shape.join()) {
      throw new HfCheckpointError("HF_TENSOR_SHAPE_MISMATCH", `${info.file}: ${name} has shape [${info.shape}], the config implies [${shape}]`);
    }
    if (!WEIGHT_DTYPES.has(info.dtype)) {
      throw new HfCheckpointError("HF_TENSOR_DTYPE_UNSUPPORTED", `${info.file}: ${name} is ${info.dtype}; weights must be F32, F16 or BF16`);
    }
    const bytes = new Uint8Array(info.byteLength);
    const { bytesRead } = await this.byName.get(name)!.handle.read(bytes, 0, info.byteLength, info.byteOffset);
    if (bytesRead !== info.byteLength) {
      throw new HfCheckpointError("HF_WEIGHTS_MALFORMED", `${info.file}: ${name} is cut short (read ${bytesRead} of ${info.byteLength} bytes)`);
    }
    return convertToFloat32(bytes, info.dtype);
  }

  async close(): Promise<void> {
    await Promise.all(this.shards.map((s) => s.handle.close()));
  }
}

async function openShard(file: string, name: string): Promise<Shard> {
  const handle = await open(file, "r");
  try {
    const size = (await handle.stat()).size;
    const first8 = new Uint8Array(8);
    await handle.read(first8, 0, 8, 0);
    const headerLength = safetensorsHeaderLength(first8, size, file);
    const header = new Uint8Array(Math.min(headerLength, size));
    await handle.read(header, 0, header.byteLength, 0);
    const { tensors } = parseSafetensorsHeader(header, size, file);
    return { file: name, handle, tensors };
  } catch (error) {
    await handle.close();
    if (error instanceof SafetensorsError) {
      throw new HfCheckpointError("HF_WEIGHTS_MALFORMED", `${error.message} [${error.code}]`, { cause: error });
    }
    throw error;
  }
}

async function exists(file: string): Promise<boolean> {
  return (await stat(file).catch(() => null))?.isFile() ?? false;
}
