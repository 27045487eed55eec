import * as tf from '@tensorflow/tfjs';
import { AtlasError, throwIfCancelled } from '../errors';
import { MODEL_SCHEMA_VERSION, wrapModel, type LoadedModel } from '../model/load';
import { betaAt, bitsPerDim } from '../model/objective';
import { Rng } from '../model/rng';
import { Vae } from '../model/vae';
import { Adam, cooledLearningRate } from './adam';
import { hasCheckpoint, loadCheckpoint, saveCheckpoint, type LoopPosition } from './checkpoint';
import { resolveTrainConfig, type ResolvedTrainConfig, type TrainConfig } from './config';
import type { TrainControl } from './control';
import { fromDataset, toUint8, type ImageSource } from './data';
import { evaluate } from './evaluate';
import { conditionalVocabulary, labelTensor, modelLabelRows } from './labels';
import { collapseWarnings } from './collapse';
import { createStepper, type ParallelOptions, type Stepper, type WorkersSetting } from './parallel';
import { planRun, revisePlan } from './plan';
import { previewIndicesFor } from './preview-pick';
import type { EpochSummary, LossNumbers, PreviewImages, TrainEvent, ValidationSummary } from './events';
import type { Dataset } from '../data/store';
import type { RunEstimate } from '../contract';

export interface TrainOptions {
  /** Cancel: ends the run at the next step boundary with an AtlasError('cancelled'); nothing is saved. */
  signal?: AbortSignal;
  onProgress?: (event: TrainEvent) => void;
  /** Where checkpoints go (every epoch and on stop); without it nothing is written. */
  checkpointDir?: string;
  /** Continue from the newest checkpoint in checkpointDir (config.epochs may be raised). */
  resume?: boolean;
  control?: TrainControl;
  /** Keep the trained model in the result (the caller disposes it); otherwise it is disposed. */
  keepModel?: boolean;
  /** Two-worker tuning and test hooks (timeout, injected faults). */
  parallel?: ParallelOptions;
}

export interface TrainResult {
  status: 'completed' | 'stopped';
  step: number;
  /** Completed epochs. */
  epoch: number;
  config: ResolvedTrainConfig;
  history: EpochSummary[];
  /** Directory of the newest checkpoint written, if any. */
  checkpoint: string | null;
  /** Data-parallel replicas this run trained with. */
  workers: 1 | 2;
  model?: LoadedModel;
}

type LossSums = { [K in keyof LossNumbers]: number };

/** Under a time budget the KL warm-up takes at most this share of the planned steps. */
export const WARMUP_BUDGET_SHARE = 0.2;

/**
 * Train a VAE on `data` (the dataset store or any ImageSource) with Adam, seeded shuffling and
 * seeded noise. One seed makes a run repeatable on one backend; a resumed run continues exactly
 * where the checkpoint left off (weights, Adam moments and count, step, shuffle position, RNG).
 */
export async function train(
  config: Partial<TrainConfig> & { workers?: WorkersSetting; timeBudgetSec?: number },
  data: ImageSource | Pick<Dataset, 'index' | 'pixels' | 'indicesOf'>,
  opts: TrainOptions = {},
): Promise<TrainResult> {
  const source = 'fill' in data ? data : fromDataset(data);
  const { signal, control, checkpointDir } = opts;
  const emit = (e: TrainEvent): void => opts.onProgress?.(e);
  throwIfCancelled(signal);

  const { workers: workersSetting, timeBudgetSec, ...trainConfig } = config;
  let cfg = resolveTrainConfig(trainConfig, source);
  const trainIdx = source.indicesOf('train');
  if (trainIdx.length === 0) throw new AtlasError('empty_dataset', 'The dataset has no training images. Import more images or lower the validation share.');
  const valIdx = source.indicesOf('val');
  // A conditional run learns the labels of its training images (refused, with the reason, when
  // the dataset cannot support it); a resumed run keeps its checkpoint's vocabulary.
  if (cfg.conditional && !opts.resume) cfg = { ...cfg, model: { ...cfg.model, labels: conditionalVocabulary(source, trainIdx) } };

  let vae: Vae;
  const adam = new Adam({ learningRate: cfg.learningRate });
  let pos: LoopPosition;
  let history: EpochSummary[] = [];
  let resumedWarmup: number | null = null;
  if (opts.resume) {
    if (!checkpointDir) throw new AtlasError('invalid_input', 'Resuming needs the checkpoint folder of the earlier run.');
    if (!(await hasCheckpoint(checkpointDir))) throw new AtlasError('not_found', `There is no checkpoint in ${checkpointDir} to resume from. Start a new run instead.`, { path: checkpointDir });
    const ck = await loadCheckpoint(checkpointDir);
    if (ck.state.datasetHash !== source.datasetHash) {
      ck.model.dispose();
      tf.dispose(ck.optimizer.tensors);
      throw new AtlasError(
        'invalid_input',
        `The checkpoint in ${checkpointDir} was trained on a different dataset (hash ${ck.state.datasetHash.slice(0, 12)}, this one ${source.datasetHash.slice(0, 12)}). Resume with the same dataset or start a new run.`,
      );
    }
    vae = ck.model.vae;
    // The model (and its seed) come from the checkpoint; optimisation settings may be changed.
    cfg = { ...cfg, model: ck.model.config, seed: ck.state.config.seed, conditional: ck.model.config.labels.length > 0 };
    adam.setState(ck.optimizer.iterations, ck.optimizer.tensors, ck.optimizer.parameterSteps);
    tf.dispose(ck.optimizer.tensors);
    pos = { step: ck.state.step, epoch: ck.state.epoch, offset: ck.state.offset, shuffleState: ck.state.shuffleState, noiseState: ck.state.noiseState };
    history = ck.state.history ?? [];
    resumedWarmup = ck.state.config.warmupSteps;
  } else {
    const root = new Rng(cfg.seed);
    const initSeed = root.nextUint32();
    vae = new Vae(cfg.model, initSeed);
    pos = { step: 0, epoch: 0, offset: 0, shuffleState: root.fork().state(), noiseState: root.fork().state() };
  }

  let labelRows: Int32Array | null;
  try {
    labelRows = modelLabelRows(source, cfg.model.labels);
  } catch (err) {
    vae.dispose();
    adam.dispose();
    throw err;
  }
  const n = trainIdx.length;
  const B = Math.min(cfg.batchSize, n);
  // Workers ("auto": measured) and, for a time budget, the epochs: decided before the first step.
  const planStarted = performance.now();
  const freshBudgetRun = (timeBudgetSec ?? 0) > 0 && pos.step === 0;
  const plan = await planRun({
    workersSetting,
    timeBudgetSec,
    cfg,
    source,
    trainIdx,
    valIdx,
    batch: B,
    fromEpoch: pos.epoch,
    fromStep: pos.step,
    resume: opts.resume,
    checkpointDir,
    signal,
    parallel: opts.parallel,
    emit,
  }).catch((err: unknown) => {
    vae.dispose();
    adam.dispose();
    throw err;
  });
  cfg = { ...cfg, epochs: plan.epochs };
  const stepsPerEpoch = Math.ceil(n / B);
  const stepsFor = (epochs: number) => pos.step + Math.max(0, (epochs - pos.epoch) * stepsPerEpoch - Math.ceil(pos.offset / B));
  // Follows a time-budgeted run's re-plans (revisePlan), so progress and ETA follow them.
  let totalSteps = stepsFor(cfg.epochs);
  // A time budget fixes the run's length before its first step; the warm-up takes at most
  // WARMUP_BUDGET_SHARE of it, since the hierarchy's spatial layers (most of the detail) only
  // open when it ends. Measured on the DCSS sprites: the Balanced preset's 1,000 steps were 37%
  // of the ~2,700 its 10 minutes buy here. A resumed run keeps the warm-up it started with.
  if (timeBudgetSec && timeBudgetSec > 0) {
    const cap = resumedWarmup ?? Math.max(1, Math.ceil(WARMUP_BUDGET_SHARE * totalSteps));
    cfg = { ...cfg, warmupSteps: Math.min(cfg.warmupSteps, cap) };
  }
  const { height, width, channels } = source;
  const D = height * width * channels;
  // Noise per image and sample: the global latent's J values, plus z2's for the hierarchy.
  const J = vae.noiseDim;
  const K = cfg.iwaeK;
  const shuffleRng = new Rng(pos.shuffleState);
  const noiseRng = new Rng(pos.noiseState);
  let perm: Int32Array | null = null;
  let epochShuffleState = pos.shuffleState;
  if (pos.offset > 0) perm = shuffleRng.permutation(n);

  let workers = plan.workers;
  let stepper: Stepper | null = null;
  const batch = new Float32Array(B * D);
  const batchLabels = new Int32Array(B);
  const previewIdx = previewIndicesFor(data, valIdx.length > 0 ? valIdx : trainIdx, cfg.previewCount, cfg.seed);
  let lastCheckpoint: string | null = null;
  const started = Date.now();
  let stepsThisRun = 0;
  let secPerStep = 0;
  let windowStart = performance.now();
  let windowImages = 0;
  let imagesPerSec = 0;
  // What the re-plan measures (pauses never count): the wall time from one epoch's end to the
  // next (training, validation, preview, the checkpoint and events), and the training alone.
  // Only epochs that start after the KL warm-up count: during it the hierarchy's z2 posterior is
  // held at its prior, and those steps are cheaper (on the DCSS sprites warm-up epochs took 13.5 s
  // and later ones 16 to 19 s; a re-plan from the first epoch overran a 600 s budget by 61 s).
  let currentPlan = plan.estimate;
  let pausedMs = 0;
  let markAt = 0;
  let pausedAtMark = 0;
  const fullEpochSecs: number[] = [];
  let fullTrainSec = 0;
  let lowered = false;
  /** A fresh time-budgeted run, at an epoch's end: train the epochs that fit what is left (revisePlan). */
  const replan = (): RunEstimate | null => {
    if (!freshBudgetRun || !currentPlan || !timeBudgetSec || fullEpochSecs.length === 0) return null;
    const elapsedSec = (performance.now() - planStarted - pausedMs) / 1000;
    // The slower of the mean and the last three: epochs grow slower as a run goes on.
    const mean = (v: number[]) => v.reduce((x, y) => x + y, 0) / v.length;
    const revised = revisePlan({
      plan: currentPlan,
      epochsDone: pos.epoch,
      plannedEpochs: cfg.epochs,
      promisedEpochs: plan.epochs,
      secondsLeft: timeBudgetSec - elapsedSec,
      epochSec: Math.max(mean(fullEpochSecs), mean(fullEpochSecs.slice(-3))),
      imagesPerSec: (fullEpochSecs.length * n) / fullTrainSec,
      elapsedSec,
      images: n + valIdx.length,
      mayRaise: !lowered,
    });
    if (!revised) return null;
    if (revised.epochs < cfg.epochs) lowered = true;
    currentPlan = revised;
    cfg = { ...cfg, epochs: revised.epochs };
    totalSteps = stepsFor(cfg.epochs);
    return revised;
  };

  const checkpoint = async (): Promise<void> => {
    if (!checkpointDir) return;
    lastCheckpoint = await saveCheckpoint(checkpointDir, vae, adam, {
      step: pos.step,
      epoch: pos.epoch,
      offset: pos.offset,
      // Saved before the current epoch's permutation is drawn, so a resume redraws the same one.
      shuffleState: epochShuffleState,
      noiseState: noiseRng.state(),
      config: cfg,
      datasetHash: source.datasetHash,
      backend: tf.getBackend(),
      workers,
      history,
    });
    emit({ type: 'checkpoint', step: pos.step, epoch: pos.epoch, dir: lastCheckpoint });
  };

  const finish = (status: TrainResult['status']): TrainResult => {
    const result: TrainResult = { status, step: pos.step, epoch: pos.epoch, config: cfg, history, checkpoint: lastCheckpoint, workers };
    if (opts.keepModel) {
      result.model = wrapModel(vae, { schemaVersion: MODEL_SCHEMA_VERSION, modelConfig: cfg.model, step: pos.step, epoch: pos.epoch, datasetHash: source.datasetHash });
    } else vae.dispose();
    adam.dispose();
    return result;
  };

  try {
    const dims = { height, width, channels, latent: J, k: K, batch: B, freeBits: cfg.freeBits };
    try {
      stepper = await createStepper(workers, vae, adam, dims, opts.parallel);
    } catch (err) {
      // "auto" must never cost a run: if the worker thread cannot start here, train on one.
      if (workersSetting === 2 || workers === 1) throw err;
      console.warn(`Training on 1 worker: the second could not start (${err instanceof Error ? err.message : String(err)}).`);
      workers = 1;
      stepper = await createStepper(1, vae, adam, dims);
    }
    while (pos.epoch < cfg.epochs) {
      if (pos.offset === 0) {
        epochShuffleState = shuffleRng.state();
        perm = shuffleRng.permutation(n);
      }
      const epochStart = performance.now();
      if (markAt === 0) markAt = epochStart;
      const pausedBefore = pausedMs;
      const afterWarmup = pos.step >= cfg.warmupSteps;
      const sums: LossSums = { loss: 0, recon: 0, kl: 0, elbo: 0, bitsPerDim: 0, iwae: 0 };
      let epochSteps = 0;
      while (pos.offset < n) {
        // A clean step boundary: honour cancel, stop and pause here.
        throwIfCancelled(signal);
        if (control?.isPaused && !control.stopRequested) {
          emit({ type: 'paused', step: pos.step, epoch: pos.epoch });
          const pauseStart = performance.now();
          await control.waitWhilePaused(signal);
          pausedMs += performance.now() - pauseStart;
          throwIfCancelled(signal);
          if (!control.stopRequested) emit({ type: 'resumed', step: pos.step, epoch: pos.epoch });
          windowStart = performance.now();
          windowImages = 0;
        }
        if (control?.stopRequested) {
          await stepper.verify();
          await checkpoint();
          emit({ type: 'stopped', step: pos.step, epoch: pos.epoch });
          await stepper.close();
          return finish('stopped');
        }
        const t0 = performance.now();
        const idx = Array.from(perm!.subarray(pos.offset, Math.min(n, pos.offset + B)), (p) => trainIdx[p]);
        const b = idx.length;
        source.fill(idx, batch);
        if (labelRows) idx.forEach((i, r) => (batchLabels[r] = labelRows[i]));
        const beta = betaAt(pos.step, cfg.beta, cfg.warmupSteps);
        // Follows totalSteps, so a re-planned run cools down over its revised end.
        adam.learningRate = cooledLearningRate(pos.step, totalSteps, cfg.learningRate, cfg.learningRateCooldown);
        // The hierarchy's z2 opens when the KL warm-up ends (see ObjectiveOptions.lowerLayer).
        const m = await stepper.step(batch, b, noiseRng.normals(K * b * J), beta, pos.step >= cfg.warmupSteps, labelRows ? batchLabels : undefined);
        pos.offset += b;
        pos.step++;
        stepsThisRun++;
        epochSteps++;
        const numbers: LossNumbers = { ...m, bitsPerDim: bitsPerDim(-m.elbo, D) };
        for (const k of Object.keys(sums) as (keyof LossNumbers)[]) sums[k] += numbers[k];
        const dt = (performance.now() - t0) / 1000;
        secPerStep = stepsThisRun === 1 ? dt : 0.9 * secPerStep + 0.1 * dt;
        windowImages += b;
        if (pos.step % cfg.progressEverySteps === 0 || pos.offset >= n) {
          const now = performance.now();
          imagesPerSec = windowImages / Math.max(1e-9, (now - windowStart) / 1000);
          windowStart = now;
          windowImages = 0;
          emit({
            type: 'step',
            step: pos.step,
            epoch: pos.epoch + 1,
            epochs: cfg.epochs,
            totalSteps,
            stepsPerEpoch,
            beta,
            imagesPerSec,
            elapsedSec: (Date.now() - started) / 1000,
            etaSec: Math.max(0, totalSteps - pos.step) * secPerStep,
            workers,
            ...numbers,
          });
        }
        // Let control messages and the abort signal in (tfjs cpu/wasm calls are synchronous).
        await new Promise((r) => setImmediate(r));
      }
      pos.epoch++;
      pos.offset = 0;
      epochShuffleState = shuffleRng.state();
      const trainSec = (performance.now() - epochStart - (pausedMs - pausedBefore)) / 1000;
      await stepper.verify();
      const trainMeans = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / Math.max(1, epochSteps)])) as unknown as LossNumbers;
      const val = await validate(vae, source, valIdx, cfg, pos.epoch, signal);
      const preview = previewIdx.length > 0 ? makePreview(vae, source, previewIdx, labelRows) : null;
      const summary: EpochSummary = { epoch: pos.epoch, step: pos.step, train: trainMeans, val, seconds: (performance.now() - epochStart) / 1000 };
      // Judged once the warm-up has ended: before, beta is below its target and the spatial
      // posteriors are held at their priors, so a small KL there says nothing.
      const warnings = val && pos.step >= cfg.warmupSteps ? collapseWarnings(val, pos.epoch) : [];
      if (warnings.length > 0) summary.warnings = warnings;
      history = [...history, summary];
      const now = performance.now();
      if (afterWarmup) {
        fullEpochSecs.push((now - markAt - (pausedMs - pausedAtMark)) / 1000);
        fullTrainSec += trainSec;
      }
      markAt = now;
      pausedAtMark = pausedMs;
      // Re-planned before the checkpoint, so a resume after a crash trains to the revised epochs.
      const revised = replan();
      // Checkpoint first: whoever records the epoch on its event (the project's run record)
      // must never be ahead of the checkpoint a resume would start from.
      await checkpoint();
      emit({ type: 'epoch', epochs: cfg.epochs, workers, preview, ...summary });
      if (revised) emit({ type: 'plan', step: pos.step, epoch: pos.epoch, revised: true, ...revised });
    }
    await stepper.close();
    return finish('completed');
  } catch (err) {
    // Workers end with the run, whatever ended it (cancel, a failed step, a crashed worker).
    await stepper?.close().catch(() => {});
    vae.dispose();
    adam.dispose();
    throw err;
  }
}

async function validate(vae: Vae, source: ImageSource, valIdx: number[], cfg: ResolvedTrainConfig, epoch: number, signal?: AbortSignal): Promise<ValidationSummary | null> {
  if (valIdx.length === 0) return null;
  const indices = cfg.valMaxImages > 0 ? valIdx.slice(0, cfg.valMaxImages) : valIdx;
  // Its own noise stream, so validation never shifts the training noise.
  const r = await evaluate(vae, source, { indices, iwaeK: cfg.valIwaeK, seed: (cfg.seed * 7919 + epoch) >>> 0, batchSize: cfg.batchSize, signal });
  const { perImage: _omit, ...summary } = r;
  return summary;
}

function makePreview(vae: Vae, source: ImageSource, indices: number[], labelRows: Int32Array | null): PreviewImages {
  const { height, width, channels } = source;
  const D = height * width * channels;
  const buf = new Float32Array(indices.length * D);
  source.fill(indices, buf);
  const recon = tf.tidy(() => vae.meanImage(vae.reconstructRaw(tf.tensor4d(buf, [indices.length, height, width, channels]), labelTensor(labelRows, indices, vae.labelCount))).dataSync());
  const originals = new Uint8Array(indices.length * D);
  indices.forEach((i, k) => originals.set(source.uint8(i), k * D));
  return { width, height, channels, count: indices.length, indices, originals, reconstructions: toUint8(recon) };
}
