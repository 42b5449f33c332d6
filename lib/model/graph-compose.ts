// Stitches a model package's piece graphs (docs/MODEL_PACKAGE.md) into one ONNX graph per run
// segment, so that a forward pass or a generation step is one ORT session run instead of one per
// block piece (docs/RUNTIME.md "Graph layout"). Every piece is wired by a table that names the
// *global* tensor behind each of its inputs and outputs (hooks, KV cache, logits); everything else
// in a piece is renamed under the piece's prefix, so any exporter's internal names can be mixed.
import onnxProto, { type onnx as OnnxTypes } from "onnx-proto";

const { onnx } = onnxProto;

/** One piece of a package and how its inputs and outputs map to the model's global tensors. */
export interface PieceSpec {
  /** File name in the package, e.g. "blocks.0.attn.onnx". Also the prefix of its internal names. */
  file: string;
  /** Piece input name → global tensor name. */
  inputs: Record<string, string>;
  /** Piece output name → global tensor name. */
  outputs: Record<string, string>;
}

export interface DecodedPiece {
  spec: PieceSpec;
  model: OnnxTypes.IModelProto;
}

export class GraphComposeError extends Error {}

/** Decodes a piece and checks that its graph inputs and outputs are exactly the spec's. */
export function decodePiece(spec: PieceSpec, bytes: Uint8Array): DecodedPiece {
  let model: OnnxTypes.IModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new GraphComposeError(`${spec.file}: not an ONNX model (${(error as Error).message})`);
  }
  const graph = model.graph;
  if (!graph?.node?.length) throw new GraphComposeError(`${spec.file}: the model has no graph`);
  const initializers = new Set((graph.initializer ?? []).map((i) => i.name));
  const inputs = (graph.input ?? []).map((i) => i.name!).filter((n) => !initializers.has(n));
  const outputs = (graph.output ?? []).map((o) => o.name!);
  const same = (a: string[], b: string[]) => a.length === b.length && [...a].sort().join() === [...b].sort().join();
  if (!same(inputs, Object.keys(spec.inputs)) || !same(outputs, Object.keys(spec.outputs))) {
    throw new GraphComposeError(
      `${spec.file}: expected inputs [${Object.keys(spec.inputs)}] and outputs [${Object.keys(spec.outputs)}], has inputs [${inputs}] and outputs [${outputs}]`,
    );
  }
  return { spec, model };
}

type Renamer = (name: string) => string;

/** protobufjs decodes int64 fields as Long objects (or numbers, or strings). */
function toNumber(value: unknown): number {
  if (value && typeof value === "object" && "toNumber" in value) return (value as { toNumber(): number }).toNumber();
  return Number(value);
}

function renameGraph(graph: OnnxTypes.IGraphProto, rename: Renamer, prefix: string): OnnxTypes.IGraphProto {
  const valueInfo = (v: OnnxTypes.IValueInfoProto) => ({ ...v, name: rename(v.name!) });
  return {
    ...graph,
    node: (graph.node ?? []).map((node) => ({
      ...node,
      name: `${prefix}${node.name ?? ""}`,
      input: (node.input ?? []).map((n) => (n === "" ? n : rename(n))),
      output: (node.output ?? []).map((n) => (n === "" ? n : rename(n))),
      attribute: (node.attribute ?? []).map((a) => ({
        ...a,
        ...(a.g ? { g: renameGraph(a.g, rename, prefix) } : {}),
        ...(a.graphs?.length ? { graphs: a.graphs.map((g) => renameGraph(g, rename, prefix)) } : {}),
      })),
    })),
    initializer: (graph.initializer ?? []).map((t) => ({ ...t, name: rename(t.name!) })),
    input: (graph.input ?? []).map(valueInfo),
    output: (graph.output ?? []).map(valueInfo),
    valueInfo: (graph.valueInfo ?? []).map(valueInfo),
  };
}

export interface ComposedGraph {
  bytes: Uint8Array;
  /** Global tensors the graph reads (in order). */
  inputs: string[];
  /** Global tensors the graph returns (in order). */
  outputs: string[];
}

/**
 * One graph running `pieces` in order. Its inputs are the global tensors the pieces read that no
 * earlier piece in the list writes; its outputs are `outputs` (each must be written by a piece).
 * Internal names get the piece's file as prefix; a piece output that is one of its inputs or an
 * initializer is passed through an Identity node.
 */
export function composePieces(name: string, pieces: readonly DecodedPiece[], outputs: readonly string[]): ComposedGraph {
  const produced = new Map<string, OnnxTypes.IValueInfoProto>();
  const inputs = new Map<string, OnnxTypes.IValueInfoProto>();
  const nodes: OnnxTypes.INodeProto[] = [];
  const initializers: OnnxTypes.ITensorProto[] = [];
  const valueInfos: OnnxTypes.IValueInfoProto[] = [];
  const opsets = new Map<string, number>();
  let irVersion = 8;

  for (const { spec, model } of pieces) {
    const graph = model.graph!;
    irVersion = Math.max(irVersion, toNumber(model.irVersion ?? 8));
    for (const opset of model.opsetImport ?? []) {
      const domain = opset.domain ?? "";
      opsets.set(domain, Math.max(opsets.get(domain) ?? 0, toNumber(opset.version)));
    }
    const prefix = `${spec.file}/`;
    const nodeOutputs = new Set((graph.node ?? []).flatMap((n) => n.output ?? []));
    // a graph output produced by a node is renamed to its global name; one that is an input or an
    // initializer keeps its local name and is copied out through Identity
    const rename: Renamer = (n) => {
      if (n in spec.inputs) return spec.inputs[n];
      if (n in spec.outputs && nodeOutputs.has(n)) return spec.outputs[n];
      return `${prefix}${n}`;
    };
    const renamed = renameGraph(graph, rename, prefix);
    const initializerNames = new Set((graph.initializer ?? []).map((t) => t.name!));
    for (const input of graph.input ?? []) {
      if (initializerNames.has(input.name!)) continue;
      const global = spec.inputs[input.name!];
      if (!produced.has(global) && !inputs.has(global)) inputs.set(global, { ...input, name: global });
    }
    nodes.push(...renamed.node!);
    initializers.push(...renamed.initializer!);
    valueInfos.push(...renamed.valueInfo!);
    for (const output of graph.output ?? []) {
      const global = spec.outputs[output.name!];
      if (!nodeOutputs.has(output.name!)) {
        nodes.push({ opType: "Identity", input: [rename(output.name!)], output: [global], name: `${prefix}passthrough/${output.name}` });
      }
      produced.set(global, { ...output, name: global });
    }
  }
  const outputInfos = outputs.map((global) => {
    const info = produced.get(global);
    if (!info) throw new GraphComposeError(`${name}: no piece writes ${global}`);
    return info;
  });
  const model: OnnxTypes.IModelProto = {
    irVersion,
    producerName: "featurescope-compose",
    opsetImport: [...opsets].map(([domain, version]) => ({ domain, version })),
    graph: {
      name,
      node: nodes,
      initializer: initializers,
      input: [...inputs.values()],
      output: outputInfos,
      valueInfo: valueInfos,
    },
  };
  return {
    bytes: onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish(),
    inputs: [...inputs.keys()],
    outputs: [...outputs],
  };
}
