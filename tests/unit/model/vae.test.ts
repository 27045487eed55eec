import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveModelConfig, type ModelConfig } from '../../../src/model/config';
import { CALIBRATED_VAR, updateCalibration } from '../../../src/model/likelihood';
import { Rng } from '../../../src/model/rng';
import { Vae } from '../../../src/model/vae';
import { wrapModel } from '../../../src/model/load';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function randomImages(rng: Rng, n: number, h: number, c: number): tf.Tensor4D {
  const v = new Float32Array(n * h * h * c);
  for (let i = 0; i < v.length; i++) v[i] = rng.uniform();
  return tf.tensor4d(v, [n, h, h, c]);
}

const mlp = (over: Partial<ModelConfig> = {}): ModelConfig => resolveModelConfig({ height: 6, width: 6, channels: 1, architecture: 'mlp', hiddenUnits: [32], latentDim: 4, ...over });

describe('conv encoder and decoder', () => {
  for (const size of [16, 24, 32, 48, 64]) {
    for (const channels of [1, 3, 4]) {
      it(`map ${size}x${size}x${channels} images to J-dim posteriors and back to the same shape`, () => {
        const vae = new Vae(resolveModelConfig({ height: size, width: size, channels, latentDim: 3 }), 1);
        const shapes = tf.tidy(() => {
          const { mu, logvar } = vae.encode(tf.zeros([2, size, size, channels]));
          return [mu.shape, logvar.shape, vae.decodeMean(mu).shape];
        });
        expect(shapes).toEqual([
          [2, 3],
          [2, 3],
          [2, size, size, channels],
        ]);
        vae.dispose();
      });
    }
  }

  it('rejects sizes and latent sizes the conv model cannot take, with a message that says what to do', () => {
    expect(() => resolveModelConfig({ height: 20, width: 20, channels: 3 })).toThrow(/16\/24\/32\/48\/64/);
    expect(() => resolveModelConfig({ height: 32, width: 32, channels: 3, latentDim: 65 })).toThrow(/2 to 64/);
  });

  it('initialises identically from the same seed and differently from another', () => {
    const cfg = mlp();
    const [a, b, c] = [new Vae(cfg, 9), new Vae(cfg, 9), new Vae(cfg, 10)];
    const w = (v: Vae) => Array.from(v.store.get('encoder/dense0/kernel').dataSync());
    expect(w(a)).toEqual(w(b));
    expect(w(a)).not.toEqual(w(c));
    [a, b, c].forEach((v) => v.dispose());
  });
});

describe('objective', () => {
  it('calibrated decoder: s^2 = batch MSE minimises the Gaussian NLL over s; a step uses the running s^2 of the batches before it', () => {
    const vae = new Vae(mlp({ likelihood: 'gaussian-calibrated' }), 2);
    const rng = new Rng(4);
    const x = randomImages(rng, 8, 6, 1);
    const out = tf.tidy(() => vae.decodeRaw(tf.tensor2d(rng.normals(8 * 4), [8, 4])));
    const mean = vae.likelihood.mean(out);
    const mse = tf.mean(tf.square(tf.sub(x, mean))).dataSync()[0];
    // The likelihood alone, before any batch was folded in, uses the initial s (gaussianSigma 0.1);
    // a training step never sees it: calibrateBeforeFirstStep (src/train/step.ts) sets the running
    // s^2 from the first batch (tests/unit/train/calibration-step.test.ts).
    const first = vae.likelihood.nll(x, out, 'train');
    expect(Math.sqrt(first.sigma2!.dataSync()[0])).toBeCloseTo(Math.sqrt(mse), 6);
    const D = 36;
    let sq0 = 0;
    const xv0 = x.dataSync();
    const mv0 = mean.dataSync();
    for (let i = 0; i < xv0.length; i++) sq0 += (xv0[i] - mv0[i]) ** 2;
    expect(tf.mean(first.perImage).dataSync()[0]).toBeCloseTo((sq0 / (2 * 0.01) + xv0.length * Math.log(Math.sqrt(2 * Math.PI) * 0.1)) / 8, 2);
    // The stored s^2 (used for evaluation and the next steps) starts at the first batch's value.
    updateCalibration(vae.store, first.sigma2!);
    expect(vae.store.get(CALIBRATED_VAR).dataSync()[0]).toBeCloseTo(mse, 6);
    const { perImage, sigma2 } = vae.likelihood.nll(x, out, 'train');
    // At s^2 = MSE the mean NLL is D/2 (1 + log(2 pi MSE)).
    const meanNll = tf.mean(perImage).dataSync()[0];
    expect(meanNll).toBeCloseTo((D / 2) * (1 + Math.log(2 * Math.PI * mse)), 3);
    // Any other s gives a larger NLL.
    const nllAt = (s: number) => {
      let sq = 0;
      const xv = x.dataSync();
      const mv = mean.dataSync();
      for (let i = 0; i < xv.length; i++) sq += (xv[i] - mv[i]) ** 2;
      return (sq / (2 * s * s) + xv.length * Math.log(Math.sqrt(2 * Math.PI) * s)) / 8;
    };
    const s = Math.sqrt(mse);
    expect(nllAt(s * 1.05)).toBeGreaterThan(meanNll);
    expect(nllAt(s * 0.95)).toBeGreaterThan(meanNll);
    tf.dispose([x, out, mean, perImage, sigma2!, first.perImage, first.sigma2!]);
    vae.dispose();
  });

  it('IWAE with k = 1 is exactly the single-sample ELBO log p(x|z) + log p(z) - log q(z|x)', () => {
    const vae = new Vae(mlp(), 3);
    const rng = new Rng(5);
    const x = randomImages(rng, 5, 6, 1);
    const eps = tf.tensor3d(rng.normals(5 * 4), [1, 5, 4]);
    const t = vae.objective(x, eps, { beta: 1, freeBits: 0, mode: 'eval' });
    const { mu, logvar } = vae.encode(x);
    const lw = vae.logWeights(x, mu, logvar, eps);
    expect(t.iwae.dataSync()[0]).toBeCloseTo(tf.mean(lw).dataSync()[0], 4);
    tf.dispose([x, eps, mu, logvar, lw, ...Object.values(t)]);
    vae.dispose();
  });

  it('IWAE with k = 1 averages to the ELBO (analytic KL) over many noise draws', () => {
    const vae = new Vae(mlp(), 3);
    const rng = new Rng(6);
    const x = randomImages(rng, 4, 6, 1);
    const n = 4000;
    const eps = tf.tensor3d(rng.normals(n * 4 * 4), [n, 4, 4]);
    const { mu, logvar } = vae.encode(x);
    const lw = vae.logWeights(x, mu, logvar, eps).dataSync(); // [n, 4] k=1 bounds, n draws
    const t = vae.objective(x, tf.tensor3d(rng.normals(16), [1, 4, 4]), { beta: 1, freeBits: 0, mode: 'eval' });
    const kl = t.kl.dataSync()[0];
    // ELBO = E[log p(x|z)] - KL; estimate E[log p(x|z)] with the same n draws.
    const xk = tf.reshape(tf.tile(tf.expandDims(x, 0), [n, 1, 1, 1, 1]), [n * 4, 6, 6, 1]) as tf.Tensor4D;
    const z = tf.reshape(tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, 0.5)), eps)), [n * 4, 4]) as tf.Tensor2D;
    const nll = vae.likelihood.nll(xk, vae.decodeRaw(z), 'eval').perImage.dataSync();
    let mLw = 0;
    let mRec = 0;
    for (let i = 0; i < lw.length; i++) {
      mLw += lw[i];
      mRec -= nll[i];
    }
    mLw /= lw.length;
    mRec /= lw.length;
    let v = 0;
    for (let i = 0; i < lw.length; i++) v += (lw[i] - mLw) ** 2;
    const se = Math.sqrt(v / (lw.length - 1) / lw.length);
    expect(Math.abs(mLw - (mRec - kl))).toBeLessThan(4 * se + 1e-3);
    vae.dispose();
  });

  it('IWAE bound L_k is at least the mean of the k single-sample bounds (Jensen) for the same draws', () => {
    const vae = new Vae(mlp(), 3);
    const rng = new Rng(8);
    const x = randomImages(rng, 3, 6, 1);
    const eps = tf.tensor3d(rng.normals(10 * 3 * 4), [10, 3, 4]);
    const t = vae.objective(x, eps, { beta: 1, freeBits: 0, mode: 'eval' });
    const { mu, logvar } = vae.encode(x);
    const lw = vae.logWeights(x, mu, logvar, eps);
    expect(t.iwae.dataSync()[0]).toBeGreaterThanOrEqual(tf.mean(lw).dataSync()[0]);
    vae.dispose();
  });

  it.each(['hvae', 'conv'] as const)('does not leak tensors (%s)', (architecture) => {
    const vae = new Vae(resolveModelConfig({ height: 16, width: 16, channels: 3, latentDim: 4, architecture }), 1);
    const x = tf.zeros([2, 16, 16, 3]) as tf.Tensor4D;
    const eps = tf.zeros([2, 2, vae.noiseDim]) as tf.Tensor3D;
    const before = tf.memory().numTensors;
    const t = vae.objective(x, eps, { beta: 1, freeBits: 0.1, mode: 'train' });
    tf.dispose([t.loss, t.recon, t.kl, t.elbo, t.iwae, t.klPerDim, ...t.klLayers.filter((l) => l !== t.kl), ...(t.sigma2 ? [t.sigma2] : [])]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, eps]);
    vae.dispose();
  });

  it("decodes to the mean image, or with sampleNoise adds pixel noise of the likelihood's sigma", () => {
    const vae = new Vae(mlp({ likelihood: 'gaussian-fixed', gaussianSigma: 0.2, height: 16, width: 16 }), 1);
    const model = wrapModel(vae, { schemaVersion: 1, modelConfig: vae.config, step: 0, epoch: 0, datasetHash: '' });
    const z = tf.zeros([50, 4]) as tf.Tensor2D;
    const mean = model.decode(z);
    const sample = model.decode(z, { sampleNoise: true, seed: 4 });
    const again = model.decode(z, { sampleNoise: true, seed: 4 });
    const d = tf.sub(sample, mean);
    const std = tf.sqrt(tf.mean(tf.square(d))).dataSync()[0];
    expect(std).toBeGreaterThan(0.19);
    expect(std).toBeLessThan(0.21);
    expect(Array.from(again.dataSync())).toEqual(Array.from(sample.dataSync()));
    tf.dispose([z, mean, sample, again, d]);
    model.dispose();
  });
});
