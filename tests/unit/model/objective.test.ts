import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { betaAt, gaussianKlPerDim, klTerm, logMeanExp, logPosteriorFromEps, logStdNormal, reparameterize } from '../../../src/model/objective';
import { bernoulliNll, gaussianNll } from '../../../src/model/likelihood';
import { Rng } from '../../../src/model/rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('closed-form KL', () => {
  it('matches a Monte Carlo estimate of E_q[log q(z|x) - log p(z)]', () => {
    const mu = [0.7, -1.2, 0.1, 2.0];
    const logvar = [-1.5, 0.3, 0.0, -3.0];
    const J = mu.length;
    const closed = tf.tidy(() => gaussianKlPerDim(tf.tensor2d([mu]), tf.tensor2d([logvar])).dataSync());
    // Direct formula in doubles.
    mu.forEach((m, j) => expect(closed[j]).toBeCloseTo(0.5 * (m * m + Math.exp(logvar[j]) - logvar[j] - 1), 5));
    const n = 200_000;
    const eps = new Rng(7).normals(n * J);
    const samples = tf.tidy(() => {
      const e = tf.tensor2d(eps, [n, J]);
      const lv = tf.tensor2d([logvar]);
      const z = reparameterize(tf.tensor2d([mu]), lv, e);
      return tf.sub(logPosteriorFromEps(lv, e), logStdNormal(z)).dataSync();
    });
    let mean = 0;
    for (const s of samples) mean += s;
    mean /= n;
    let v = 0;
    for (const s of samples) v += (s - mean) ** 2;
    const se = Math.sqrt(v / (n - 1) / n);
    const total = Array.from(closed).reduce((a, b) => a + b, 0);
    expect(Math.abs(mean - total)).toBeLessThan(4 * se);
  });

  it('is zero exactly when q equals the prior', () => {
    const kl = tf.tidy(() => gaussianKlPerDim(tf.zeros([3, 5]), tf.zeros([3, 5])).dataSync());
    for (const v of kl) expect(v).toBe(0);
  });

  it("free bits clamp each dimension's batch-mean KL below at lambda", () => {
    const term = tf.tidy(
      () =>
        klTerm(
          tf.tensor2d([
            [0.1, 2.0],
            [0.3, 4.0],
          ]),
          0.5,
        ).dataSync()[0],
    );
    expect(term).toBeCloseTo(0.5 + 3.0, 6);
    const plain = tf.tidy(
      () =>
        klTerm(
          tf.tensor2d([
            [0.1, 2.0],
            [0.3, 4.0],
          ]),
          0,
        ).dataSync()[0],
    );
    expect(plain).toBeCloseTo(0.2 + 3.0, 6);
  });

  it('beta ramps linearly from 0 to its target over the warm-up', () => {
    expect(betaAt(0, 2, 100)).toBe(0);
    expect(betaAt(50, 2, 100)).toBeCloseTo(1, 12);
    expect(betaAt(100, 2, 100)).toBe(2);
    expect(betaAt(1000, 2, 100)).toBe(2);
    expect(betaAt(0, 2, 0)).toBe(2);
  });
});

describe('likelihoods', () => {
  it('Bernoulli NLL equals -[x log p + (1-x) log(1-p)] summed per image', () => {
    const rng = new Rng(3);
    const n = 2;
    const d = 12;
    const x = Array.from({ length: n * d }, () => rng.uniform());
    const l = Array.from({ length: n * d }, () => 8 * rng.uniform() - 4);
    const got = tf.tidy(() => bernoulliNll(tf.tensor4d(x, [n, 2, 2, 3]), tf.tensor4d(l, [n, 2, 2, 3])).dataSync());
    for (let i = 0; i < n; i++) {
      let want = 0;
      for (let k = i * d; k < (i + 1) * d; k++) {
        const p = 1 / (1 + Math.exp(-l[k]));
        want -= x[k] * Math.log(p) + (1 - x[k]) * Math.log(1 - p);
      }
      expect(got[i]).toBeCloseTo(want, 4);
    }
  });

  it('Bernoulli NLL stays finite and exact for extreme logits', () => {
    const got = tf.tidy(() => bernoulliNll(tf.tensor2d([[1, 0, 1, 0]]), tf.tensor2d([[-80, 80, 80, -80]])).dataSync());
    // -log sigmoid(-80) = 80 + log(1 + e^-80) ~ 80, twice; the two confident-and-right pixels cost ~0.
    expect(got[0]).toBeCloseTo(160, 3);
  });

  it('Gaussian NLL equals sum (x-m)^2/(2 s^2) + D log(sqrt(2 pi) s)', () => {
    const rng = new Rng(5);
    const D = 10;
    const x = Array.from({ length: D }, () => rng.uniform());
    const m = Array.from({ length: D }, () => rng.uniform());
    for (const s of [0.05, 0.3, 2]) {
      const got = tf.tidy(() => gaussianNll(tf.tensor2d([x]), tf.tensor2d([m]), s).dataSync()[0]);
      let sq = 0;
      for (let i = 0; i < D; i++) sq += (x[i] - m[i]) ** 2;
      const want = sq / (2 * s * s) + D * Math.log(Math.sqrt(2 * Math.PI) * s);
      expect(Math.abs(got - want) / Math.abs(want)).toBeLessThan(1e-5);
    }
  });

  it("Gaussian NLL with one sigma per channel applies each channel's sigma", () => {
    const x = tf.tensor4d([0.2, 0.9, 0.4, 0.1], [1, 1, 2, 2]);
    const m = tf.tensor4d([0.5, 0.5, 0.5, 0.5], [1, 1, 2, 2]);
    const got = gaussianNll(x, m, tf.tensor1d([0.1, 0.4])).dataSync()[0];
    const term = (xv: number, s: number) => (xv - 0.5) ** 2 / (2 * s * s) + Math.log(Math.sqrt(2 * Math.PI) * s);
    expect(got).toBeCloseTo(term(0.2, 0.1) + term(0.9, 0.4) + term(0.4, 0.1) + term(0.1, 0.4), 4);
  });

  it('log-mean-exp is stable for large log-weights', () => {
    const got = tf.tidy(() =>
      logMeanExp(
        tf.tensor2d([
          [1000, -1000],
          [1000, -1001],
        ]),
        0,
      ).dataSync(),
    );
    expect(got[0]).toBeCloseTo(1000, 4);
    // float32 spacing near 1000 is 6e-5
    expect(got[1]).toBeCloseTo(-1000 + Math.log((1 + Math.exp(-1)) / 2), 3);
  });
});
