export { DEFAULT_MODEL_CONFIG, resolveModelConfig, IMAGE_SIZES, type ModelConfig, type LikelihoodKind, type Architecture } from './config';
export { encoder, type EncoderFn, type Posterior } from './encoder';
export { decoder, type DecoderFn } from './decoder';
export { likelihood, bernoulliNll, gaussianNll, type Likelihood } from './likelihood';
export { gaussianKlPerDim, klTerm, betaAt, logMeanExp, bitsPerDim } from './objective';
export { Vae, type ObjectiveOptions, type ObjectiveTerms } from './vae';
export { loadModel, saveModel, type LoadedModel, type DecodeOptions, type ModelMetadata } from './load';
export { Rng, type RngState } from './rng';
export { trainingFlopsPerImage } from './flops';
