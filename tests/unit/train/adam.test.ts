import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Adam } from '../../../src/train/adam';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('Adam', () => {
  it('takes the same steps as tf.train.adam', () => {
    const target = tf.tensor1d([1, -2, 3]);
    const ours = tf.variable(tf.tensor1d([0.5, 0.5, 0.5]));
    const theirs = tf.variable(tf.tensor1d([0.5, 0.5, 0.5]));
    const adam = new Adam({ learningRate: 0.05 });
    const ref = tf.train.adam(0.05);
    for (let i = 0; i < 50; i++) {
      const { grads } = tf.variableGrads(() => tf.sum(tf.square(tf.sub(ours, target))) as tf.Scalar, [ours]);
      adam.apply([{ name: 'p', variable: ours }], { p: grads[ours.name] });
      tf.dispose(grads);
      ref.minimize(() => tf.sum(tf.square(tf.sub(theirs, target))) as tf.Scalar, false, [theirs]);
    }
    const a = ours.dataSync();
    const b = theirs.dataSync();
    // tf.train.adam keeps b^t in float32 accumulators; ours computes it in double: ~1e-5 apart after 50 steps.
    for (let i = 0; i < 3; i++) expect(a[i]).toBeCloseTo(b[i], 4);
    expect(adam.iterations).toBe(50);
  });

  it('restored from its saved state continues exactly as if never interrupted', () => {
    const run = (split: number | null) => {
      const p = tf.variable(tf.tensor1d([0.3, -0.7]));
      let adam = new Adam({ learningRate: 0.1 });
      for (let i = 0; i < 20; i++) {
        if (i === split) {
          const saved = Object.fromEntries(Object.entries(adam.state()).map(([k, v]) => [k, v.clone()]));
          const it = adam.iterations;
          adam.dispose();
          adam = new Adam({ learningRate: 0.1 });
          adam.setState(it, saved);
        }
        const g = tf.tidy(() => tf.mul(tf.sin(tf.mul(p, 3)), 2));
        adam.apply([{ name: 'p', variable: p }], { p: g });
        g.dispose();
      }
      const out = Array.from(p.dataSync());
      p.dispose();
      adam.dispose();
      return out;
    };
    expect(run(7)).toEqual(run(null));
  });
});
