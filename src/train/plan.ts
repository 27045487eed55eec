/**
 * What a run decides before its first step, from a short measured probe of the run's own model
 * and batch: how many workers train ("auto" takes 2 only where 2 were measured clearly faster),
 * and, for a time budget (the presets), how many epochs fit in it. The probe trains a throwaway
 * copy of the model (fresh weights, its own Adam, its own noise), so the run's weights, optimiser
 * and random streams are exactly what they would be without it.
 */
import * as tf from '@tensorflow/tfjs';
import type { RunEstimate, WorkersProbe } from '../contract';
import { AtlasError, throwIfCancelled } from '../errors';
import { Rng } from '../model/rng';
import { Vae } from '../model/vae';
import { Adam } from './adam';
import { readCheckpointState } from './checkpoint';
import { conditionalVocabulary, modelLabelRows } from './labels';
import { resolveTrainConfig, type ResolvedTrainConfig, type TrainConfig } from './config';
import { fromDataset, type ImageSource } from './data';
import type { Dataset } from '../data/store';
import { evaluate } from './evaluate';
import type { TrainEvent } from './events';
import { createStepper, resolveWorkers, type ParallelOptions, type Stepper, type WorkersSetting } from './parallel';

/**
 * Steps before timing and steps timed, per worker count. The first calls allocate and warm
 * caches, and a new worker thread compiles its own wasm (measured on DCSS, batch 32, 2 workers:
 * 512, 245, 172, 160 ms for the first four steps, then 120 to 190 ms).
 */
export const PROBE_WARM_STEPS = 4;
export const PROBE_TIMED_STEPS = 8;
/** "auto" takes 2 workers only when they measured at least this much faster than 1. */
export const PARALLEL_MIN_SPEEDUP = 1.1;
/** Per epoch besides training and validation: checkpoint, preview, events (seconds). */
export const EPOCH_OVERHEAD_SEC = 0.15;
const PROBE_SEED = 0x9e0b;

export interface PlanInput {
  workersSetting: WorkersSetting | undefined;
  /** Seconds the run should take (0 or absent: train cfg.epochs). */
  timeBudgetSec: number | undefined;
  cfg: ResolvedTrainConfig;
  source: ImageSource;
  trainIdx: number[];
  valIdx: number[];
  /** The run's batch (cfg.batchSize capped at the training images). */
  batch: number;
  /** Epochs and steps already done (a resumed run). */
  fromEpoch: number;
  fromStep: number;
  resume?: boolean;
  checkpointDir?: string;
  signal?: AbortSignal;
  parallel?: ParallelOptions;
  emit?: (event: TrainEvent) => void;
}

export interface RunPlan {
  workers: 1 | 2;
  epochs: number;
  /** Null when nothing was measured (fixed workers and no time budget). */
  estimate: RunEstimate | null;
}

interface Speed {
  /** Training images per second, over the timed steps (what the epochs are planned from). */
  train: number;
  /** Training images per second at the median step (what "auto" compares 1 and 2 workers by). */
  typical: number;
  /** Validation images per second (evaluate() as the epoch runs it); NaN without validation. */
  val: number;
}

/**
 * Decide workers and epochs for a run (see the file comment); emits a 'plan' event with the
 * estimate when anything was measured.
 */
export async function planRun(input: PlanInput): Promise<RunPlan> {
  const { cfg, batch: B, signal } = input;
  const planStarted = performance.now();
  const budget = input.timeBudgetSec && input.timeBudgetSec > 0 ? input.timeBudgetSec : 0;
  if (input.timeBudgetSec !== undefined && !(input.timeBudgetSec >= 0)) throw new AtlasError('invalid_input', `The time budget must be 0 (off) or more seconds; got ${input.timeBudgetSec}.`);
  const setting = input.workersSetting ?? 'auto';
  const allowed = resolveWorkers(setting, { backend: tf.getBackend(), batch: B, cfg });
  const saved = input.resume && input.checkpointDir && (budget > 0 || (setting === 'auto' && allowed === 2)) ? await readCheckpointState(input.checkpointDir) : null;

  let workers: 1 | 2 = allowed;
  let probe: WorkersProbe | null = null;
  let speed: Speed | null = null;
  if (setting === 'auto' && allowed === 2) {
    if (saved?.workers === 1 || saved?.workers === 2) {
      // A resumed run keeps the workers it trained with, so it continues exactly.
      workers = saved.workers;
      if (budget > 0) speed = await measureSpeed(workers, input);
    } else {
      const one = await measureSpeed(1, input);
      let two: Speed | null = null;
      let failure: string | null = null;
      try {
        two = await measureSpeed(2, input);
      } catch (err) {
        if (err instanceof AtlasError && err.code === 'cancelled') throw err;
        failure = err instanceof Error ? err.message : String(err);
        // "auto" must never cost a run: if the worker thread cannot start here, train on one.
        console.warn(`Training on 1 worker: the second could not start (${failure}).`);
      }
      probe = workersProbe(one.typical, two?.typical ?? null, failure);
      workers = probe.chosen;
      speed = workers === 2 && two ? two : one;
    }
  } else if (budget > 0) {
    speed = await measureSpeed(allowed, input);
  }
  throwIfCancelled(signal);

  let epochs = cfg.epochs;
  if (budget > 0) {
    const target = saved ? saved.config.epochs : null;
    // The probe's own seconds count against the budget: the whole run takes about what was asked.
    const probeSec = (performance.now() - planStarted) / 1000;
    epochs = target ?? epochsForBudget(budget - probeSec, epochSeconds(speed!, input));
  }
  const estimate = speed ? runEstimate({ speed, epochs, budget, probe, workers, input, probeSec: (performance.now() - planStarted) / 1000 }) : null;
  if (estimate) input.emit?.({ type: 'plan', step: input.fromStep, epoch: input.fromEpoch, revised: false, ...estimate });
  return { workers, epochs, estimate };
}

/** The workers probe's verdict: 2 only when it measured at least PARALLEL_MIN_SPEEDUP times 1. */
export function workersProbe(oneImagesPerSec: number, twoImagesPerSec: number | null, failure: string | null = null): WorkersProbe {
  const r = (v: number) => Math.round(v);
  if (twoImagesPerSec === null) {
    return { oneImagesPerSec, twoImagesPerSec: null, speedup: null, chosen: 1, note: `1 worker: the second could not start${failure ? ` (${failure})` : ''}` };
  }
  const speedup = twoImagesPerSec / oneImagesPerSec;
  const chosen = speedup >= PARALLEL_MIN_SPEEDUP ? 2 : 1;
  const x = speedup.toFixed(2).replace(/0$/, '');
  const note =
    chosen === 2
      ? `2 workers: ${x}x faster than 1 in a probe (${r(twoImagesPerSec)} vs ${r(oneImagesPerSec)} img/s)`
      : `1 worker: 2 measured ${x}x of 1 in a probe (${r(twoImagesPerSec)} vs ${r(oneImagesPerSec)} img/s)`;
  return { oneImagesPerSec, twoImagesPerSec, speedup, chosen, note };
}

/** Whole epochs that fit in the budget, at least one. */
export function epochsForBudget(budgetSec: number, epochSec: number): number {
  return Math.max(1, Math.floor(budgetSec / Math.max(1e-9, epochSec)));
}

/** Seconds per epoch at the measured speed: training, validation, and the per-epoch overhead. */
function epochSeconds(speed: Speed, input: PlanInput): number {
  return input.trainIdx.length / speed.train + valSeconds(speed, input) + EPOCH_OVERHEAD_SEC;
}

function valImagesPerEpoch(input: PlanInput): number {
  const n = input.valIdx.length;
  return input.cfg.valMaxImages > 0 ? Math.min(n, input.cfg.valMaxImages) : n;
}

function valSeconds(speed: Speed, input: PlanInput): number {
  const n = valImagesPerEpoch(input);
  return n > 0 && speed.val > 0 ? n / speed.val : 0;
}

function runEstimate(a: { speed: Speed; epochs: number; budget: number; probe: WorkersProbe | null; workers: 1 | 2; input: PlanInput; probeSec: number }): RunEstimate {
  const { speed, epochs, input } = a;
  const epochSec = epochSeconds(speed, input);
  const remaining = Math.max(0, epochs - input.fromEpoch);
  const estimatedSec = remaining * epochSec;
  const images = input.trainIdx.length + input.valIdx.length;
  // What the user waits for: the probe (about as long again when the run starts) plus training.
  const summary = `${aboutDuration(a.probeSec + estimatedSec)} on ${images.toLocaleString('en-US')} images (${epochs} epoch${epochs === 1 ? '' : 's'} at ${Math.round(speed.train)} img/s)`;
  return {
    budgetSec: a.budget > 0 ? a.budget : null,
    epochs,
    trainImages: input.trainIdx.length,
    valImages: valImagesPerEpoch(input),
    imagesPerSec: speed.train,
    valImagesPerSec: Number.isFinite(speed.val) ? speed.val : null,
    epochSec,
    estimatedSec,
    probeSec: a.probeSec,
    workers: a.workers,
    probe: a.probe,
    summary,
  };
}

/**
 * A time-budgeted run's re-plan at an epoch's end. The probe times a few steps on a cold model,
 * and on the DCSS sprites it under-estimated the speed by about a quarter (one Balanced run
 * planned 26 epochs and finished them in 454 of its 600 s, 21.5 dB against 25.2 and 25.3 for
 * seeds that got 34 and 36), so the run times its own epochs and trains those that fit what is
 * left of the budget. It never goes below the epochs the first plan promised (a slow epoch is
 * usually the machine being busy for a moment, and a shorter run is a worse model), but it
 * takes back epochs it added when later epochs slow down (they did: 16.5 s mid-run, 21 s at
 * the end of a DCSS run). Returns the new estimate, or null when the plan stands.
 * (secondsLeft below 0: the budget is spent, and the run ends as soon as its promise allows.)
 */
export function revisePlan(a: {
  plan: RunEstimate;
  /** Epochs finished, the epochs the run is set to train now, and those its first plan promised. */
  epochsDone: number;
  plannedEpochs: number;
  promisedEpochs: number;
  /** Seconds of the budget left (pauses excluded); below 0 once it is spent. */
  secondsLeft: number;
  /** Measured seconds per epoch after the KL warm-up (training, validation, checkpoint, events). */
  epochSec: number;
  /** Training images per second this run measured. */
  imagesPerSec: number;
  /** Seconds since the run started, probe included (pauses excluded). */
  elapsedSec: number;
  /** The dataset's images (training and validation), as the first plan's summary counts them. */
  images: number;
  /**
   * False once the run has lowered its plan: epochs only slow down from there (a DCSS run went
   * 34 -> 38 -> 39 -> 38 -> 37 -> 36 -> 37 -> 36 with raises allowed after lowering).
   */
  mayRaise?: boolean;
}): RunEstimate | null {
  if (!(a.epochSec > 0)) return null;
  // Where the budget ends, in epochs. A dead band keeps the plan line from flickering by one
  // epoch as epoch times wobble (a DCSS run without it re-planned 11 times, 34 -> 39 -> 40 -> 38
  // -> ... -> 36): raise only when a whole epoch more fits, lower only when the plan would
  // overrun the budget by more than half an epoch.
  const reach = a.epochsDone + Math.max(0, a.secondsLeft / a.epochSec);
  let epochs = a.plannedEpochs;
  if (reach >= a.plannedEpochs + 1 && a.mayRaise !== false) epochs = Math.floor(reach);
  else if (reach < a.plannedEpochs - 0.5) epochs = Math.max(a.promisedEpochs, a.epochsDone, Math.round(reach));
  if (epochs === a.plannedEpochs) return null;
  const estimatedSec = Math.max(0, epochs - a.epochsDone) * a.epochSec;
  const change =
    epochs > a.plannedEpochs
      ? `raised from ${a.plannedEpochs} after epoch ${a.epochsDone}, faster than first measured`
      : `lowered from ${a.plannedEpochs} after epoch ${a.epochsDone}, slower than measured earlier`;
  const summary = `${aboutDuration(a.elapsedSec + estimatedSec)} on ${a.images.toLocaleString('en-US')} images (${epochs} epochs at ${Math.round(a.imagesPerSec)} img/s; ${change})`;
  return { ...a.plan, epochs, imagesPerSec: a.imagesPerSec, epochSec: a.epochSec, estimatedSec, summary };
}

/** "about 40 s", "about 9 min", "about 1.5 h". */
export function aboutDuration(sec: number): string {
  if (!(sec >= 0)) return 'unknown time';
  if (sec < 90) return `about ${Math.max(1, Math.round(sec))} s`;
  if (sec < 90 * 60) return `about ${Math.round(sec / 60)} min`;
  return `about ${(sec / 3600).toFixed(1).replace(/\.0$/, '')} h`;
}

/**
 * Train a throwaway copy of the run's model for PROBE_WARM_STEPS + PROBE_TIMED_STEPS steps on
 * the run's own images and batch with `workers` replicas, and time the last ones; then time one
 * validation pass over a batch of validation images. Nothing of the run is touched.
 */
async function measureSpeed(workers: 1 | 2, input: PlanInput): Promise<Speed> {
  const { cfg, source, trainIdx, valIdx, batch: B, signal } = input;
  const { height, width, channels } = source;
  const D = height * width * channels;
  const K = cfg.iwaeK;
  const vae = new Vae(cfg.model, PROBE_SEED);
  // Noise values per image and sample, as the run's loop draws them (the hierarchy adds z2's).
  const J = (vae as { noiseDim?: number }).noiseDim ?? cfg.model.latentDim;
  const adam = new Adam({ learningRate: cfg.learningRate });
  const rng = new Rng(PROBE_SEED);
  let stepper: Stepper | null = null;
  try {
    stepper = await createStepper(workers, vae, adam, { height, width, channels, latent: J, k: K, batch: B, freeBits: cfg.freeBits }, input.parallel);
    const pixels = new Float32Array(B * D);
    const idx = new Array<number>(B);
    const labelRows = modelLabelRows(source, cfg.model.labels);
    const labels = new Int32Array(B);
    const stepMs: number[] = [];
    const steps = PROBE_WARM_STEPS + PROBE_TIMED_STEPS;
    for (let s = 0; s < steps; s++) {
      throwIfCancelled(signal);
      const t0 = performance.now();
      // What the run's loop does per step: gather the batch, draw noise, step.
      for (let j = 0; j < B; j++) idx[j] = trainIdx[(s * B + j) % trainIdx.length];
      source.fill(idx, pixels);
      if (labelRows) idx.forEach((i, r) => (labels[r] = labelRows[i]));
      await stepper.step(pixels, B, rng.normals(K * B * J), cfg.beta, true, labelRows ? labels : undefined);
      await new Promise((r) => setImmediate(r));
      if (s >= PROBE_WARM_STEPS) stepMs.push(performance.now() - t0);
    }
    const trainRate = (stepMs.length * B) / Math.max(1e-6, stepMs.reduce((a, b) => a + b, 0) / 1000);
    // One stalled step (the system, a late compile) must not decide the workers for the whole
    // run: a DCSS run once took 1 worker at 149 img/s where 2 train at 250.
    const typical = B / Math.max(1e-6, median(stepMs) / 1000);
    await stepper.close();
    stepper = null;
    let valRate = NaN;
    if (valIdx.length > 0 && valImagesPerEpoch(input) > 0) {
      const indices = valIdx.slice(0, Math.min(valIdx.length, Math.max(cfg.batchSize, 16)));
      const opts = { indices, iwaeK: cfg.valIwaeK, batchSize: cfg.batchSize, seed: PROBE_SEED, signal };
      await evaluate(vae, source, { ...opts, indices: indices.slice(0, Math.min(indices.length, 4)) });
      const v0 = performance.now();
      await evaluate(vae, source, opts);
      valRate = indices.length / Math.max(1e-6, (performance.now() - v0) / 1000);
    }
    return { train: trainRate, typical, val: valRate };
  } finally {
    await stepper?.close().catch(() => {});
    vae.dispose();
    adam.dispose();
  }
}

/**
 * The estimate a run with `config` would make on `data`, without training: what train.estimate
 * answers before the user presses Start. Always measures (with fixed workers too).
 */
export async function estimateRun(
  config: Partial<TrainConfig> & { workers?: WorkersSetting; timeBudgetSec?: number },
  data: ImageSource | Pick<Dataset, 'index' | 'pixels' | 'indicesOf'>,
  opts: { signal?: AbortSignal; parallel?: ParallelOptions } = {},
): Promise<RunEstimate> {
  const source = 'fill' in data ? data : fromDataset(data);
  const { workers: workersSetting, timeBudgetSec, ...trainConfig } = config;
  let cfg = resolveTrainConfig(trainConfig, source);
  const trainIdx = source.indicesOf('train');
  if (trainIdx.length === 0) throw new AtlasError('empty_dataset', 'The dataset has no training images. Import more images or lower the validation share.');
  const valIdx = source.indicesOf('val');
  // The same refusal a run would give, before anything is measured.
  if (cfg.conditional) cfg = { ...cfg, model: { ...cfg.model, labels: conditionalVocabulary(source, trainIdx) } };
  const input: PlanInput = {
    workersSetting,
    timeBudgetSec,
    cfg,
    source,
    trainIdx,
    valIdx,
    batch: Math.min(cfg.batchSize, trainIdx.length),
    fromEpoch: 0,
    fromStep: 0,
    signal: opts.signal,
    parallel: opts.parallel,
  };
  const plan = await planRun(input);
  if (plan.estimate) return plan.estimate;
  const speed = await measureSpeed(plan.workers, input);
  return runEstimate({ speed, epochs: plan.epochs, budget: 0, probe: null, workers: plan.workers, input, probeSec: 0 });
}

function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}
