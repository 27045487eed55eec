import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/backend/choose';

beforeAll(async () => {
  await initBackend({ force: 'wasm' });
});

/** Soft blobs at varying places, 16x16x4: learnable structure, not noise. */
function blobImages(count: number, size = 16, channels = 4): tf.Tensor4D {
  const data = new Float32Array(count * size * size * channels);
  for (let n = 0; n < count; n++) {
    const cy = 3 + ((n * 5) % (size - 6));
    const cx = 3 + ((n * 7) % (size - 6));
    const r = 2 + (n % 3);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const v = Math.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * r * r));
        for (let c = 0; c < channels; c++) data[((n * size + y) * size + x) * channels + c] = c === 3 ? 1 : v * (0.4 + 0.2 * c);
      }
    }
  }
  return tf.tensor4d(data, [count, size, size, channels]);
}

function convAutoencoder(): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [16, 16, 4], filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }));
  m.add(tf.layers.conv2d({ filters: 16, kernelSize: 4, strides: 2, padding: 'same', activation: 'relu' }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 16, activation: 'relu' }));
  m.add(tf.layers.dense({ units: 4 * 4 * 16, activation: 'relu' }));
  m.add(tf.layers.reshape({ targetShape: [4, 4, 16] }));
  m.add(tf.layers.conv2dTranspose({ filters: 8, kernelSize: 4, strides: 2, padding: 'same', activation: 'relu' }));
  m.add(tf.layers.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'sigmoid' }));
  m.compile({ optimizer: tf.train.adam(3e-3), loss: 'meanSquaredError' });
  return m;
}

describe('training a conv autoencoder on wasm', () => {
  it('reduces the reconstruction loss within a few dozen steps, without leaking tensors', async () => {
    const x = blobImages(32);
    const model = convAutoencoder();
    const losses: number[] = [];
    let tensorsAfterFirst = 0;
    for (let step = 0; step < 40; step++) {
      const loss = (await model.trainOnBatch(x, x)) as number;
      losses.push(loss);
      if (step === 1) tensorsAfterFirst = tf.memory().numTensors;
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1]).toBeLessThan(0.6 * losses[0]);
    expect(tf.memory().numTensors).toBe(tensorsAfterFirst);
    model.dispose();
    x.dispose();
  });

  it('trains raw variables with tf.train.adam through conv2d, conv2dTranspose and dense', () => {
    const x = blobImages(16);
    const v = (shape: number[], scale: number) => tf.variable(tf.randomNormal(shape, 0, scale, 'float32', 3));
    const k1 = v([4, 4, 4, 16], 0.2); // 16 -> 8
    const w = v([8 * 8 * 16, 32], 0.02);
    const w2 = v([32, 8 * 8 * 16], 0.05);
    const k2 = v([4, 4, 4, 16], 0.1); // conv2dTranspose 8 -> 16, [kh, kw, out, in]
    const opt = tf.train.adam(3e-3);
    const lossFn = () =>
      tf.tidy(() => {
        const h = tf.relu(tf.conv2d(x, k1 as tf.Tensor4D, 2, 'same'));
        const z = tf.relu(tf.matMul(tf.reshape(h, [16, 8 * 8 * 16]), w as tf.Tensor2D));
        const g = tf.reshape(tf.matMul(z, w2 as tf.Tensor2D), [16, 8, 8, 16]) as tf.Tensor4D;
        const y = tf.sigmoid(tf.conv2dTranspose(g, k2 as tf.Tensor4D, [16, 16, 16, 4], 2, 'same'));
        return tf.mean(tf.square(tf.sub(y, x))) as tf.Scalar;
      });
    const losses: number[] = [];
    for (let step = 0; step < 30; step++) {
      const l = opt.minimize(lossFn, true) as tf.Scalar;
      losses.push(l.dataSync()[0]);
      l.dispose();
    }
    expect(losses[losses.length - 1]).toBeLessThan(0.6 * losses[0]);
    tf.dispose([x, k1, w, w2, k2]);
    opt.dispose();
  });
});
