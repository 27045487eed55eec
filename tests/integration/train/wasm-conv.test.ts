import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/backend';
import type { Dataset } from '../../../src/data/store';
import { loadModel } from '../../../src/model/load';
import { train } from '../../../src/train/train';
import { convDepth, resolveModelConfig } from '../../../src/model/config';
import { Rng } from '../../../src/model/rng';
import { Vae } from '../../../src/model/vae';
import { Adam } from '../../../src/train/adam';
import { trainStep } from '../../../src/train/step';
import { makeShapesDataset } from './fixtures';

let tmp: string;
let ds: Dataset;

beforeAll(async () => {
  await initBackend({ force: 'wasm' });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'atlas-wasm-'));
  ds = await makeShapesDataset(path.join(tmp, 'data'), { count: 160, size: 16, channels: 4, seed: 9 });
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const config = { latentDim: 8, batchSize: 32, learningRate: 2e-3, seed: 5, progressEverySteps: 1, previewCount: 4 };

describe("conv VAE on the wasm backend (with the project's training kernels)", () => {
  it('reduces the loss over a few real steps and leaks no tensors', async () => {
    expect(tf.getBackend()).toBe('wasm');
    const losses: number[] = [];
    const counts: number[] = [];
    const dir = path.join(tmp, 'ckpt');
    await train({ ...config, epochs: 4 }, ds, {
      checkpointDir: dir,
      onProgress: (e) => {
        if (e.type !== 'step') return;
        losses.push(e.loss);
        counts.push(tf.memory().numTensors);
      },
    });
    expect(losses.length).toBe(16);
    const mean = (a: number[]) => a.reduce((x, y) => x + y) / a.length;
    expect(mean(losses.slice(-4))).toBeLessThan(mean(losses.slice(0, 4)));
    expect(new Set(counts.slice(1)).size).toBe(1);
  });

  it('resumes exactly on wasm: 2 + 2 epochs equal 4 uninterrupted', async () => {
    const full = await train({ ...config, epochs: 4 }, ds, { keepModel: true });
    const dir = path.join(tmp, 'ckpt-2');
    await train({ ...config, epochs: 2 }, ds, { checkpointDir: dir });
    const resumed = await train({ ...config, epochs: 4 }, ds, { checkpointDir: dir, resume: true, keepModel: true });
    const a = full.model!.vae.store.named();
    const b = resumed.model!.vae.store.named();
    let d = 0;
    for (const k of Object.keys(a)) d = Math.max(d, tf.max(tf.abs(tf.sub(a[k], b[k]))).dataSync()[0]);
    expect(d).toBeLessThan(1e-5);
    full.model!.dispose();
    resumed.model!.dispose();
  });

  it('saves weights that load on the cpu backend and encode the same', async () => {
    const x = tf.tensor4d(
      Float32Array.from(ds.pixels.subarray(0, 2 * 1024), (v) => v / 255),
      [2, 16, 16, 4],
    );
    const onWasm = await loadModel(path.join(tmp, 'ckpt'));
    const muWasm = onWasm.encode(x).mu.dataSync();
    const xs = x.dataSync().slice();
    onWasm.dispose();
    x.dispose();
    await tf.setBackend('cpu');
    try {
      const onCpu = await loadModel(path.join(tmp, 'ckpt'));
      const muCpu = onCpu.encode(tf.tensor4d(xs, [2, 16, 16, 4])).mu.dataSync();
      for (let i = 0; i < muCpu.length; i++) expect(Math.abs(muCpu[i] - muWasm[i])).toBeLessThan(1e-4);
      onCpu.dispose();
    } finally {
      await tf.setBackend('wasm');
    }
  });

  it('trains every likelihood and the IWAE objective with finite numbers', async () => {
    for (const extra of [
      { likelihood: 'gaussian-fixed' as const },
      { likelihood: 'gaussian-calibrated' as const },
      { likelihood: 'gaussian-learned' as const },
      { likelihood: 'bernoulli' as const, iwaeK: 3, warmupSteps: 4, freeBits: 0.1 },
    ]) {
      const losses: number[] = [];
      const betas: number[] = [];
      const result = await train({ ...config, epochs: 1, valIwaeK: 10, ...extra }, ds, {
        onProgress: (e) => {
          if (e.type === 'step') {
            losses.push(e.loss, e.recon, e.kl, e.elbo, e.bitsPerDim);
            betas.push(e.beta);
          }
        },
        keepModel: true,
      });
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(result.history[0].val!.iwae!.k).toBe(10);
      if (extra.warmupSteps) expect(betas).toEqual([0, 0.25, 0.5, 0.75]);
      const sample = result.model!.decode(tf.zeros([2, 8]) as tf.Tensor2D, { sampleNoise: true, seed: 1 });
      const mean = result.model!.decode(tf.zeros([2, 8]) as tf.Tensor2D);
      expect(sample.shape).toEqual([2, 16, 16, 4]);
      expect(tf.max(tf.abs(tf.sub(sample, mean))).dataSync()[0]).toBeGreaterThan(0);
      tf.dispose([sample, mean]);
      result.model!.dispose();
    }
  });

  it.each(['hvae', 'conv'] as const)('takes the same training step as the cpu backend at sizes 24 and 48 (odd 3x3 feature maps): %s', async (architecture) => {
    const stepOn = async (backend: string, size: number, channels: number) => {
      await tf.setBackend(backend);
      // Narrow layers: what this checks is the kernels on odd maps, not width, and at the default
      // widths the cpu backend's steps take most of the test's time budget on a loaded machine.
      const convFilters = [8, 16, 16, 16].slice(0, convDepth(size));
      const vae = new Vae(resolveModelConfig({ height: size, width: size, channels, latentDim: 6, architecture, convFilters }), 3);
      const adam = new Adam({ learningRate: 1e-3 });
      const rng = new Rng(size);
      const pixels = Float32Array.from({ length: 2 * size * size * channels }, () => rng.uniform());
      const noise = rng.normals(2 * vae.noiseDim);
      const first = trainStep(vae, adam, pixels, [2, size, size, channels], noise, { k: 1, beta: 1, freeBits: 0 }).loss;
      const second = trainStep(vae, adam, pixels, [2, size, size, channels], noise, { k: 1, beta: 1, freeBits: 0 }).loss;
      vae.dispose();
      adam.dispose();
      return [first, second];
    };
    try {
      for (const [size, channels] of [
        [24, 3],
        [48, 1],
      ]) {
        const cpu = await stepOn('cpu', size, channels);
        const wasm = await stepOn('wasm', size, channels);
        // The second loss depends on the first step's gradients and Adam update.
        for (let i = 0; i < 2; i++) expect(Math.abs(wasm[i] - cpu[i]) / Math.abs(cpu[i])).toBeLessThan(1e-4);
      }
    } finally {
      await tf.setBackend('wasm');
    }
  });
});
