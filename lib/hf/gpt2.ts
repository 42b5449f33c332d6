// A Hugging Face GPT-2 checkpoint (GPT2LMHeadModel, modeling_gpt2.py) → the model package's GPT-2
// layout, through the same graph builders as the demo package (lib/model/gpt2-package.ts), so the
// runtime's fused pieces and its parity with PyTorch carry over unchanged.
import { gpt2WeightShapes, type Gpt2Config, type Gpt2Weights } from "@/lib/model/gpt2-package";
import type { HfGpt2Config } from "./config";
import type { SafetensorsShards } from "./safetensors-shards";

export function gpt2PackageConfig(c: HfGpt2Config, name: string): Gpt2Config {
  return {
    name, dModel: c.n_embd, nHeads: c.n_head, dMlp: c.n_inner ?? 4 * c.n_embd, nLayers: c.n_layer, nCtx: c.n_positions,
    dVocab: c.vocab_size, layerNormEps: c.layer_norm_epsilon, bosTokenId: c.bos_token_id, eosTokenId: c.eos_token_id,
    // TransformerLens' default for GPT-2 (HookedTransformerConfig.default_prepend_bos) and SAELens' gpt2-small SAEs
    prependBos: true,
  };
}

/**
 * Reads every weight the package needs, checked against the shapes the config implies. GPT2Model's
 * tensors are stored bare (GPT2Model.save_pretrained) or under "transformer." (GPT2LMHeadModel);
 * lm_head.weight, when stored, is the tied wte and is not read. Attention's causal-mask buffers
 * (h.L.attn.bias / masked_bias) in old checkpoints are ignored.
 */
export async function readGpt2Weights(shards: SafetensorsShards, c: Gpt2Config, onTensor?: (name: string) => void): Promise<Gpt2Weights> {
  const weights: Gpt2Weights = {};
  for (const [name, shape] of Object.entries(gpt2WeightShapes(c))) {
    const stored = shards.has(name) ? name : `transformer.${name}`;
    weights[name] = await shards.float32(stored, shape);
    onTensor?.(stored);
  }
  return weights;
}
