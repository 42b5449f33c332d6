// `--hf`: convert a Hugging Face checkpoint into a model package, then import it with its SAEs like
// any package. The package is new (convert refuses an existing folder), so when the import that
// follows fails it is removed again: a failed command leaves neither files nor rows behind.
import { rm } from "node:fs/promises";
import { importModelAndSaes, type ImportRequest, type ImportResult } from "@/lib/import";
import { convertHfCheckpoint, type ConvertOptions } from "./convert";

export interface HfImportRequest extends Omit<ImportRequest, "modelDir"> {
  hfDir: string;
  /** Where the package is written (must not exist). */
  outDir: string;
  modelName?: string;
  onTensor?: ConvertOptions["onTensor"];
}

/** Converts; with SAE folders also imports (else `result` is null and the package is only written). */
export async function importHfCheckpoint(request: HfImportRequest): Promise<{ packageDir: string; result: ImportResult | null }> {
  const { hfDir, outDir, modelName, onTensor, ...rest } = request;
  await convertHfCheckpoint(hfDir, outDir, { name: modelName, onTensor });
  request.onStep?.(`wrote the model package ${outDir}`);
  if (rest.saeDirs.length === 0) return { packageDir: outDir, result: null };
  try {
    return { packageDir: outDir, result: await importModelAndSaes({ ...rest, modelDir: outDir }) };
  } catch (error) {
    await rm(outDir, { recursive: true, force: true });
    throw error;
  }
}
