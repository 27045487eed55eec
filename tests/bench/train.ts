/**
 * Training speed of the default conv VAE (32x32x4, batch 64, latent 16, Bernoulli) on every
 * tfjs backend present: ms per optimiser step (forward, backward, Adam), images/s, achieved
 * GFLOPS (analytic count of conv/dense multiply-adds) and the speed-up over cpu measured in the
 * same run. Pixels are uniform noise from a fixed seed: step time does not depend on content.
 * cpu is pure JS and very slow, so it runs one warm-up step on one image and one timed step on a
 * smaller batch (LA_BENCH_CPU_BATCH, default 8; LA_BENCH_SKIP_CPU=1 skips it).
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { resolveModelConfig } from '../../src/model/config';
import { trainingFlopsPerImage } from '../../src/model/flops';
import { Rng } from '../../src/model/rng';
import { Vae } from '../../src/model/vae';
import { Adam } from '../../src/train/adam';
import { fromDataset } from '../../src/train/data';
import { trainStep } from '../../src/train/step';
import { train } from '../../src/train/train';
import type { Dataset } from '../../src/data/store';
import type { BenchLine } from './types';

const SIZE = 32;
const CHANNELS = 4;
const LATENT = 16;
const BATCH = 64;

function timeSteps(batch: number, warmup: number, steps: number, warmupBatch = batch): { msPerStep: number; loss: number } {
  const config = resolveModelConfig({ height: SIZE, width: SIZE, channels: CHANNELS, latentDim: LATENT });
  const vae = new Vae(config, 1);
  const adam = new Adam({ learningRate: 1e-3 });
  const rng = new Rng(2);
  const pixels = Float32Array.from({ length: batch * SIZE * SIZE * CHANNELS }, () => rng.uniform());
  const shape: [number, number, number, number] = [batch, SIZE, SIZE, CHANNELS];
  const opts = { k: 1, beta: 1, freeBits: 0 };
  // Warm-up (first-call costs: kernel setup, JIT) on a possibly smaller batch.
  const warmShape: [number, number, number, number] = [warmupBatch, SIZE, SIZE, CHANNELS];
  for (let i = 0; i < warmup; i++) trainStep(vae, adam, pixels.subarray(0, warmupBatch * SIZE * SIZE * CHANNELS), warmShape, rng.normals(warmupBatch * LATENT), opts);
  const times: number[] = [];
  let loss = NaN;
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    loss = trainStep(vae, adam, pixels, shape, rng.normals(batch * LATENT), opts).loss; // reads the loss back: the step has finished
    times.push(performance.now() - t0);
  }
  vae.dispose();
  adam.dispose();
  times.sort((a, b) => a - b);
  return { msPerStep: times[Math.floor(times.length / 2)], loss };
}

/** The whole loop (uint8 batches from a dataset, noise, progress) over `count` images: images/s. */
async function loopImagesPerS(count: number): Promise<number> {
  const rng = new Rng(3);
  const pixels = Uint8Array.from({ length: count * SIZE * SIZE * CHANNELS }, () => rng.nextUint32() & 255);
  const all = Array.from({ length: count }, (_, i) => i);
  const ds = { index: { size: SIZE, channels: CHANNELS, count, datasetHash: 'bench' }, pixels, indicesOf: (split: string) => (split === 'train' ? all : []) };
  let first = 0;
  let last = 0;
  let images = 0;
  await train({ latentDim: LATENT, batchSize: BATCH, epochs: 1, progressEverySteps: 1, previewCount: 0 }, fromDataset(ds as unknown as Dataset), {
    onProgress: (e) => {
      if (e.type !== 'step') return;
      if (e.step === 1) first = performance.now();
      else images += BATCH;
      last = performance.now();
    },
  });
  return images / ((last - first) / 1000);
}

const round = (v: number, d = 3): number => Number(v.toPrecision(d + 2));

export async function run(): Promise<BenchLine[]> {
  const lines: BenchLine[] = [];
  const config = resolveModelConfig({ height: SIZE, width: SIZE, channels: CHANNELS, latentDim: LATENT });
  const flopsPerImage = trainingFlopsPerImage(config);
  const context = {
    model: `conv VAE ${SIZE}x${SIZE}x${CHANNELS}, filters ${config.convFilters.join('/')} k4s2, dense ${config.denseUnits}, latent ${LATENT}, bernoulli`,
    mflop_per_image: round(flopsPerImage / 1e6),
    load1m: round(os.loadavg()[0], 2),
  };
  const imagesPerS: Record<string, number> = {};
  const skipCpu = process.env.LA_BENCH_SKIP_CPU === '1';
  for (const force of ['tensorflow', 'wasm', 'cpu'] as const) {
    if (force === 'cpu' && skipCpu) continue;
    let label: string;
    try {
      label = (await initBackend({ force })).label;
    } catch {
      continue; // not installed or not working here
    }
    const batch = force === 'cpu' ? Number(process.env.LA_BENCH_CPU_BATCH ?? 8) : BATCH;
    const { msPerStep } = force === 'cpu' ? timeSteps(batch, 1, 1, 1) : timeSteps(batch, 2, 10);
    const ips = (batch * 1000) / msPerStep;
    imagesPerS[label] = ips;
    const gflops = (flopsPerImage * batch) / (msPerStep / 1000) / 1e9;
    const c = { ...context, batch };
    lines.push({ bench: 'train', metric: 'ms_per_step', value: round(msPerStep), unit: 'ms', backend: label, ...c });
    lines.push({ bench: 'train', metric: 'images_per_s', value: round(ips), unit: 'img/s', backend: label, ...c });
    lines.push({ bench: 'train', metric: 'gflops', value: round(gflops), unit: 'GFLOPS', backend: label, ...c });
    if (force !== 'cpu') {
      const count = 11 * BATCH;
      lines.push({ bench: 'train', metric: 'loop_images_per_s', value: round(await loopImagesPerS(count)), unit: 'img/s', backend: label, ...c, images: count, note: 'train() end to end: uint8 batches, noise, progress; first step excluded' });
    }
  }
  if (imagesPerS.cpu) {
    for (const [label, ips] of Object.entries(imagesPerS)) {
      if (label !== 'cpu') lines.push({ bench: 'train', metric: 'speedup_vs_cpu', value: round(ips / imagesPerS.cpu), unit: 'x', backend: label, ...context, batch: BATCH, cpu_batch: Number(process.env.LA_BENCH_CPU_BATCH ?? 8) });
    }
  }
  return lines;
}
