/**
 * What the coordinator (train()'s own thread, replica 0) and a worker thread (replica 1) share.
 * Per step: the coordinator writes the worker's rows and noise into `input`, posts GRAD, computes
 * its own half meanwhile, reads the worker's gradients from `grads`, overwrites them with the
 * row-weighted average and posts APPLY; both replicas then apply that same average with Adam.
 * Requests and answers are sequence numbers in `ctl`, woken with Atomics.notify.
 */
import type { ModelConfig } from '../../model/config';

export const CTL = {
  /** Sequence number of the newest request (coordinator writes). */
  request: 0,
  /** What the newest request asks (a REQUEST value). */
  kind: 1,
  /** Sequence number of the newest request answered (worker writes). */
  done: 2,
  /** tf.memory().numTensors in the worker after its last answer. */
  tensors: 3,
  length: 4,
} as const;

export const REQUEST = { grad: 1, apply: 2, checksum: 3, weights: 4, exit: 5 } as const;

/** Float64 slots in `scalars`. */
/** lowerLayer: 1 when the hierarchy's z2 is open this step, 0 while it waits for the KL warm-up to end. */
/**
 * sigma2: the worker's half-batch MSE (calibrated decoder; -1 otherwise); calibration: the whole
 * batch's, sent with APPLY so both replicas fold the same value into their running s^2.
 * firstCalibration: sent with the run's first GRAD, the whole batch's s^2 that both replicas
 * start their running s^2 from before computing gradients (-1: nothing to set).
 */
/** learningRate: the rate of this APPLY (the run's cooldown changes it step by step). */
export const SCALAR = { rows: 0, beta: 1, checksum: 2, numbers: 3, lowerLayer: 8, sigma2: 9, calibration: 10, firstCalibration: 11, learningRate: 12 } as const;
export const SCALARS_LENGTH = 13;
/** Order of the step numbers in `scalars` from SCALAR.numbers on. */
export const NUMBER_KEYS = ['loss', 'recon', 'kl', 'elbo', 'iwae'] as const;

export interface ParamLayout {
  /** Trainable parameters in store order, flattened one after another in `grads`. */
  names: string[];
  shapes: number[][];
  sizes: number[];
  total: number;
}

export interface SharedBuffers {
  ctl: SharedArrayBuffer;
  scalars: SharedArrayBuffer;
  /** Float32: the worker's pixels (maxRows * D), then its noise (k * maxRows * J), then its label rows (maxRows; conditional model). */
  input: SharedArrayBuffer;
  /** Float32, layout.total: the worker's gradients, then the average both replicas apply. */
  grads: SharedArrayBuffer;
}

/** A fault a test makes the worker commit at its `atStep`-th gradient request. */
export interface WorkerFault {
  atStep: number;
  kind: 'throw' | 'exit' | 'hang';
}

export interface WorkerInit {
  rank: number;
  model: ModelConfig;
  /** Every model variable, trainable or not, as the coordinator holds it now. */
  weights: Record<string, { shape: number[]; values: Float32Array }>;
  adam: {
    learningRate: number;
    beta1: number;
    beta2: number;
    epsilon: number;
    iterations: number;
    parameterSteps: Record<string, number>;
    moments: Record<string, { shape: number[]; values: Float32Array }>;
  };
  layout: ParamLayout;
  buffers: SharedBuffers;
  /** Image shape, latent size, samples per image, and the most rows the worker gets. */
  dims: { height: number; width: number; channels: number; latent: number; k: number; maxRows: number };
  fault?: WorkerFault;
}

export type WorkerMessage = { type: 'ready' } | { type: 'weights'; weights: Record<string, Float32Array> };

/** FNV-1a over the float bits of every value, in the given name order: equal iff bit-identical (barring collisions). */
export function weightsChecksum(names: string[], values: (name: string) => Float32Array): number {
  let h = 0x811c9dc5;
  for (const name of names) {
    const v = values(name);
    const bits = new Uint32Array(v.buffer, v.byteOffset, v.length);
    for (let i = 0; i < bits.length; i++) h = Math.imul(h ^ bits[i], 0x01000193) >>> 0;
  }
  return h;
}
