// Public surface of the model runtime: load a model package, forward/generate with hooks, steer
// with SAE features, logit effects, tokenizer, execution-provider selection.
export { loadModelPackage, ModelSession, tokenRows, type ForwardOptions, type ForwardResult, type GenerateOptions, type GeneratedSequence, type LoadModelOptions } from "./model";
export { ModelPackageError, parseManifest, readManifest, type ModelManifest, type ModelPackageErrorCode } from "./manifest";
export type { HookFn, HookRegistration, HookSpec, HookTensor } from "./hooks";
export { applyInterventions, steer, steeringHook, type FeatureIntervention, type SteeringOptions } from "./interventions";
export { logitEffects, type LogitEffects, type LogitEffectsOptions } from "./logit-effects";
export { BpeTokenizer, TokenizerError, type TokenDisplay } from "./tokenizer/bpe";
export { planExecutionProviders, executionProviderPlan, createSession, type ExecutionProviderName } from "./execution-provider";
export { SeededRandom, sampleToken } from "./sampling";
