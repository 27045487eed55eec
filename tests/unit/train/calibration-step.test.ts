/**
 * The calibrated Gaussian decoder (vae-theory.md section 7): s^2 = the batch's MSE. Its first
 * training step must use that batch's s^2 too, not the config's initial s (gaussianSigma 0.1),
 * which would weigh the first reconstruction gradient by 1 / 0.01 instead of 1 / MSE.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveModelConfig } from '../../../src/model/config';
import { CALIBRATED_VAR } from '../../../src/model/likelihood';
import { Rng } from '../../../src/model/rng';
import { Vae } from '../../../src/model/vae';
import { Adam } from '../../../src/train/adam';
import { trainStep } from '../../../src/train/step';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const H = 6;
const D = H * H;
const cfg = resolveModelConfig({ height: H, width: H, channels: 1, architecture: 'mlp', hiddenUnits: [16], latentDim: 3, likelihood: 'gaussian-calibrated', gaussianMean: 'linear' });

describe('calibrated decoder: the first training step', () => {
  it("uses the batch's own s^2 = MSE: its reconstruction term is D/2 (1 + log(2 pi MSE)) per image", () => {
    const rng = new Rng(11);
    const rows = 8;
    const pixels = Float32Array.from({ length: rows * D }, () => rng.uniform());
    const noise = rng.normals(rows * 3);
    const vae = new Vae(cfg, 4);
    expect(vae.store.get(CALIBRATED_VAR).dataSync()[0]).toBeLessThan(0); // not calibrated yet
    // The batch's MSE at the same z the step will sample (same weights, same noise).
    const mse = tf.tidy(() => vae.objective(tf.tensor4d(pixels, [rows, H, H, 1]), tf.tensor3d(noise, [1, rows, 3]), { beta: 1, freeBits: 0, mode: 'train' }).sigma2!.dataSync()[0]);
    expect(mse).toBeGreaterThan(0.05); // far from the initial s^2 = 0.01, so the two cannot be confused
    const adam = new Adam({ learningRate: 1e-3 });
    const numbers = trainStep(vae, adam, pixels, [rows, H, H, 1], noise, { k: 1, beta: 1, freeBits: 0 });
    // The NLL at the optimal s: sum (x - g)^2 / (2 MSE) + D log(sqrt(2 pi MSE)) = D/2 (1 + log(2 pi MSE)).
    expect(numbers.recon).toBeCloseTo((D / 2) * (1 + Math.log(2 * Math.PI * mse)), 3);
    // The running s^2 starts at this batch's value.
    expect(vae.store.get(CALIBRATED_VAR).dataSync()[0]).toBeCloseTo(mse, 6);
    vae.dispose();
    adam.dispose();
  });

  it('a step after the first uses the running s^2 of the batches before it, not its own', () => {
    const rng = new Rng(12);
    const rows = 8;
    const vae = new Vae(cfg, 5);
    const adam = new Adam({ learningRate: 1e-3 });
    const first = Float32Array.from({ length: rows * D }, () => rng.uniform());
    trainStep(vae, adam, first, [rows, H, H, 1], rng.normals(rows * 3), { k: 1, beta: 1, freeBits: 0 });
    const running = vae.store.get(CALIBRATED_VAR).dataSync()[0];
    // A much darker batch: its own MSE differs from the running s^2.
    const second = first.map((v) => v * 0.2);
    const noise = rng.normals(rows * 3);
    const sq = tf.tidy(() => {
      const t = vae.objective(tf.tensor4d(second, [rows, H, H, 1]), tf.tensor3d(noise, [1, rows, 3]), { beta: 1, freeBits: 0, mode: 'train' });
      return t.sigma2!.dataSync()[0] * D;
    });
    const numbers = trainStep(vae, adam, second, [rows, H, H, 1], noise, { k: 1, beta: 1, freeBits: 0 });
    expect(numbers.recon).toBeCloseTo(sq / (2 * running) + (D / 2) * Math.log(2 * Math.PI * running), 3);
    vae.dispose();
    adam.dispose();
  });
});
