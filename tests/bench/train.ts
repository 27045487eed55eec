/**
 * Training speed of the default model (the hierarchical VAE, 32x32x4, batch 64, latent 16,
 * calibrated Gaussian) and, as the baseline measured in the same run, the first release's flat
 * conv VAE (Bernoulli), on every
 * tfjs backend present: ms per optimiser step (forward, backward, Adam), images/s, achieved
 * GFLOPS (analytic count of conv/dense multiply-adds) and the speed-up over cpu measured in the
 * same run. Pixels are uniform noise from a fixed seed: step time does not depend on content.
 * cpu is pure JS and very slow, so it runs one warm-up step on one image and one timed step on a
 * smaller batch (LA_BENCH_CPU_BATCH, default 8; LA_BENCH_SKIP_CPU=1 skips it).
 * On wasm it also times data-parallel training with 1 and 2 workers (this thread plus a worker
 * thread) at global batch 64 and 128, alternating the two so drifting machine load hits both,
 * and prints their ratio as speedup_2_workers. Every line carries load1m (os.loadavg()[0] when
 * the line was measured): other processes on the machine slow the 2-worker case most.
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { FLAT_CONV_CONFIG, resolveModelConfig, type ModelConfig } from '../../src/model/config';
import { lowerLatentShapes } from '../../src/model/hierarchy';
import { trainingFlopsPerImage } from '../../src/model/flops';
import { Rng } from '../../src/model/rng';
import { Vae } from '../../src/model/vae';
import { Adam } from '../../src/train/adam';
import { fromDataset } from '../../src/train/data';
import { ReplicaPair } from '../../src/train/parallel';
import { trainStep } from '../../src/train/step';
import { train } from '../../src/train/train';
import type { Dataset } from '../../src/data/store';
import type { BenchLine } from './types';

const SIZE = 32;
const CHANNELS = 4;
const LATENT = 16;
const BATCH = 64;

const DEFAULT_MODEL = resolveModelConfig({ height: SIZE, width: SIZE, channels: CHANNELS, latentDim: LATENT });
const FLAT_MODEL = resolveModelConfig({ height: SIZE, width: SIZE, channels: CHANNELS, latentDim: LATENT, ...FLAT_CONV_CONFIG });

function timeSteps(batch: number, warmup: number, steps: number, warmupBatch = batch, config: ModelConfig = DEFAULT_MODEL): { msPerStep: number; loss: number } {
  const vae = new Vae(config, 1);
  const E = vae.noiseDim;
  const adam = new Adam({ learningRate: 1e-3 });
  const rng = new Rng(2);
  const pixels = Float32Array.from({ length: batch * SIZE * SIZE * CHANNELS }, () => rng.uniform());
  const shape: [number, number, number, number] = [batch, SIZE, SIZE, CHANNELS];
  const opts = { k: 1, beta: 1, freeBits: 0 };
  // Warm-up (first-call costs: kernel setup, JIT) on a possibly smaller batch.
  const warmShape: [number, number, number, number] = [warmupBatch, SIZE, SIZE, CHANNELS];
  for (let i = 0; i < warmup; i++) trainStep(vae, adam, pixels.subarray(0, warmupBatch * SIZE * SIZE * CHANNELS), warmShape, rng.normals(warmupBatch * E), opts);
  const times: number[] = [];
  let loss = NaN;
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    loss = trainStep(vae, adam, pixels, shape, rng.normals(batch * E), opts).loss; // reads the loss back: the step has finished
    times.push(performance.now() - t0);
  }
  vae.dispose();
  adam.dispose();
  times.sort((a, b) => a - b);
  return { msPerStep: times[Math.floor(times.length / 2)], loss };
}

/** Steps of the loop bench after the first: the first LOOP_WARM_STEPS warm up, the rest are timed. */
const LOOP_WARM_STEPS = 3;
const LOOP_TIMED_STEPS = 40;

/**
 * The whole loop (uint8 batches from a dataset, noise, progress) over 1 + LOOP_WARM_STEPS +
 * LOOP_TIMED_STEPS batches: images/s over the timed steps, and the seconds the warm-up steps took
 * beyond as many steady ones. The first step (worker start, first-call allocations) is left out.
 * A fresh worker thread runs its first steps 2-4x slower (its own JIT and wasm tier-up); a
 * 10-step measurement counted that as ~20% of the loop's time, which is why the warm-up is its
 * own number and the rate is measured over 40 steps.
 */
async function loopSpeed(workers: 1 | 2, model: Partial<ModelConfig> = {}): Promise<{ imagesPerS: number; warmupExtraS: number; first10ImagesPerS: number; images: number }> {
  const count = (1 + LOOP_WARM_STEPS + LOOP_TIMED_STEPS) * BATCH;
  const rng = new Rng(3);
  const pixels = Uint8Array.from({ length: count * SIZE * SIZE * CHANNELS }, () => rng.nextUint32() & 255);
  const all = Array.from({ length: count }, (_, i) => i);
  const ds = { index: { size: SIZE, channels: CHANNELS, count, datasetHash: 'bench' }, pixels, indicesOf: (split: string) => (split === 'train' ? all : []) };
  const stepEnds: number[] = [];
  await train({ ...model, latentDim: LATENT, batchSize: BATCH, epochs: 1, warmupSteps: 0, progressEverySteps: 1, previewCount: 0, workers }, fromDataset(ds as unknown as Dataset), {
    onProgress: (e) => {
      if (e.type === 'step') stepEnds.push(performance.now());
    },
  });
  const timedStart = stepEnds[LOOP_WARM_STEPS];
  const timedSec = (stepEnds[stepEnds.length - 1] - timedStart) / 1000;
  const steadyStepSec = timedSec / LOOP_TIMED_STEPS;
  const warmupSec = (timedStart - stepEnds[0]) / 1000;
  // What the bench measured before (steps 2-11, warm-up included), for comparison in the same run.
  const first10ImagesPerS = (10 * BATCH) / ((stepEnds[10] - stepEnds[0]) / 1000);
  return { imagesPerS: (LOOP_TIMED_STEPS * BATCH) / timedSec, warmupExtraS: warmupSec - LOOP_WARM_STEPS * steadyStepSec, first10ImagesPerS, images: count };
}

const round = (v: number, d = 3): number => Number(v.toPrecision(d + 2));
const load1m = (): number => round(os.loadavg()[0], 2);

/** Median ms per step of a 2-replica step (ReplicaPair) on the same model, pixels and noise as timeSteps. */
async function timeTwoWorkerSteps(batch: number, warmup: number, steps: number, config: ModelConfig): Promise<number> {
  const vae = new Vae(config, 1);
  const E = vae.noiseDim;
  const adam = new Adam({ learningRate: 1e-3 });
  const rng = new Rng(2);
  const pixels = Float32Array.from({ length: batch * SIZE * SIZE * CHANNELS }, () => rng.uniform());
  const pair = await ReplicaPair.start(vae, adam, { height: SIZE, width: SIZE, channels: CHANNELS, latent: E, k: 1, batch });
  const times: number[] = [];
  try {
    for (let i = 0; i < warmup; i++) await pair.step(pixels, batch, rng.normals(batch * E), 1);
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      // Includes waiting for the worker's previous update: steady-state time per step.
      await pair.step(pixels, batch, rng.normals(batch * E), 1);
      times.push(performance.now() - t0);
    }
  } finally {
    await pair.close();
    vae.dispose();
    adam.dispose();
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** images/s with 1 and 2 workers at one global batch: two alternating rounds, median step of each side. */
async function workersLines(label: string, batch: number, context: Record<string, unknown>, config: ModelConfig): Promise<BenchLine[]> {
  const steps = batch >= 128 ? 5 : 8;
  const ms: Record<1 | 2, number[]> = { 1: [], 2: [] };
  const loads: number[] = [];
  for (let round = 0; round < 2; round++) {
    ms[1].push(timeSteps(batch, 2, steps, batch, config).msPerStep);
    ms[2].push(await timeTwoWorkerSteps(batch, 2, steps, config));
    loads.push(os.loadavg()[0]);
  }
  const ips = (w: 1 | 2): number => (batch * 1000) / (ms[w].reduce((a, b) => a + b) / ms[w].length);
  const c = { ...context, batch, load1m: load1m(), load1m_during: loads.map((l) => round(l, 2)) };
  const lines: BenchLine[] = [];
  for (const w of [1, 2] as const)
    lines.push({
      bench: 'train',
      metric: 'images_per_s',
      value: round(ips(w)),
      unit: 'img/s',
      backend: label,
      ...c,
      workers: w,
      note: 'optimiser step only; 2 workers = this thread + 1 worker thread, half the batch each',
    });
  lines.push({
    bench: 'train',
    metric: 'speedup_2_workers',
    value: round(ips(2) / ips(1)),
    unit: 'x',
    backend: label,
    ...c,
    note: 'images/s with 2 workers over 1 worker, same run; other processes on the machine lower it',
  });
  return lines;
}

/** Plain square matmul GFLOPS on the current backend (median of `reps` timed runs after a warm-up). */
function plainMatmulGflops(n: number, reps: number): number {
  const a = tf.randomUniform([n, n], -1, 1, 'float32', 1);
  const b = tf.randomUniform([n, n], -1, 1, 'float32', 2);
  tf.matMul(a, b).dataSync();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    c.dataSync();
    times.push(performance.now() - t0);
    c.dispose();
  }
  tf.dispose([a, b]);
  times.sort((x, y) => x - y);
  return (2 * n ** 3) / (times[Math.floor(reps / 2)] / 1000) / 1e9;
}

export async function run(): Promise<BenchLine[]> {
  const lines: BenchLine[] = [];
  const config = DEFAULT_MODEL;
  const flopsPerImage = trainingFlopsPerImage(config);
  const context = {
    model: `hierarchical VAE ${SIZE}x${SIZE}x${CHANNELS}, filters ${config.convFilters.join('/')}, dense ${config.denseUnits}, latent ${LATENT} over spatial maps ${lowerLatentShapes(config)
      .map(([h, w, c]) => `${h}x${w}x${c}`)
      .join(' + ')}, ${config.likelihood}`,
    mflop_per_image: round(flopsPerImage / 1e6),
  };
  const flatContext = {
    model: `flat conv VAE ${SIZE}x${SIZE}x${CHANNELS}, filters ${FLAT_MODEL.convFilters.join('/')} k4s2, dense ${FLAT_MODEL.denseUnits}, latent ${LATENT}, bernoulli`,
    mflop_per_image: round(trainingFlopsPerImage(FLAT_MODEL) / 1e6),
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
    const c = { ...context, batch, load1m: load1m() };
    lines.push({ bench: 'train', metric: 'ms_per_step', value: round(msPerStep), unit: 'ms', backend: label, ...c });
    lines.push({ bench: 'train', metric: 'images_per_s', value: round(ips), unit: 'img/s', backend: label, ...c, workers: 1 });
    lines.push({ bench: 'train', metric: 'gflops', value: round(gflops), unit: 'GFLOPS', backend: label, ...c });
    if (force !== 'cpu') {
      // How close a whole training step gets to the backend's own plain matmul, measured now.
      const peak = plainMatmulGflops(512, 20);
      lines.push({ bench: 'train', metric: 'share_of_matmul_peak', value: round(gflops / peak), unit: 'ratio', backend: label, ...c, matmul_peak_gflops: round(peak), matmul: '512x512x512' });
    }
    if (force !== 'cpu') {
      // The baseline in the same run: the flat conv VAE's step, then the ratio.
      const flat = timeSteps(batch, 2, 10, batch, FLAT_MODEL);
      const flatIps = (batch * 1000) / flat.msPerStep;
      lines.push({ bench: 'train', metric: 'images_per_s', value: round(flatIps), unit: 'img/s', backend: label, ...flatContext, batch, load1m: load1m(), workers: 1 });
      lines.push({
        bench: 'train',
        metric: 'default_vs_flat_conv',
        value: round(ips / flatIps),
        unit: 'x',
        backend: label,
        ...c,
        note: 'images/s of the hierarchical default over the flat conv VAE, same run',
        flops_ratio: round(flopsPerImage / trainingFlopsPerImage(FLAT_MODEL)),
      });
    }
    if (force === 'wasm') for (const b of [BATCH, 2 * BATCH]) lines.push(...(await workersLines(label, b, context, config)));
    if (force !== 'cpu') {
      for (const workers of force === 'wasm' ? ([1, 2] as const) : ([1] as const)) {
        const loop = await loopSpeed(workers);
        const lc = { ...c, load1m: load1m(), workers, images: loop.images };
        lines.push({
          bench: 'train',
          metric: 'loop_images_per_s',
          value: round(loop.imagesPerS),
          unit: 'img/s',
          backend: label,
          ...lc,
          steps_2_to_11_images_per_s: round(loop.first10ImagesPerS),
          note: `train() end to end: uint8 batches, noise, progress, validation off; over ${LOOP_TIMED_STEPS} steps after the first ${1 + LOOP_WARM_STEPS} (steps_2_to_11: the earlier 10-step measure, warm-up included)`,
        });
        lines.push({
          bench: 'train',
          metric: 'loop_warmup_s',
          value: round(loop.warmupExtraS),
          unit: 's',
          backend: label,
          ...lc,
          note: `steps 2-${1 + LOOP_WARM_STEPS} of a run: seconds beyond as many steady steps (a fresh worker's JIT and wasm tier-up)`,
        });
      }
    }
  }
  if (imagesPerS.cpu) {
    for (const [label, ips] of Object.entries(imagesPerS)) {
      if (label !== 'cpu')
        lines.push({
          bench: 'train',
          metric: 'speedup_vs_cpu',
          value: round(ips / imagesPerS.cpu),
          unit: 'x',
          backend: label,
          ...context,
          load1m: load1m(),
          batch: BATCH,
          cpu_batch: Number(process.env.LA_BENCH_CPU_BATCH ?? 8),
        });
    }
  }
  return lines;
}
