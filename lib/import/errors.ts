/** The one error shape every import failure takes, whatever layer raised it, for the CLI, jobs and admin page. */
import { HfCheckpointError } from "@/lib/hf/errors";
import { ModelPackageError } from "@/lib/model/manifest";
import { SaeError } from "@/lib/sae";
import { CorpusError } from "@/lib/dashboards/corpus";

export type ImportErrorCode =
  | "IMPORT_MODEL_NAME_TAKEN"
  | "IMPORT_SAE_NAME_TAKEN"
  | "IMPORT_HOOK_MISSING"
  | "IMPORT_HOOK_UNKNOWN"
  | "IMPORT_MODEL_NOT_FOUND"
  | "IMPORT_SAE_NOT_FOUND"
  | "IMPORT_ARGUMENT_INVALID"
  | "NEURONPEDIA_EXPORT_INVALID"
  | "ATTACH_WEIGHTS_MISMATCH";

export class ImportError extends Error {
  readonly code: ImportErrorCode;
  constructor(code: ImportErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ImportError";
    this.code = code;
  }
}

/** A stable code and a readable message for any error an import can raise. */
export function describeImportError(error: unknown): { code: string; message: string } {
  if (error instanceof ImportError || error instanceof SaeError || error instanceof ModelPackageError || error instanceof CorpusError || error instanceof HfCheckpointError) {
    return { code: error.code, message: error.message };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: "INTERNAL", message };
}
