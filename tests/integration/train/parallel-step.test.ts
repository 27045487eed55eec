import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/backend';
import { FLAT_CONV_CONFIG, resolveModelConfig, type ModelConfig } from '../../../src/model/config';
import { Rng } from '../../../src/model/rng';
import { Vae } from '../../../src/model/vae';
import { Adam } from '../../../src/train/adam';
import { ReplicaPair } from '../../../src/train/parallel';
import { trainStep, type StepNumbers } from '../../../src/train/step';

const H = 16;
const C = 4;
const D = H * H * C;

beforeAll(async () => {
  await initBackend({ force: 'wasm' });
});

function weights(vae: Vae): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(vae.store.named()).map(([k, v]) => [k, v.dataSync() as Float32Array]));
}

function maxDiff(a: Record<string, Float32Array>, b: Record<string, Float32Array>): number {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  let d = 0;
  for (const k of Object.keys(a)) for (let i = 0; i < a[k].length; i++) d = Math.max(d, Math.abs(a[k][i] - b[k][i]));
  return d;
}

function batchOf(rows: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: rows * D }, () => rng.uniform());
}

/** Runs `steps` steps with one replica and with two on the same batches and noise; returns both sides. */
async function compare(model: ModelConfig, opts: { k: number; rows: number[]; beta?: number }) {
  const one = { vae: new Vae(model, 3), adam: new Adam({ learningRate: 1e-3 }) };
  const two = { vae: new Vae(model, 3), adam: new Adam({ learningRate: 1e-3 }) };
  const batch = Math.max(...opts.rows);
  // Noise per image and sample: the global latent, plus z2 for the hierarchy.
  const E = one.vae.noiseDim;
  const pair = await ReplicaPair.start(two.vae, two.adam, { height: H, width: H, channels: C, latent: E, k: opts.k, batch });
  const numbers: [StepNumbers, StepNumbers][] = [];
  try {
    const noiseRng = new Rng(7);
    for (const [i, rows] of opts.rows.entries()) {
      const pixels = batchOf(rows, 100 + i);
      const noise = noiseRng.normals(opts.k * rows * E);
      const a = trainStep(one.vae, one.adam, pixels, [rows, H, H, C], noise, { k: opts.k, beta: opts.beta ?? 1, freeBits: 0 });
      const b = await pair.step(pixels, rows, noise, opts.beta ?? 1);
      numbers.push([a, b]);
    }
    const worker = await pair.workerWeights();
    return { numbers, one: weights(one.vae), two: weights(two.vae), worker, workerTensors: pair.workerTensors, pair };
  } finally {
    await pair.close();
    one.vae.dispose();
    one.adam.dispose();
    two.vae.dispose();
    two.adam.dispose();
  }
}

const conv = resolveModelConfig({ height: H, width: H, channels: C, latentDim: 8, ...FLAT_CONV_CONFIG });
// The default model: the hierarchy with the calibrated Gaussian decoder.
const hvae = resolveModelConfig({ height: H, width: H, channels: C, latentDim: 8 });

describe('a step with two workers equals a step with one (wasm)', () => {
  it('gives the same weights and losses after one step of 32 images (within float summation order)', async () => {
    const r = await compare(conv, { k: 1, rows: [32] });
    expect(maxDiff(r.one, r.two)).toBeLessThan(1e-5);
    const [a, b] = r.numbers[0];
    for (const key of ['loss', 'recon', 'kl', 'elbo', 'iwae'] as const) expect(Math.abs(a[key] - b[key])).toBeLessThan(1e-5 * Math.max(1, Math.abs(a[key])));
    // The replicas themselves are bit-identical.
    expect(maxDiff(r.two, r.worker)).toBe(0);
  });

  it('keeps both replicas bit-identical over several steps, including an odd last batch, and leaks no tensors in the worker', async () => {
    const before = tf.memory().numTensors;
    const r = await compare(conv, { k: 1, rows: [32, 32, 32, 32, 17] });
    expect(maxDiff(r.two, r.worker)).toBe(0);
    expect(maxDiff(r.one, r.two)).toBeLessThan(1e-4);
    const [a, b] = r.numbers.at(-1)!;
    expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-5 * Math.abs(a.loss));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('splits the noise of every sample when training on the IWAE bound (k = 3)', async () => {
    const r = await compare(conv, { k: 3, rows: [20, 9] });
    expect(maxDiff(r.one, r.two)).toBeLessThan(1e-5);
    for (const [a, b] of r.numbers) expect(Math.abs(a.iwae - b.iwae)).toBeLessThan(1e-5 * Math.abs(a.iwae));
    expect(maxDiff(r.two, r.worker)).toBe(0);
  });

  it('default model (hierarchy, calibrated decoder): two workers take the same steps as one, and fold the same s^2 into the running calibration', async () => {
    const r = await compare(hvae, { k: 1, rows: [32, 32, 17] });
    expect(maxDiff(r.one, r.two)).toBeLessThan(1e-4);
    expect(maxDiff(r.two, r.worker)).toBe(0);
    expect(r.one['likelihood/calibratedVariance'][0]).toBeGreaterThan(0);
    expect(Math.abs(r.one['likelihood/calibratedVariance'][0] - r.two['likelihood/calibratedVariance'][0])).toBeLessThan(1e-6);
    for (const [a, b] of r.numbers) expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-4 * Math.abs(a.loss));
  });

  it('hierarchical model: splits the noise of both layers of every sample (IWAE k = 3) and stays equal to one worker', async () => {
    const r = await compare(hvae, { k: 3, rows: [20, 9] });
    // A deeper network sums more terms in another order: float differences of ~2e-5 after two Adam steps of 1e-3.
    expect(maxDiff(r.one, r.two)).toBeLessThan(1e-4);
    for (const [a, b] of r.numbers) expect(Math.abs(a.iwae - b.iwae)).toBeLessThan(1e-5 * Math.abs(a.iwae));
    expect(maxDiff(r.two, r.worker)).toBe(0);
  });

  it('leaves the worker with a flat tensor count from step to step', async () => {
    const vae = new Vae(conv, 3);
    const adam = new Adam({ learningRate: 1e-3 });
    const pair = await ReplicaPair.start(vae, adam, { height: H, width: H, channels: C, latent: 8, k: 1, batch: 32 });
    try {
      const counts: number[] = [];
      const rng = new Rng(1);
      for (let i = 0; i < 4; i++) {
        await pair.step(batchOf(32, i), 32, rng.normals(32 * 8), 1);
        await pair.verify(); // waits for the worker's update, then compares checksums
        counts.push(pair.workerTensors);
      }
      expect(counts[0]).toBeGreaterThan(0);
      expect(new Set(counts.slice(1)).size).toBe(1);
    } finally {
      await pair.close();
      vae.dispose();
      adam.dispose();
    }
  });
});

describe('starting the worker', () => {
  it('fails with a clear error when the worker script cannot be loaded', async () => {
    const vae = new Vae(conv, 3);
    const adam = new Adam({ learningRate: 1e-3 });
    try {
      await expect(ReplicaPair.start(vae, adam, { height: H, width: H, channels: C, latent: 8, k: 1, batch: 32 }, { workerFile: '/nonexistent/train-worker.js' })).rejects.toMatchObject({
        code: 'internal',
        message: expect.stringMatching(/training worker thread failed \(it threw: .*nonexistent/),
      });
    } finally {
      vae.dispose();
      adam.dispose();
    }
  });
});
