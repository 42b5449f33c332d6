// The typed error every SAE import failure raises, so callers (import job, admin page) can show a
// specific message and branch on a stable code.

export type SaeErrorCode =
  | "SAE_FOLDER_MISSING"
  | "SAE_CONFIG_MISSING"
  | "SAE_CONFIG_MALFORMED"
  | "SAE_CONFIG_INVALID"
  | "SAE_ARCHITECTURE_UNKNOWN"
  | "SAE_NORMALIZATION_UNKNOWN"
  | "SAE_NORM_SCALING_FACTOR_MISSING"
  | "SAE_OPTION_UNSUPPORTED"
  | "SAE_WEIGHTS_MISSING"
  | "SAE_WEIGHTS_MALFORMED"
  | "SAE_TENSOR_MISSING"
  | "SAE_TENSOR_SHAPE_MISMATCH"
  | "SAE_WEIGHTS_NOT_FINITE"
  | "SAE_HOOK_WIDTH_MISMATCH"
  | "SAE_INPUT_SHAPE_MISMATCH"
  | "SAE_DECODE_NEEDS_NORMALIZATION";

export class SaeError extends Error {
  readonly code: SaeErrorCode;
  /** The underlying error's code when wrapping one (e.g. a SafetensorsError code). */
  readonly detailCode?: string;
  constructor(code: SaeErrorCode, message: string, options?: { cause?: unknown; detailCode?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SaeError";
    this.code = code;
    this.detailCode = options?.detailCode;
  }
}
