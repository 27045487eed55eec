import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../src/model/rng';
import { fromFloatArray } from '../../../src/train/data';
import { evaluate } from '../../../src/train/evaluate';
import { train } from '../../../src/train/train';

/**
 * Probabilistic PCA: z ~ N(0, I_J), x = W z + b + s * noise, so x ~ N(b, W W^T + s^2 I) and
 * log p(x) has a closed form. A linear VAE (linear encoder, linear Gaussian decoder) can make
 * the ELBO tight on it, so after training its ELBO and IWAE estimate must match the exact
 * log-likelihood of held-out data.
 */
const D = 8;
const J = 2;
const S = 0.5;
const N_TRAIN = 2000;
const N_VAL = 500;

function makePpca(seed: number) {
  const rng = new Rng(seed);
  const W = Array.from({ length: D }, () => Array.from(rng.normals(J), (v) => 1.5 * v));
  const b = Array.from(rng.normals(D), (v) => 0.5 * v);
  const data = new Float32Array((N_TRAIN + N_VAL) * D);
  for (let n = 0; n < N_TRAIN + N_VAL; n++) {
    const z = rng.normals(J);
    const e = rng.normals(D);
    for (let d = 0; d < D; d++) data[n * D + d] = W[d][0] * z[0] + W[d][1] * z[1] + b[d] + S * e[d];
  }
  return { W, b, data };
}

/** Mean exact log N(x; b, W W^T + s^2 I) over rows start..end, via Cholesky in double precision. */
function exactLogLikelihood(W: number[][], b: number[], data: Float32Array, start: number, end: number): number {
  const C = Array.from({ length: D }, (_, i) => Array.from({ length: D }, (_, j) => W[i][0] * W[j][0] + W[i][1] * W[j][1] + (i === j ? S * S : 0)));
  const L = Array.from({ length: D }, () => new Array<number>(D).fill(0));
  for (let i = 0; i < D; i++)
    for (let j = 0; j <= i; j++) {
      let sum = C[i][j];
      for (let k = 0; k < j; k++) sum -= L[i][k] * L[j][k];
      L[i][j] = i === j ? Math.sqrt(sum) : sum / L[j][j];
    }
  let logDet = 0;
  for (let i = 0; i < D; i++) logDet += 2 * Math.log(L[i][i]);
  let total = 0;
  for (let n = start; n < end; n++) {
    // Solve L y = x - b; the Mahalanobis term is |y|^2.
    const y = new Array<number>(D);
    let q = 0;
    for (let i = 0; i < D; i++) {
      let v = data[n * D + i] - b[i];
      for (let k = 0; k < i; k++) v -= L[i][k] * y[k];
      y[i] = v / L[i][i];
      q += y[i] * y[i];
    }
    total += -0.5 * (D * Math.log(2 * Math.PI) + logDet + q);
  }
  return total / (end - start);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('linear-Gaussian check (probabilistic PCA)', () => {
  const { W, b, data } = makePpca(21);
  const splits = [...new Array(N_TRAIN).fill('train'), ...new Array(N_VAL).fill('val')] as ('train' | 'val')[];
  const source = fromFloatArray({ data, height: 1, width: D, channels: 1, splits, datasetHash: 'ppca-21' });
  const exact = exactLogLikelihood(W, b, data, N_TRAIN, N_TRAIN + N_VAL);

  for (const likelihood of ['gaussian-learned', 'gaussian-fixed', 'gaussian-calibrated'] as const) {
    it(`a linear VAE with ${{ 'gaussian-learned': 'learned', 'gaussian-fixed': 'fixed (true)', 'gaussian-calibrated': 'calibrated (closed-form)' }[likelihood]} noise reaches ELBO and IWAE within 1% of the exact log-likelihood`, async () => {
      const base = {
        architecture: 'mlp',
        hiddenUnits: [] as number[],
        latentDim: J,
        likelihood,
        gaussianMean: 'linear',
        gaussianSigma: likelihood === 'gaussian-fixed' ? S : 1,
        batchSize: 100,
        seed: 3,
        previewCount: 0,
        valMaxImages: 1,
      } as const;
      // A fast phase, then resume the same run with a smaller step to settle Adam's noise.
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'atlas-ppca-'));
      await train({ ...base, epochs: 150, learningRate: 0.05 }, source, { checkpointDir: dir });
      const result = await train({ ...base, epochs: 250, learningRate: 0.003 }, source, { checkpointDir: dir, resume: true, keepModel: true });
      await fs.rm(dir, { recursive: true, force: true });
      const model = result.model!;
      const ev = await evaluate(model.vae, source, { split: 'val', iwaeK: 200, elboSamples: 10, batchSize: 250, seed: 5 });
      model.dispose();
      const rel = (v: number) => Math.abs(v - exact) / Math.abs(exact);
      // The bounds hold in expectation: ELBO <= L_200 <= log p(x) up to Monte Carlo and fitting error.
      expect(rel(ev.elbo)).toBeLessThan(0.01);
      expect(rel(ev.iwae!.logLikelihood)).toBeLessThan(0.01);
      expect(ev.iwae!.logLikelihood).toBeGreaterThanOrEqual(ev.elbo - 3 * ev.iwae!.stdError);
      expect(ev.activeUnits).toBe(J);
      console.log(JSON.stringify({ likelihood, exact, elbo: ev.elbo, iwae: ev.iwae!.logLikelihood }));
    });
  }
});
