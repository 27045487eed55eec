import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveModelConfig, type LikelihoodKind } from '../../../src/model/config';
import { Rng } from '../../../src/model/rng';
import { Vae } from '../../../src/model/vae';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * Central finite differences of the training loss against the autodiff gradient, for a few
 * entries of every parameter: the objective's gradients (through the reparameterised sample,
 * the likelihood, KL and log-sum-exp) are what training relies on.
 */
function checkGradients(likelihood: LikelihoodKind, k: number, freeBits = 0): number {
  const vae = new Vae(resolveModelConfig({ height: 3, width: 3, channels: 2, architecture: 'mlp', hiddenUnits: [5], latentDim: 2, likelihood, gaussianMean: 'linear', gaussianSigma: 0.7 }), 7);
  const rng = new Rng(3);
  const x = tf.tensor4d(
    Float32Array.from({ length: 4 * 18 }, () => rng.uniform()),
    [4, 3, 3, 2],
  );
  const eps = tf.tensor3d(rng.normals(k * 4 * 2), [k, 4, 2]);
  const lossOf = () => {
    const t = vae.objective(x, eps, { beta: 0.7, freeBits, mode: 'eval' });
    const v = t.loss.dataSync()[0];
    tf.dispose(Object.values(t));
    return v;
  };
  const params = vae.store.trainable();
  const { grads, value } = tf.variableGrads(
    () => {
      const t = vae.objective(x, eps, { beta: 0.7, freeBits, mode: 'eval' });
      return t.loss;
    },
    params.map((p) => p.variable),
  );
  let worst = 0;
  const h = 1e-2;
  for (const { variable } of params) {
    const g = grads[variable.name].dataSync();
    const base = variable.dataSync().slice();
    for (const i of [0, Math.floor(base.length / 2), base.length - 1]) {
      const plus = base.slice();
      plus[i] += h;
      variable.assign(tf.tensor(plus, variable.shape));
      const lp = lossOf();
      const minus = base.slice();
      minus[i] -= h;
      variable.assign(tf.tensor(minus, variable.shape));
      const lm = lossOf();
      variable.assign(tf.tensor(base, variable.shape));
      const fd = (lp - lm) / (2 * h);
      worst = Math.max(worst, Math.abs(fd - g[i]) / Math.max(1, Math.abs(g[i])));
    }
  }
  tf.dispose([x, eps, value, ...Object.values(grads)]);
  vae.dispose();
  return worst;
}

describe('gradients of the objective match finite differences', () => {
  it('Bernoulli ELBO with beta', () => expect(checkGradients('bernoulli', 1)).toBeLessThan(2e-2));
  it('Bernoulli ELBO with free bits', () => expect(checkGradients('bernoulli', 1, 0.05)).toBeLessThan(2e-2));
  it('IWAE bound with k = 3', () => expect(checkGradients('bernoulli', 3)).toBeLessThan(2e-2));
  it('Gaussian with a learned per-channel sigma', () => expect(checkGradients('gaussian-learned', 1)).toBeLessThan(2e-2));
  it('Gaussian with a fixed sigma', () => expect(checkGradients('gaussian-fixed', 2)).toBeLessThan(2e-2));
});
