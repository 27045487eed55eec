import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/backend/choose';
import { randomValues, relativeMaxDiff } from '../../unit/backend/helpers';

/**
 * A small conv net using every op family the VAE trains through: stride-2 and stride-1 convs
 * (3x3, 4x4, 5x5; 'same' and 'valid'), a transposed conv, a dense layer on flattened features.
 */
const PARAM_SHAPES: Record<string, number[]> = {
  k1: [3, 3, 3, 8], // 10x10x3 -> 5x5x8, s2 same
  k2: [4, 4, 8, 12], // 5x5x8 -> 5x5x12, s1 same
  k3: [5, 5, 4, 12], // conv2dTranspose filter [kh, kw, out, in]: 5x5x12 -> 10x10x4, s2 same
  k4: [3, 3, 4, 6], // 10x10x4 -> 8x8x6, s1 valid
  w: [8 * 8 * 6, 5],
};

function loss(p: Record<string, tf.Tensor>, x: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    let h = tf.tanh(tf.conv2d(x, p.k1 as tf.Tensor4D, 2, 'same'));
    h = tf.tanh(tf.conv2d(h, p.k2 as tf.Tensor4D, 1, 'same'));
    h = tf.tanh(tf.conv2dTranspose(h, p.k3 as tf.Tensor4D, [x.shape[0], 10, 10, 4], 2, 'same'));
    h = tf.tanh(tf.conv2d(h, p.k4 as tf.Tensor4D, 1, 'valid'));
    const y = tf.matMul(tf.reshape(h, [x.shape[0], 8 * 8 * 6]), p.w as tf.Tensor2D);
    return tf.sum(tf.square(tf.sub(y, 0.3)));
  });
}

function setup() {
  const names = Object.keys(PARAM_SHAPES);
  const values = Object.fromEntries(
    names.map((n, i) => [
      n,
      randomValues(
        PARAM_SHAPES[n].reduce((a, b) => a * b),
        100 + i,
      ).map((v) => v * 0.4),
    ]),
  );
  const xValues = randomValues(2 * 10 * 10 * 3, 7);
  return { names, values, xValues };
}

/** Loss and its gradient for every parameter, on the current backend, as plain arrays. */
function lossAndGrads(values: Record<string, Float32Array>, xValues: Float32Array) {
  const names = Object.keys(PARAM_SHAPES);
  const x = tf.tensor4d(xValues, [2, 10, 10, 3]);
  const params = names.map((n) => tf.tensor(values[n], PARAM_SHAPES[n]));
  const f = tf.valueAndGrads((...ps: tf.Tensor[]) => loss(Object.fromEntries(names.map((n, i) => [n, ps[i]])), x));
  const { value, grads } = f(params);
  const out = {
    loss: value.dataSync()[0],
    grads: Object.fromEntries(names.map((n, i) => [n, grads[i].dataSync() as Float32Array])),
  };
  tf.dispose([x, value, ...params, ...grads]);
  return out;
}

function lossOnly(values: Record<string, Float32Array>, xValues: Float32Array): number {
  const x = tf.tensor4d(xValues, [2, 10, 10, 3]);
  const params = Object.fromEntries(Object.keys(PARAM_SHAPES).map((n) => [n, tf.tensor(values[n], PARAM_SHAPES[n])]));
  const l = loss(params, x);
  const v = l.dataSync()[0];
  tf.dispose([x, l, ...Object.values(params)]);
  return v;
}

describe('conv net gradients on wasm', () => {
  it('match central finite differences of the loss', async () => {
    await initBackend({ force: 'wasm' });
    const { names, values, xValues } = setup();
    const { grads } = lossAndGrads(values, xValues);
    const h = 1e-2;
    let worst = 0;
    for (const [pi, name] of names.entries()) {
      const v = values[name];
      for (let probe = 0; probe < 6; probe++) {
        const idx = (probe * 7919 + pi * 104729) % v.length;
        const saved = v[idx];
        v[idx] = saved + h;
        const up = lossOnly(values, xValues);
        v[idx] = saved - h;
        const down = lossOnly(values, xValues);
        v[idx] = saved;
        const numeric = (up - down) / (2 * h);
        const analytic = grads[name][idx];
        const err = Math.abs(numeric - analytic) / Math.max(0.05, Math.abs(numeric), Math.abs(analytic));
        worst = Math.max(worst, err);
      }
    }
    expect(worst).toBeLessThan(2e-2);
  });

  it('match the cpu backend to float32 precision', async () => {
    const { names, values, xValues } = setup();
    await initBackend({ force: 'wasm' });
    const wasm = lossAndGrads(values, xValues);
    await initBackend({ force: 'cpu' });
    const cpu = lossAndGrads(values, xValues);
    await initBackend({ force: 'wasm' });
    expect(Math.abs(wasm.loss - cpu.loss) / Math.abs(cpu.loss)).toBeLessThan(1e-5);
    for (const name of names) expect(relativeMaxDiff(wasm.grads[name], cpu.grads[name])).toBeLessThan(1e-4);
  });
});
