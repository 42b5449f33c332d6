import { describe, expect, it } from "vitest";
import {
  SafetensorsError,
  convertToFloat32,
  encodeFloats,
  encodeSafetensors,
  parseSafetensors,
} from "./safetensors";

function withHeader(header: unknown, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof SafetensorsError) return error.code;
    throw error;
  }
  return "no error";
}

describe("safetensors", () => {
  const a = Float32Array.from([1, -2, 3.5, 0]);
  const b = Float32Array.from([7, 8]);
  const file = encodeSafetensors(
    { a: { dtype: "F32", shape: [2, 2], data: a }, b: { dtype: "F32", shape: [2], data: b } },
    { format: "pt" },
  );

  it("round-trips float32 tensors and metadata", () => {
    const parsed = parseSafetensors(file);
    expect(parsed.names().sort()).toEqual(["a", "b"]);
    expect(parsed.info("a").shape).toEqual([2, 2]);
    expect([...parsed.toFloat32("a")]).toEqual([1, -2, 3.5, 0]);
    expect([...parsed.toFloat32("b")]).toEqual([7, 8]);
    expect(parsed.metadata).toEqual({ format: "pt" });
  });

  it("widens float16 and bfloat16 exactly for representable values", () => {
    const values = [0, 1, -2, 0.5, 65504, -0.0009765625, 3.140625];
    const half = encodeFloats(values, "F16");
    expect([...convertToFloat32(half, "F16")]).toEqual(values);
    const bf = encodeFloats([1, -2, 0.5, 3.140625, 1e30], "BF16");
    const back = convertToFloat32(bf, "BF16");
    expect([...back.slice(0, 4)]).toEqual([1, -2, 0.5, 3.140625]);
    expect(Math.abs(back[4] - 1e30) / 1e30).toBeLessThan(0.01);
    expect(convertToFloat32(new Uint8Array([0x00, 0x7c]), "F16")[0]).toBe(Infinity);
    expect(Number.isNaN(convertToFloat32(new Uint8Array([0x01, 0x7e]), "F16")[0])).toBe(true);
  });

  it("reads unaligned tensor data", () => {
    const bytes = withHeader(
      { x: { dtype: "U8", shape: [1], data_offsets: [0, 1] }, y: { dtype: "F32", shape: [1], data_offsets: [1, 5] } },
      new Uint8Array([9, ...new Uint8Array(Float32Array.from([2.5]).buffer)]),
    );
    expect(parseSafetensors(bytes).toFloat32("y")[0]).toBe(2.5);
  });

  it("rejects truncated files with a specific code", () => {
    expect(codeOf(() => parseSafetensors(file.subarray(0, 5)))).toBe("SAFETENSORS_TRUNCATED");
    expect(codeOf(() => parseSafetensors(file.subarray(0, 20)))).toBe("SAFETENSORS_TRUNCATED");
    expect(codeOf(() => parseSafetensors(file.subarray(0, file.length - 3)))).toBe("SAFETENSORS_TRUNCATED");
  });

  it("rejects malformed headers, dtypes, shapes and offsets", () => {
    const data = new Uint8Array(8);
    const bad = (header: unknown) => codeOf(() => parseSafetensors(withHeader(header, data)));
    const garbage = new Uint8Array(16);
    new DataView(garbage.buffer).setBigUint64(0, 4n, true);
    garbage.set([0x7b, 0x7b, 0x7b, 0x7b], 8);
    expect(codeOf(() => parseSafetensors(garbage))).toBe("SAFETENSORS_HEADER_INVALID");
    expect(bad([1, 2])).toBe("SAFETENSORS_HEADER_INVALID");
    expect(bad({ x: { dtype: "F8", shape: [2], data_offsets: [0, 8] } })).toBe("SAFETENSORS_DTYPE_UNSUPPORTED");
    expect(bad({ x: { dtype: "F32", shape: [-2], data_offsets: [0, 8] } })).toBe("SAFETENSORS_SHAPE_INVALID");
    expect(bad({ x: { dtype: "F32", shape: [2], data_offsets: [8, 0] } })).toBe("SAFETENSORS_OFFSETS_INVALID");
    expect(bad({ x: { dtype: "F32", shape: [3], data_offsets: [0, 8] } })).toBe("SAFETENSORS_SIZE_MISMATCH");
    expect(
      bad({ x: { dtype: "F32", shape: [1], data_offsets: [0, 4] }, y: { dtype: "F32", shape: [1], data_offsets: [2, 6] } }),
    ).toBe("SAFETENSORS_OFFSETS_OVERLAP");
    expect(bad({ x: { dtype: "F32", shape: [1], data_offsets: [100, 104] } })).toBe("SAFETENSORS_OFFSETS_OUT_OF_RANGE");
    expect(bad({ x: { dtype: "F32", shape: [1], data_offsets: [4, 8] } })).toBe("SAFETENSORS_INCOMPLETE_BUFFER");
    expect(bad({ x: { dtype: "F32", shape: [1], data_offsets: [0, 4] } })).toBe("SAFETENSORS_INCOMPLETE_BUFFER");
    const hugeHeader = new Uint8Array(16);
    new DataView(hugeHeader.buffer).setBigUint64(0, 1n << 40n, true);
    expect(codeOf(() => parseSafetensors(hugeHeader))).toBe("SAFETENSORS_HEADER_INVALID");
  });

  it("names the missing tensor", () => {
    expect(() => parseSafetensors(file).info("W_enc")).toThrow(/no tensor named "W_enc"/);
  });
});
