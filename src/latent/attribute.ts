/**
 * Attribute vectors: the direction from one selection of images to another in latent space,
 * v = mean_{i in A} mu(x_i) - mean_{i in B} mu(x_i) (e.g. "with shield" minus "without"), and
 * its application to an image, z(s) = mu(x) + s v. Pure math on the posterior means; the
 * decoding lives in attribute-operation.ts.
 */
import { AtlasError } from '../errors';

/** Mean of the posterior means of `indices` (rows of `mu`, J values per row, `count` rows). */
export function meanOfMeans(mu: Float32Array, J: number, count: number, indices: readonly number[], what = 'The selection'): Float64Array {
  if (indices.length === 0) throw new AtlasError('invalid_input', `${what} is empty: select at least one image.`);
  const sum = new Float64Array(J);
  for (const i of indices) {
    if (!Number.isInteger(i) || i < 0 || i >= count)
      throw new AtlasError('invalid_input', `${what} names image ${i}, but the dataset has ${count} images (0 to ${count - 1}). Select the images again.`);
    for (let j = 0; j < J; j++) sum[j] += mu[i * J + j];
  }
  for (let j = 0; j < J; j++) sum[j] /= indices.length;
  return sum;
}

export interface AttributeVector {
  /** v = mean(A) - mean(B), length J. */
  vector: number[];
  /** ||v||: how far apart the two selections' centres are. */
  norm: number;
  positiveMean: number[];
  negativeMean: number[];
}

/** The attribute vector from selection B (without) to selection A (with). */
export function attributeVector(mu: Float32Array, J: number, count: number, positive: readonly number[], negative: readonly number[]): AttributeVector {
  const a = meanOfMeans(mu, J, count, positive, 'The selection with the attribute');
  const b = meanOfMeans(mu, J, count, negative, 'The selection without the attribute');
  const vector = Array.from(a, (v, j) => v - b[j]);
  return { vector, norm: Math.hypot(...vector), positiveMean: Array.from(a), negativeMean: Array.from(b) };
}

/** `frames` strengths evenly from 0 (the image itself) to `strength`, both included. */
export function strengthSteps(strength: number, frames: number): number[] {
  if (!Number.isInteger(frames) || frames < 2) throw new AtlasError('invalid_input', `An attribute strip needs at least 2 frames (got ${frames}).`);
  return Array.from({ length: frames }, (_, f) => (strength * f) / (frames - 1) + 0); // + 0: no -0 at the start
}

/** z(s) = base + s v for each strength s. */
export function applyAttribute(base: readonly number[], vector: readonly number[], strengths: readonly number[]): number[][] {
  if (base.length !== vector.length)
    throw new AtlasError('invalid_input', `The attribute vector has ${vector.length} values but the latent point has ${base.length}: make the vector again with this model.`);
  return strengths.map((s) => base.map((b, j) => b + s * vector[j]));
}
