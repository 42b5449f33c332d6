// Errors of reading a Hugging Face checkpoint folder: one stable code per problem, a message that
// names the file and what was expected.
export type HfErrorCode =
  | "HF_FOLDER_MISSING"
  | "HF_CONFIG_MISSING"
  | "HF_CONFIG_MALFORMED"
  | "HF_CONFIG_INVALID"
  | "HF_ARCHITECTURE_UNSUPPORTED"
  | "HF_WEIGHTS_MISSING"
  | "HF_WEIGHTS_INDEX_INVALID"
  | "HF_WEIGHTS_MALFORMED"
  | "HF_TENSOR_MISSING"
  | "HF_TENSOR_SHAPE_MISMATCH"
  | "HF_TENSOR_DTYPE_UNSUPPORTED"
  | "HF_TOKENIZER_MISSING"
  | "HF_OUTPUT_EXISTS";

export class HfCheckpointError extends Error {
  readonly code: HfErrorCode;
  constructor(code: HfErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "HfCheckpointError";
    this.code = code;
  }
}
