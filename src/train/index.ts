export { train, type TrainOptions, type TrainResult } from './train';
export { evaluate, MAX_IWAE_K, ACTIVE_UNIT_THRESHOLD, type EvaluateOptions, type EvalResult, type IwaeEstimate } from './evaluate';
export { TrainControl } from './control';
export { trainStep } from './step';
export { Adam, type AdamOptions } from './adam';
export { DEFAULT_TRAIN_SETTINGS, resolveTrainConfig, type TrainConfig, type TrainSettings, type ResolvedTrainConfig } from './config';
export { fromDataset, fromFloatArray, toUint8, type ImageSource } from './data';
export { loadCheckpoint, hasCheckpoint, CHECKPOINT_SCHEMA_VERSION, type CheckpointState } from './checkpoint';
export type { TrainEvent, EpochSummary, LossNumbers, PreviewImages, ValidationSummary } from './events';
