import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../../src/data/store';
import { fromDataset } from '../../../src/train/data';
import { evaluate } from '../../../src/train/evaluate';
import type { TrainEvent } from '../../../src/train/events';
import { train } from '../../../src/train/train';
import { makeShapesDataset } from './fixtures';

let tmp: string;
let ds: Dataset;

beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'atlas-real-'));
  ds = await makeShapesDataset(path.join(tmp, 'data'), { count: 200, size: 16, channels: 4, seed: 4 });
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

function pairedMeanAndSe(a: Float32Array, b: Float32Array): { mean: number; se: number } {
  const n = a.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += b[i] - a[i];
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (b[i] - a[i] - m) ** 2;
  return { mean: m, se: Math.sqrt(v / (n - 1) / n) };
}

describe('training on rendered images (cpu, MLP)', () => {
  it('reduces the loss, and on the trained model L_1 <= L_5 <= L_50 within Monte Carlo error', async () => {
    const steps: number[] = [];
    const epochs: TrainEvent[] = [];
    const result = await train(
      { architecture: 'mlp', hiddenUnits: [128], latentDim: 8, likelihood: 'bernoulli', batchSize: 32, epochs: 6, learningRate: 2e-3, seed: 2, progressEverySteps: 1, warmupSteps: 20 },
      ds,
      { keepModel: true, onProgress: (e) => (e.type === 'step' ? steps.push(e.loss) : e.type === 'epoch' && epochs.push(e)) },
    );
    const firstEpochs = steps.slice(0, 5).reduce((a, b) => a + b) / 5;
    const lastEpochs = steps.slice(-5).reduce((a, b) => a + b) / 5;
    expect(lastEpochs).toBeLessThan(0.8 * firstEpochs);
    const val = epochs.map((e) => (e.type === 'epoch' ? e.val!.elbo : NaN));
    expect(val.at(-1)!).toBeGreaterThan(val[0]);

    const model = result.model!;
    const source = fromDataset(ds);
    const L = [];
    for (const k of [1, 5, 50]) L.push(await evaluate(model.vae, source, { iwaeK: k, seed: 100 + k }));
    model.dispose();
    const [l1, l5, l50] = L.map((r) => r.perImage.logLikelihood!);
    const d15 = pairedMeanAndSe(l1, l5);
    const d550 = pairedMeanAndSe(l5, l50);
    expect(d15.mean).toBeGreaterThan(-3 * d15.se);
    expect(d550.mean).toBeGreaterThan(-3 * d550.se);
    // The bound tightens strictly on a model whose posterior is not exact.
    expect(pairedMeanAndSe(l1, l50).mean).toBeGreaterThan(0);
    // With k = 1 the IWAE estimate is an unbiased estimate of the ELBO.
    expect(Math.abs(L[0].iwae!.logLikelihood - L[0].elbo)).toBeLessThan(4 * pairedMeanAndSe(L[0].perImage.elbo, l1).se + 1e-3);
    // Reported numbers are consistent: ELBO = -(recon + KL), bits/dim = -ELBO / (D ln 2), sum of per-dim KL = KL.
    const r = L[2];
    expect(r.elbo).toBeCloseTo(-(r.recon + r.kl), 6);
    expect(r.bitsPerDim).toBeCloseTo(-r.elbo / (16 * 16 * 4 * Math.LN2), 9);
    expect(r.klPerDim.reduce((a, b) => a + b)).toBeCloseTo(r.kl, 4);
    expect(r.activeUnits).toBeGreaterThan(0);
    expect(r.perImage.reconError.length).toBe(40);
  });

  it('trains with the IWAE objective (k = 5) and with free bits', async () => {
    for (const extra of [{ iwaeK: 5 }, { freeBits: 0.25 }]) {
      const steps: number[] = [];
      await train(
        { architecture: 'mlp', hiddenUnits: [64], latentDim: 4, likelihood: 'bernoulli', batchSize: 32, epochs: 3, learningRate: 2e-3, seed: 2, progressEverySteps: 1, previewCount: 0, ...extra },
        ds,
        { onProgress: (e) => e.type === 'step' && steps.push(e.loss) },
      );
      expect(steps.slice(-3).reduce((a, b) => a + b)).toBeLessThan(steps.slice(0, 3).reduce((a, b) => a + b));
    }
  });
});
