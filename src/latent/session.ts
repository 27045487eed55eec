/**
 * What the latent channels share: the run's model, the dataset, its encoding (memory, then
 * latents.bin, then a fresh encode) and the projection computed from it.
 */
import path from 'node:path';
import { openDatasetCached } from '../data/dataset-cache';
import type { LatentEncodeReport } from '../contract';
import type { Dataset } from '../data/store';
import type { FitStage } from './fitted-prior';
import { encodeDataset, checkCompatible, checkTrainedOn, type Latents } from './encode';
import { readLatents, writeLatents, type LatentsKey } from './latents-file';
import { axesProjection, pcaProjection, type Projection } from './projection';
import { runModel, type RunModel } from './run-model';

export interface LatentSession {
  run: RunModel;
  dataset: Dataset;
  latents: Latents;
  /** True when the encoding came from memory or latents.bin. */
  cached: boolean;
  seconds: number;
}

let memory: { key: string; latents: Latents } | null = null;

export interface SessionOptions {
  batchSize?: number;
  force?: boolean;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Stages of the work after encoding (fitting the fitted prior, decoding images), for progress: done of total. */
  onStage?: (stage: 'decoding' | FitStage, done: number, total: number) => void;
  /**
   * Encode a dataset other than the one the model was trained on, deliberately (latent.encode
   * with otherDataset, CLI encode --other-dataset). Afterwards that encoding is the run's cache
   * and the other channels use it; without one they refuse such a dataset.
   */
  acceptOtherDataset?: boolean;
}

export async function latentSession(runDir: string, datasetDir: string, opts: SessionOptions = {}): Promise<LatentSession> {
  const started = performance.now();
  const run = await runModel(runDir);
  const dataset = await openDatasetCached(datasetDir);
  checkCompatible(run.model, dataset);
  const key: LatentsKey = { modelKey: run.modelKey, datasetHash: dataset.index.datasetHash, count: dataset.index.count, latentDim: run.model.config.latentDim };
  const memoryKey = JSON.stringify([path.resolve(runDir), key]);
  let latents: Latents | null = null;
  let cached = true;
  if (!opts.force) latents = memory?.key === memoryKey ? memory.latents : await readLatents(runDir, key);
  // A deliberate encoding of another dataset (a cache for it exists) is kept using it.
  if (!latents && !opts.acceptOtherDataset)
    checkTrainedOn(run.model, runDir, dataset, 'encode this one deliberately first (latent-atlas encode --other-dataset; in the app, import into a new project)');
  if (!latents) {
    cached = false;
    latents = await encodeDataset(run.model, dataset, { batchSize: opts.batchSize, signal: opts.signal, onProgress: opts.onProgress });
    await writeLatents(runDir, key, latents, { step: run.model.metadata.step, checkpoint: run.modelDir });
  }
  memory = { key: memoryKey, latents };
  return { run, dataset, latents, cached, seconds: (performance.now() - started) / 1000 };
}

export function projectionOf(s: Pick<LatentSession, 'latents'>, axes: [number, number, number] | null): Projection {
  const { mu, count, latentDim } = s.latents;
  return axes ? axesProjection(mu, count, latentDim, axes) : pcaProjection(mu, count, latentDim);
}

/** What an encoding gives the page and the CLI: sizes, where it came from, mean KL and reconstruction error. */
export function encodeReport(s: LatentSession): LatentEncodeReport {
  const { latents } = s;
  let kl = 0;
  let err = 0;
  for (let i = 0; i < latents.count; i++) {
    kl += latents.kl[i];
    err += latents.reconError[i];
  }
  return {
    count: latents.count,
    latentDim: latents.latentDim,
    lowerDim: s.run.model.vae.lowerDim,
    step: s.run.model.metadata.step,
    checkpoint: s.run.modelDir,
    datasetHash: s.dataset.index.datasetHash,
    cached: s.cached,
    seconds: s.seconds,
    meanKl: latents.count ? kl / latents.count : 0,
    meanReconError: latents.count ? err / latents.count : 0,
    modelLabels: [...s.run.model.config.labels],
  };
}
