import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { nearestRows } from '../../../src/latent/neighbours';
import { Rng } from '../../../src/model/rng';

describe('exact nearest neighbours', () => {
  it('matches brute force across chunk boundaries, skipping excluded rows, without leaking tensors', async () => {
    await tf.setBackend('cpu');
    const rng = new Rng(21);
    const dim = 4000; // large rows force several chunks of 2000
    const count = 4500;
    const data = rng.normals(count * dim);
    const queries = Float32Array.from(data.subarray(17 * dim, 20 * dim));
    queries[0] += 0.01;
    const before = tf.memory().numTensors;
    const found = await nearestRows(
      queries,
      3,
      dim,
      count,
      (a, b) => data.subarray(a * dim, b * dim),
      5,
      (q, i) => q === 1 && i === 18,
    );
    expect(tf.memory().numTensors).toBe(before);
    for (let q = 0; q < 3; q++) {
      const brute = Array.from({ length: count }, (_, i) => {
        let d = 0;
        for (let j = 0; j < dim; j++) d += (queries[q * dim + j] - data[i * dim + j]) ** 2;
        return { i, d: Math.sqrt(d) };
      })
        .filter((e) => !(q === 1 && e.i === 18))
        .sort((a, b) => a.d - b.d)
        .slice(0, 5);
      expect(found[q].indices).toEqual(brute.map((e) => e.i));
      found[q].distances.forEach((d, k) => expect(d).toBeCloseTo(brute[k].d, 1));
    }
    expect(found[0].indices[0]).toBe(17);
    expect(found[1].indices).not.toContain(18);
  });
});
