// Builds small ONNX graphs in TypeScript (SAE encode/decode, logit effects, test models) so heavy
// math runs in ONNX Runtime instead of JavaScript loops.
import { onnx } from "onnx-proto";

export type ElementType = "float32" | "int64" | "int32" | "bool";

const ELEMENT_TYPE: Record<ElementType, onnx.TensorProto.DataType> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
  bool: onnx.TensorProto.DataType.BOOL,
};

/** A float attribute (plain numbers are taken as ints). */
export interface FloatAttribute { float: number }
export interface FloatsAttribute { floats: number[] }
export interface TensorAttribute { tensor: { data: Float32Array | BigInt64Array; dims: number[] } }
export type AttributeValue = number | number[] | string | FloatAttribute | FloatsAttribute | TensorAttribute;

export const float = (value: number): FloatAttribute => ({ float: value });

function bytesOf(data: Float32Array | BigInt64Array | Int32Array | Uint8Array): Uint8Array {
  return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

function tensorProto(
  name: string,
  data: Float32Array | BigInt64Array | Int32Array | Uint8Array,
  dims: number[],
): onnx.ITensorProto {
  const dataType = data instanceof Float32Array ? onnx.TensorProto.DataType.FLOAT
    : data instanceof BigInt64Array ? onnx.TensorProto.DataType.INT64
    : data instanceof Int32Array ? onnx.TensorProto.DataType.INT32
    : onnx.TensorProto.DataType.BOOL;
  let count = 1;
  for (const d of dims) count *= d;
  if (count !== data.length) throw new Error(`tensor ${name}: ${data.length} values for dims [${dims}]`);
  return { name, dataType, dims, rawData: bytesOf(data) };
}

function attributeProto(name: string, value: AttributeValue): onnx.IAttributeProto {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof value === "number") return { name, type: A.INT, i: value };
  if (typeof value === "string") return { name, type: A.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: A.INTS, ints: value };
  if ("float" in value) return { name, type: A.FLOAT, f: value.float };
  if ("floats" in value) return { name, type: A.FLOATS, floats: value.floats };
  return { name, type: A.TENSOR, t: tensorProto(name, value.tensor.data, value.tensor.dims) };
}

function valueInfo(name: string, type: ElementType, dims: Array<number | string>): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEMENT_TYPE[type],
        shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** Accumulates nodes, initializers, inputs and outputs, then serialises an ONNX ModelProto. */
export class OnnxGraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private counter = 0;

  constructor(readonly name: string) {}

  private fresh(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${this.counter}`;
  }

  input(name: string, type: ElementType, dims: Array<number | string>): string {
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  /** Declares `value` a graph output; renames it via Identity when the names differ. */
  output(value: string, name: string, type: ElementType, dims: Array<number | string>): void {
    if (value !== name) this.nodes.push({ opType: "Identity", input: [value], output: [name], name: this.fresh("Identity") });
    this.outputs.push(valueInfo(name, type, dims));
  }

  initializer(name: string, data: Float32Array | BigInt64Array | Int32Array, dims: number[]): string {
    this.initializers.push(tensorProto(name, data, dims));
    return name;
  }

  constFloat(values: number[] | Float32Array, dims: number[] = [values.length]): string {
    return this.initializer(this.fresh("const_f"), Float32Array.from(values), dims);
  }

  constInt64(values: number[], dims: number[] = [values.length]): string {
    return this.initializer(this.fresh("const_i"), BigInt64Array.from(values.map((v) => BigInt(v))), dims);
  }

  /** Adds one node and returns its output names (fresh unless given). */
  ops(
    opType: string,
    inputs: string[],
    outputCount: number,
    attributes: Record<string, AttributeValue> = {},
    outputNames?: string[],
  ): string[] {
    const output = outputNames ?? Array.from({ length: outputCount }, () => this.fresh(opType));
    this.nodes.push({
      opType,
      input: inputs,
      output,
      name: this.fresh(`${opType}_node`),
      attribute: Object.entries(attributes).map(([key, value]) => attributeProto(key, value)),
    });
    return output;
  }

  /** Adds a single-output node and returns its output name. */
  op(opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, outputName?: string): string {
    return this.ops(opType, inputs, 1, attributes, outputName ? [outputName] : undefined)[0];
  }

  toModelBytes(opset = 17): Uint8Array {
    const model: onnx.IModelProto = {
      irVersion: 8,
      producerName: "featurescope",
      opsetImport: [{ domain: "", version: opset }],
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    };
    return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
  }
}
