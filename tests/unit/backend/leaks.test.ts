import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/backend/choose';

// Our kernels allocate scratch buffers on the wasm heap that tf.memory() never sees, so we
// also count the backend's data ids: both must stay flat across repeated calls.
beforeAll(async () => {
  await initBackend({ force: 'wasm' });
});

function counts() {
  return { tensors: tf.memory().numTensors, dataIds: tf.engine().backend.numDataIds() };
}

function expectFlat(run: () => void) {
  run(); // first call may create cached state
  const before = counts();
  for (let i = 0; i < 5; i++) run();
  expect(counts()).toEqual(before);
}

describe('wasm training kernels do not leak', () => {
  it('conv gradients (both filter paths, both input paths)', () => {
    const x = tf.randomNormal([3, 9, 9, 4]) as tf.Tensor4D;
    const x16 = tf.randomNormal([3, 9, 9, 16]) as tf.Tensor4D;
    const f = tf.randomNormal([4, 4, 4, 8]) as tf.Tensor4D;
    const f16 = tf.randomNormal([3, 3, 16, 8]) as tf.Tensor4D;
    const lossOf = (_input: tf.Tensor4D, _filter: tf.Tensor4D, stride: number) =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf
          .conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, 'same')
          .square()
          .sum(),
      );
    expectFlat(() => {
      for (const [input, filter, stride] of [
        [x, f, 2],
        [x16, f16, 1],
        [x16, f16, 2],
      ] as const) {
        const grads = lossOf(input, filter, stride)([input, filter]);
        grads.forEach((g) => g.dataSync());
        tf.dispose(grads);
      }
    });
    tf.dispose([x, x16, f, f16]);
  });

  it('conv2dTranspose forward and backward', () => {
    const h = tf.randomNormal([3, 5, 5, 8]) as tf.Tensor4D;
    const k = tf.randomNormal([4, 4, 4, 8]) as tf.Tensor4D;
    expectFlat(() => {
      const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf
          .conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, [3, 10, 10, 4], 2, 'same')
          .square()
          .sum(),
      )([h, k]);
      tf.dispose(grads);
    });
    tf.dispose([h, k]);
  });

  it('matmul with transposes and batches', () => {
    const a = tf.randomNormal([4, 6, 5]);
    const b = tf.randomNormal([4, 5, 7]);
    const w = tf.randomNormal([5, 7]);
    expectFlat(() => {
      tf.tidy(() => {
        tf.matMul(a, b).dataSync();
        tf.matMul(a, b.transpose([0, 2, 1]), false, true).dataSync();
        tf.matMul(a.transpose([0, 2, 1]), b, true, false).dataSync();
        tf.matMul(a, w).dataSync();
        tf.matMul(a.reshape([24, 5]), w.transpose(), false, true).dataSync();
      });
    });
    tf.dispose([a, b, w]);
  });
});
