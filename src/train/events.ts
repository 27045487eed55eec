import type { EpochReport, LossReport, TrainProgress } from '../contract';
import type { EvalResult } from './evaluate';

/** Per-image numbers in nats per image, as the contract reports them. */
export type LossNumbers = LossReport;

/** Validation numbers without the per-image arrays (those come from evaluate()). */
export type ValidationSummary = Omit<EvalResult, 'perImage'>;

/** A fixed batch and its reconstructions, as uint8 HWC images one after another (PNG-able). */
export interface PreviewImages {
  width: number;
  height: number;
  channels: number;
  count: number;
  /** Dataset indices of the preview images. */
  indices: number[];
  originals: Uint8Array;
  /** The mean image g(mu(x)) of each original. */
  reconstructions: Uint8Array;
}

export interface EpochSummary {
  /** Epochs completed (1-based number of the epoch just finished). */
  epoch: number;
  step: number;
  /** Means over the epoch's training steps. */
  train: LossNumbers;
  val: ValidationSummary | null;
  seconds: number;
  /** Posterior-collapse warnings (src/train/collapse.ts), each saying what to do. */
  warnings?: string[];
}

/**
 * What train() reports. Steps, checkpoints and state changes are exactly the contract's
 * TrainProgress; the epoch event carries the preview as raw pixels (the engine turns them
 * into a PNG for the UI).
 */
export type TrainEvent =
  | Extract<TrainProgress, { type: 'step' | 'checkpoint' | 'plan' | 'paused' | 'resumed' | 'stopped' }>
  | ({ type: 'epoch'; epochs: number; workers: number; preview: PreviewImages | null } & EpochSummary);

/** The fields of an epoch the UI charts and a project's run record keeps. */
export function epochReport(e: EpochReport | EpochSummary): EpochReport {
  return { epoch: e.epoch, step: e.step, train: e.train, val: e.val, seconds: e.seconds, ...(e.warnings?.length ? { warnings: e.warnings } : {}) };
}
