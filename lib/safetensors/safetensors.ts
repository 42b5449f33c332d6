// Reads and writes the safetensors format (SAELens weights, model read-out matrices), validating
// every header field before any tensor byte is trusted.
import { readFile } from "node:fs/promises";

export type SafetensorsDtype =
  | "F64" | "F32" | "F16" | "BF16"
  | "I64" | "I32" | "I16" | "I8"
  | "U64" | "U32" | "U16" | "U8" | "BOOL";

export const DTYPE_BYTES: Record<SafetensorsDtype, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1,
};

export type SafetensorsErrorCode =
  | "SAFETENSORS_TRUNCATED"
  | "SAFETENSORS_HEADER_INVALID"
  | "SAFETENSORS_DTYPE_UNSUPPORTED"
  | "SAFETENSORS_SHAPE_INVALID"
  | "SAFETENSORS_OFFSETS_INVALID"
  | "SAFETENSORS_OFFSETS_OUT_OF_RANGE"
  | "SAFETENSORS_OFFSETS_OVERLAP"
  | "SAFETENSORS_SIZE_MISMATCH"
  | "SAFETENSORS_INCOMPLETE_BUFFER"
  | "SAFETENSORS_TENSOR_MISSING";

/** A malformed or unreadable safetensors file; `code` says which rule it broke. */
export class SafetensorsError extends Error {
  readonly code: SafetensorsErrorCode;
  readonly source: string;
  constructor(code: SafetensorsErrorCode, message: string, source = "<buffer>") {
    super(`${source}: ${message}`);
    this.name = "SafetensorsError";
    this.code = code;
    this.source = source;
  }
}

export interface SafetensorsTensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Offset of the first byte in the whole file buffer (header included). */
  byteOffset: number;
  byteLength: number;
}

/** Safetensors header is capped (the reference implementation uses 100 MB) so a corrupt length cannot allocate gigabytes. */
const MAX_HEADER_BYTES = 100_000_000;

export class SafetensorsFile {
  constructor(
    readonly bytes: Uint8Array,
    readonly tensors: ReadonlyMap<string, SafetensorsTensorInfo>,
    readonly metadata: Readonly<Record<string, string>>,
    readonly source: string,
  ) {}

  names(): string[] {
    return [...this.tensors.keys()];
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  info(name: string): SafetensorsTensorInfo {
    const info = this.tensors.get(name);
    if (!info) {
      throw new SafetensorsError(
        "SAFETENSORS_TENSOR_MISSING",
        `no tensor named "${name}" (has: ${this.names().join(", ") || "none"})`,
        this.source,
      );
    }
    return info;
  }

  /** The tensor's raw little-endian bytes (a view, not a copy). */
  raw(name: string): Uint8Array {
    const info = this.info(name);
    return this.bytes.subarray(info.byteOffset, info.byteOffset + info.byteLength);
  }

  /** The tensor converted to float32 (float16/bfloat16/float64/integers widened or narrowed). */
  toFloat32(name: string): Float32Array {
    const info = this.info(name);
    return convertToFloat32(this.raw(name), info.dtype);
  }
}

function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) count *= dim;
  return count;
}

/** Parses a whole safetensors file held in memory. */
export function parseSafetensors(bytes: Uint8Array, source = "<buffer>"): SafetensorsFile {
  const { tensors, metadata } = parseSafetensorsHeader(bytes, bytes.byteLength, source);
  return new SafetensorsFile(bytes, tensors, metadata, source);
}

/** Bytes of the header region a file of `fileSize` bytes starts with (8-byte length + JSON), or an error. */
export function safetensorsHeaderLength(first8: Uint8Array, fileSize: number, source = "<buffer>"): number {
  if (fileSize < 8 || first8.byteLength < 8) {
    throw new SafetensorsError("SAFETENSORS_TRUNCATED", `file is ${fileSize} bytes, shorter than the 8-byte header length`, source);
  }
  const headerLength = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(
      "SAFETENSORS_HEADER_INVALID",
      `header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit (corrupt or not a safetensors file)`,
      source,
    );
  }
  return 8 + Number(headerLength);
}

/**
 * Validates the header of a safetensors file of `fileSize` bytes; `bytes` holds at least its first
 * 8 + header-length bytes (the whole file, or just the header when tensors are read from a file
 * handle one at a time). Every rule is checked against `fileSize`, so both give the same errors.
 */
export function parseSafetensorsHeader(
  bytes: Uint8Array,
  fileSize: number,
  source = "<buffer>",
): { tensors: Map<string, SafetensorsTensorInfo>; metadata: Record<string, string> } {
  if (fileSize < 8 || bytes.byteLength < 8) {
    throw new SafetensorsError(
      "SAFETENSORS_TRUNCATED",
      `file is ${fileSize} bytes, shorter than the 8-byte header length`,
      source,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(
      "SAFETENSORS_HEADER_INVALID",
      `header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit (corrupt or not a safetensors file)`,
      source,
    );
  }
  const headerBytes = Number(headerLength);
  if (8 + headerBytes > fileSize || 8 + headerBytes > bytes.byteLength) {
    throw new SafetensorsError(
      "SAFETENSORS_TRUNCATED",
      `header says ${headerBytes} bytes but only ${fileSize - 8} follow the length field`,
      source,
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerBytes)));
  } catch (error) {
    throw new SafetensorsError(
      "SAFETENSORS_HEADER_INVALID",
      `header is not valid UTF-8 JSON (${(error as Error).message})`,
      source,
    );
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) {
    throw new SafetensorsError("SAFETENSORS_HEADER_INVALID", "header JSON is not an object", source);
  }

  const dataStart = 8 + headerBytes;
  const dataLength = fileSize - dataStart;
  const tensors = new Map<string, SafetensorsTensorInfo>();
  let metadata: Record<string, string> = {};
  const ranges: Array<{ name: string; begin: number; end: number }> = [];

  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
        throw new SafetensorsError("SAFETENSORS_HEADER_INVALID", "__metadata__ is not an object", source);
      }
      metadata = Object.fromEntries(Object.entries(entry).map(([k, v]) => [k, String(v)]));
      continue;
    }
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
      throw new SafetensorsError("SAFETENSORS_HEADER_INVALID", `entry for "${name}" is not an object`, source);
    }
    const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
    if (typeof dtype !== "string" || !(dtype in DTYPE_BYTES)) {
      throw new SafetensorsError(
        "SAFETENSORS_DTYPE_UNSUPPORTED",
        `tensor "${name}" has dtype ${JSON.stringify(dtype)}; supported: ${Object.keys(DTYPE_BYTES).join(", ")}`,
        source,
      );
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new SafetensorsError(
        "SAFETENSORS_SHAPE_INVALID",
        `tensor "${name}" has shape ${JSON.stringify(shape)}; expected a list of non-negative integers`,
        source,
      );
    }
    if (
      !Array.isArray(offsets) || offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]
    ) {
      throw new SafetensorsError(
        "SAFETENSORS_OFFSETS_INVALID",
        `tensor "${name}" has data_offsets ${JSON.stringify(offsets)}; expected [begin, end] with 0 ≤ begin ≤ end`,
        source,
      );
    }
    const [begin, end] = offsets as [number, number];
    const typedDtype = dtype as SafetensorsDtype;
    const expectedBytes = elementCount(shape) * DTYPE_BYTES[typedDtype];
    if (end - begin !== expectedBytes) {
      throw new SafetensorsError(
        "SAFETENSORS_SIZE_MISMATCH",
        `tensor "${name}" (${typedDtype} ${JSON.stringify(shape)}) needs ${expectedBytes} bytes but data_offsets span ${end - begin}`,
        source,
      );
    }
    ranges.push({ name, begin, end });
    tensors.set(name, {
      name,
      dtype: typedDtype,
      shape: shape as number[],
      byteOffset: dataStart + begin,
      byteLength: end - begin,
    });
  }

  ranges.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let hole: { begin: number; end: number } | undefined;
  for (let i = 0; i < ranges.length; i++) {
    const range = ranges[i];
    if (range.begin < covered && range.end > range.begin) {
      const other = ranges.slice(0, i).find((r) => r.end > range.begin && r.end > r.begin);
      throw new SafetensorsError(
        "SAFETENSORS_OFFSETS_OVERLAP",
        `tensor "${range.name}" [${range.begin}, ${range.end}) overlaps` +
          (other ? ` tensor "${other.name}" [${other.begin}, ${other.end})` : " another tensor"),
        source,
      );
    }
    if (range.begin > covered && !hole) hole = { begin: covered, end: range.begin };
    covered = Math.max(covered, range.end);
  }
  if (covered > dataLength) {
    const past = ranges.find((r) => r.end > dataLength)!;
    if (!hole) {
      throw new SafetensorsError(
        "SAFETENSORS_TRUNCATED",
        `file is truncated: the header describes ${covered} data bytes but only ${dataLength} are present ` +
          `(tensor "${past.name}" needs bytes [${past.begin}, ${past.end}))`,
        source,
      );
    }
    throw new SafetensorsError(
      "SAFETENSORS_OFFSETS_OUT_OF_RANGE",
      `tensor "${past.name}" data_offsets [${past.begin}, ${past.end}) lie outside the ${dataLength}-byte data section`,
      source,
    );
  }
  if (hole) {
    throw new SafetensorsError(
      "SAFETENSORS_INCOMPLETE_BUFFER",
      `bytes [${hole.begin}, ${hole.end}) of the data section belong to no tensor`,
      source,
    );
  }
  if (covered !== dataLength) {
    throw new SafetensorsError(
      "SAFETENSORS_INCOMPLETE_BUFFER",
      `data section has ${dataLength} bytes but tensors cover only ${covered} (trailing bytes)`,
      source,
    );
  }
  return { tensors, metadata };
}

/** Reads and parses a safetensors file from disk. */
export async function readSafetensors(path: string): Promise<SafetensorsFile> {
  const buffer = await readFile(path);
  return parseSafetensors(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), path);
}

const HALF_EXPONENT_SCALE = 2 ** -24;

function float16ToFloat32(half: number): number {
  const sign = half & 0x8000 ? -1 : 1;
  const exponent = (half >> 10) & 0x1f;
  const fraction = half & 0x3ff;
  if (exponent === 0) return sign * fraction * HALF_EXPONENT_SCALE;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** Widens raw little-endian tensor bytes of any supported dtype to float32. */
export function convertToFloat32(raw: Uint8Array, dtype: SafetensorsDtype): Float32Array {
  const n = raw.byteLength / DTYPE_BYTES[dtype];
  // copy into an aligned buffer first: tensor data in a file need not be 4- or 8-byte aligned
  const aligned = raw.slice();
  const view = new DataView(aligned.buffer, aligned.byteOffset, aligned.byteLength);
  switch (dtype) {
    case "F32":
      return new Float32Array(aligned.buffer, aligned.byteOffset, n);
    case "F16": {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = float16ToFloat32(view.getUint16(2 * i, true));
      return out;
    }
    case "BF16": {
      const out = new Float32Array(n);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      return out;
    }
    case "F64":
      return Float32Array.from(new Float64Array(aligned.buffer, aligned.byteOffset, n));
    case "I64":
      return Float32Array.from(new BigInt64Array(aligned.buffer, aligned.byteOffset, n), (v) => Number(v));
    case "U64":
      return Float32Array.from(new BigUint64Array(aligned.buffer, aligned.byteOffset, n), (v) => Number(v));
    case "I32":
      return Float32Array.from(new Int32Array(aligned.buffer, aligned.byteOffset, n));
    case "U32":
      return Float32Array.from(new Uint32Array(aligned.buffer, aligned.byteOffset, n));
    case "I16":
      return Float32Array.from(new Int16Array(aligned.buffer, aligned.byteOffset, n));
    case "U16":
      return Float32Array.from(new Uint16Array(aligned.buffer, aligned.byteOffset, n));
    case "I8":
      return Float32Array.from(new Int8Array(aligned.buffer, aligned.byteOffset, n));
    case "U8":
    case "BOOL":
      return Float32Array.from(aligned);
  }
}

export interface SafetensorsTensorInput {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Raw little-endian bytes, or a Float32Array written as F32 (dtype must then be "F32"). */
  data: Uint8Array | Float32Array;
}

/** Serialises tensors to safetensors bytes (used by tests and by exports of derived tensors). */
export function encodeSafetensors(
  tensors: Record<string, SafetensorsTensorInput>,
  metadata?: Record<string, string>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  const chunks: Uint8Array[] = [];
  for (const [name, tensor] of Object.entries(tensors)) {
    const bytes = tensor.data instanceof Float32Array
      ? new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength)
      : tensor.data;
    header[name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + bytes.byteLength] };
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  let json = JSON.stringify(header);
  while ((8 + Buffer.byteLength(json)) % 8 !== 0) json += " ";
  const jsonBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + jsonBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(jsonBytes.byteLength), true);
  out.set(jsonBytes, 8);
  let position = 8 + jsonBytes.byteLength;
  for (const chunk of chunks) {
    out.set(chunk, position);
    position += chunk.byteLength;
  }
  return out;
}

/** float32 → float16 bits (round to nearest even), for writing test fixtures in half precision. */
export function float32ToFloat16Bits(value: number): number {
  const f32 = new Float32Array([value]);
  const bits = new Uint32Array(f32.buffer)[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  let mantissa = bits & 0x7fffff;
  if (((bits >>> 23) & 0xff) === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  if (exponent >= 0x1f) return sign | 0x7c00;
  if (exponent <= 0) {
    if (exponent < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - exponent;
    const half = mantissa >> shift;
    const remainder = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    return sign | (half + (remainder > halfway || (remainder === halfway && half & 1) ? 1 : 0));
  }
  const half = (exponent << 10) | (mantissa >> 13);
  const remainder = mantissa & 0x1fff;
  return sign | (half + (remainder > 0x1000 || (remainder === 0x1000 && half & 1) ? 1 : 0));
}

/** float32 → bfloat16 bits (round to nearest even). */
export function float32ToBfloat16Bits(value: number): number {
  const bits = new Uint32Array(new Float32Array([value]).buffer)[0];
  if ((bits & 0x7f800000) === 0x7f800000 && bits & 0x7fffff) return (bits >>> 16) | 0x40;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Encodes a float32 array as raw bytes of the given float dtype. */
export function encodeFloats(values: Float32Array | number[], dtype: "F32" | "F16" | "BF16"): Uint8Array {
  const source = values instanceof Float32Array ? values : Float32Array.from(values);
  if (dtype === "F32") return new Uint8Array(source.slice().buffer);
  const out = new Uint16Array(source.length);
  const convert = dtype === "F16" ? float32ToFloat16Bits : float32ToBfloat16Bits;
  for (let i = 0; i < source.length; i++) out[i] = convert(source[i]);
  return new Uint8Array(out.buffer);
}
