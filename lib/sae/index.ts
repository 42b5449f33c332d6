// Public surface of the SAE runtime: load SAELens folders, encode/decode in ONNX Runtime.
export { loadSae, loadSaeFromFiles, type LoadSaeOptions, type SaeFiles } from "./load";
export { Sae, type SaeEncoding, type SparseFeatureActs } from "./sae";
export { parseSaeConfig, type SaeConfig, type SaeArchitecture, type SaeNormalization } from "./config";
export { SaeError, type SaeErrorCode } from "./errors";
export { evaluateSae, type SaeQuality, type EvaluateSaeOptions } from "./metrics";
export { bosExclusionMask } from "./bos";
