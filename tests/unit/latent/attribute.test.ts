import { describe, expect, it } from 'vitest';
import { applyAttribute, attributeVector, meanOfMeans, strengthSteps } from '../../../src/latent/attribute';
import { Rng } from '../../../src/model/rng';

describe('attribute vectors', () => {
  // Four images in J = 3: rows of mu.
  const mu = Float32Array.from([1, 2, 3, 3, 2, 1, -1, 0, 5, 7, -4, 0.5]);

  it('averages the posterior means of a selection (mean of means)', () => {
    expect(Array.from(meanOfMeans(mu, 3, 4, [0, 1]))).toEqual([2, 2, 2]);
    expect(Array.from(meanOfMeans(mu, 3, 4, [2]))).toEqual([-1, 0, 5]);
    // Repeating an image weighs it twice, as the arithmetic mean must.
    expect(Array.from(meanOfMeans(mu, 3, 4, [0, 0, 3]))).toEqual([3, 0, (3 + 3 + 0.5) / 3]);
  });

  it('is the difference of the two selections’ means, with its norm', () => {
    const v = attributeVector(mu, 3, 4, [0, 1], [2, 3]);
    // mean(A) = (2, 2, 2); mean(B) = (3, -2, 2.75).
    expect(v.vector).toEqual([-1, 4, -0.75]);
    expect(v.norm).toBeCloseTo(Math.sqrt(1 + 16 + 0.5625), 12);
    expect(v.positiveMean).toEqual([2, 2, 2]);
    expect(v.negativeMean).toEqual([3, -2, 2.75]);
    // Swapping the selections flips the direction.
    expect(attributeVector(mu, 3, 4, [2, 3], [0, 1]).vector).toEqual([1, -4, 0.75]);
    // The same selection on both sides gives no direction at all.
    expect(attributeVector(mu, 3, 4, [1, 3], [3, 1]).vector).toEqual([0, 0, 0]);
  });

  it('moves the mean by exactly s times the vector: 0 keeps the image, 1 adds the vector', () => {
    const rng = new Rng(5);
    const J = 16;
    const count = 50;
    const many = rng.normals(count * J);
    const a = Array.from({ length: 20 }, (_, k) => k);
    const b = Array.from({ length: 20 }, (_, k) => 25 + k);
    const { vector } = attributeVector(many, J, count, a, b);
    const base = Array.from(many.subarray(40 * J, 41 * J));
    const strengths = strengthSteps(1, 5);
    expect(strengths).toEqual([0, 0.25, 0.5, 0.75, 1]);
    const z = applyAttribute(base, vector, strengths);
    expect(z[0]).toEqual(base);
    z[4].forEach((v, j) => expect(v - base[j]).toBeCloseTo(vector[j], 12));
    // Applying the vector to an image in B at strength 1 brings B's mean onto A's mean.
    const movedMean = new Array(J).fill(0);
    for (const i of b) applyAttribute(Array.from(many.subarray(i * J, (i + 1) * J)), vector, [1])[0].forEach((v, j) => (movedMean[j] += v / b.length));
    const meanA = meanOfMeans(many, J, count, a);
    movedMean.forEach((v, j) => expect(v).toBeCloseTo(meanA[j], 5));
    // Negative strengths remove the attribute: the steps go from 0 down to -2.
    expect(strengthSteps(-2, 3)).toEqual([0, -1, -2]);
  });

  it('refuses an empty selection, an image outside the dataset and a vector of another size, saying which', () => {
    expect(() => attributeVector(mu, 3, 4, [], [1])).toThrow(/with the attribute is empty/);
    expect(() => attributeVector(mu, 3, 4, [0], [])).toThrow(/without the attribute is empty/);
    expect(() => attributeVector(mu, 3, 4, [0], [4])).toThrow(/names image 4, but the dataset has 4 images/);
    expect(() => applyAttribute([0, 0], [1, 2, 3], [1])).toThrow(/3 values but the latent point has 2/);
    expect(() => strengthSteps(1, 1)).toThrow(/at least 2 frames/);
  });
});
