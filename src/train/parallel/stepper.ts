import type { Vae } from '../../model/vae';
import type { Adam } from '../adam';
import { trainStep, type StepNumbers } from '../step';
import { ReplicaPair, type ParallelOptions, type ReplicaDims } from './replica-pair';

/** What train()'s loop drives: one optimiser step per call on replica 0's model (the model of record). */
export interface Stepper {
  readonly workers: 1 | 2;
  /**
   * One step on `rows` images: pixels rows * D floats, noise [k, rows, vae.noiseDim]. `lowerLayer`
   * false: the hierarchy's spatial posteriors are held at their priors this step (see ObjectiveOptions).
   * `labels`: a conditional model's label row of each image (length >= rows).
   */
  step(pixels: Float32Array, rows: number, noise: Float32Array, beta: number, lowerLayer?: boolean, labels?: Int32Array): Promise<StepNumbers>;
  /** Fails if the replicas' weights differ (no-op for one). */
  verify(): Promise<void>;
  close(): Promise<void>;
}

/** The single-replica step, exactly as before workers existed. */
function singleStepper(vae: Vae, adam: Adam, dims: ReplicaDims, freeBits: number): Stepper {
  const { height, width, channels, k } = dims;
  const D = height * width * channels;
  return {
    workers: 1,
    step: async (pixels, rows, noise, beta, lowerLayer = true, labels) =>
      trainStep(vae, adam, pixels.subarray(0, rows * D), [rows, height, width, channels], noise, { k, beta, freeBits, lowerLayer, labels: labels?.subarray(0, rows) }),
    verify: async () => {},
    close: async () => {},
  };
}

export async function createStepper(workers: 1 | 2, vae: Vae, adam: Adam, dims: ReplicaDims & { freeBits: number }, opts?: ParallelOptions): Promise<Stepper> {
  return workers === 1 ? singleStepper(vae, adam, dims, dims.freeBits) : ReplicaPair.start(vae, adam, dims, opts);
}
