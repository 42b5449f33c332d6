/**
 * The prompts, after Bills et al. (2023) "Language models can explain neurons in language models":
 * records of (token, activation 0–10) for explanation; per-token prediction for simulation; and a
 * delphi-style detection prompt. PROMPT_VERSION goes into every draft's provenance: change it
 * whenever a prompt's wording or format changes.
 */
import type { ChatMessage } from "./provider";

export const PROMPT_VERSION = "bills2023-explain-v1+sim-v1+detect-v1";

export interface ActivationRecord {
  tokens: string[];
  /** true activations (floats) */
  values: number[];
}

/** Token text as the model sees it, visible (tabs and newlines escaped so lines stay one token). */
export function showToken(token: string): string {
  return token.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r");
}

/** Bills et al.'s record format: one "token<TAB>activation" line per token between <start> and <end>. */
export function formatRecord(tokens: string[], activations: number[]): string {
  return ["<start>", ...tokens.map((token, i) => `${showToken(token)}\t${activations[i]}`), "<end>"].join("\n");
}

export function explainMessages(records: { tokens: string[]; activations: number[] }[]): ChatMessage[] {
  return [
    {
      role: "system",
      content:
        "We're studying neurons in a neural network. Each neuron looks for some particular thing in a short document. " +
        "Look at the parts of the document the neuron activates for and summarize in a single sentence what the neuron " +
        'is looking for. Don\'t list examples of words.\n\nThe activation format is token<tab>activation. Activation values ' +
        'range from 0 to 10. A neuron finding what it\'s looking for is represented by a non-zero activation value. The ' +
        "higher the activation value, the stronger the match.",
    },
    {
      role: "user",
      content: `Neuron\nActivations:\n${records.map((r) => formatRecord(r.tokens, r.activations)).join("\n")}\n\n` +
        "Same activations, but with all zeros filtered out:\n" +
        records.map((r) => formatRecord(
          r.tokens.filter((_, i) => r.activations[i] > 0),
          r.activations.filter((a) => a > 0),
        )).join("\n") +
        "\n\nExplanation of neuron behavior: the main thing this neuron does is find",
    },
  ];
}

/** The explanation from the model's reply: one line, without quotes or a trailing period. */
export function parseExplanation(reply: string): string {
  const line = reply.trim().split(/\n/)[0]?.trim() ?? "";
  return line.replace(/^["'“]+|["'”]+$/g, "").replace(/\.$/, "").trim().slice(0, 300);
}

export function simulateMessages(explanation: string, tokens: string[]): ChatMessage[] {
  return [
    {
      role: "system",
      content:
        "We're studying neurons in a neural network. Each neuron looks for some particular thing in a short document. " +
        "Given an explanation of what a neuron does, predict its activation (an integer from 0 to 10) on each token of a document. " +
        'Most activations are 0. Answer with JSON only: {"activations": [one integer per token, in order]}.',
    },
    {
      role: "user",
      content:
        `Explanation of neuron behavior: the main thing this neuron does is find ${explanation}.\n\n` +
        `The document has ${tokens.length} tokens, one per line as index<tab>token:\n` +
        tokens.map((token, i) => `${i}\t${showToken(token)}`).join("\n"),
    },
  ];
}

/** The predicted activations, or an Error saying what was wrong with the reply. */
export function parseSimulation(reply: string, expected: number): number[] | Error {
  const match = /\[[\s\d.,-]*\]/.exec(reply);
  if (!match) return new Error("the simulation reply has no JSON array of numbers");
  let values: unknown;
  try {
    values = JSON.parse(match[0]);
  } catch {
    return new Error("the simulation reply's array is not valid JSON");
  }
  if (!Array.isArray(values) || values.some((v) => typeof v !== "number" || !Number.isFinite(v))) {
    return new Error("the simulation reply's array holds something other than numbers");
  }
  if (values.length !== expected) return new Error(`the simulation reply has ${values.length} activations for ${expected} tokens`);
  return (values as number[]).map((v) => Math.max(0, Math.min(10, v)));
}

export function detectMessages(explanation: string, texts: string[]): ChatMessage[] {
  return [
    {
      role: "system",
      content:
        "You check explanations of features of a neural network. Given an explanation and some numbered text examples, " +
        "say which examples contain what the explanation describes (the feature would activate on them). " +
        'Answer with JSON only: {"matches": [the numbers of the matching examples]} (an empty array if none match).',
    },
    {
      role: "user",
      content:
        `Explanation: ${explanation}\n\n` +
        texts.map((text, i) => `Example ${i + 1}: ${JSON.stringify(text)}`).join("\n"),
    },
  ];
}

/** Which examples (0-based) the reply says match, or an Error. */
export function parseDetection(reply: string, count: number): boolean[] | Error {
  const match = /\[[\s\d,]*\]/.exec(reply);
  if (!match) return new Error("the detection reply has no JSON array of example numbers");
  let numbers: unknown;
  try {
    numbers = JSON.parse(match[0]);
  } catch {
    return new Error("the detection reply's array is not valid JSON");
  }
  if (!Array.isArray(numbers)) return new Error("the detection reply's matches are not an array");
  const chosen = new Set<number>();
  for (const n of numbers) {
    if (!Number.isInteger(n) || n < 1 || n > count) return new Error(`the detection reply names example ${String(n)}, which does not exist`);
    chosen.add(n - 1);
  }
  return Array.from({ length: count }, (_, i) => chosen.has(i));
}
