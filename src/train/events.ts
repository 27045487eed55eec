import type { LossReport } from '../contract';
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
}

export type TrainEvent =
  | ({
      type: 'step';
      step: number;
      /** 1-based number of the epoch in progress. */
      epoch: number;
      epochs: number;
      totalSteps: number;
      stepsPerEpoch: number;
      beta: number;
      imagesPerSec: number;
      elapsedSec: number;
      etaSec: number;
      /** Data-parallel replicas computing each step (1 or 2). */
      workers: number;
    } & LossNumbers)
  | ({ type: 'epoch'; epochs: number; workers: number; preview: PreviewImages | null } & EpochSummary)
  | { type: 'checkpoint'; step: number; epoch: number; dir: string }
  | { type: 'paused' | 'resumed' | 'stopped'; step: number; epoch: number };
