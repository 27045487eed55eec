/**
 * The conditional VAE's label input (vae-theory.md section 6): y, one of C labels, enters as a
 * one-hot row [N, C] times a learned embedding [C, E]; each network adds e W (its own [E, units]
 * kernel) to the pre-activation of its first dense layer, which is the same as concatenating e
 * to that layer's input. Rows that are not one-hot (a blend of two labels) give the blend of the
 * embeddings: that is how a path between two labels at a fixed z is decoded.
 */
import * as tf from '@tensorflow/tfjs';
import { AtlasError } from '../errors';
import { glorotUniform, type ParamStore } from './params';
import type { Rng } from './rng';

/** Size of the label embedding e. */
export const LABEL_EMBEDDING_DIM = 16;

/** e = y Emb for label weights y [N, C]: the embedding every conditioned network reads. */
export function labelEmbedding(store: ParamStore, rng: Rng, labelCount: number): (y: tf.Tensor2D) => tf.Tensor2D {
  // Unit-variance rows: distinct labels start with clearly different embeddings.
  const values = rng.normals(labelCount * LABEL_EMBEDDING_DIM);
  const table = store.add('label/embedding', [labelCount, LABEL_EMBEDDING_DIM], values);
  return (y) => tf.matMul(y, table as tf.Tensor2D);
}

/** A network's label input: e [N, E] -> e W [N, units], added to its first dense layer's pre-activation. */
export function labelInput(store: ParamStore, rng: Rng, name: string, units: number): (e: tf.Tensor2D) => tf.Tensor2D {
  const w = store.add(`${name}/kernel`, [LABEL_EMBEDDING_DIM, units], glorotUniform(rng, LABEL_EMBEDDING_DIM * units, LABEL_EMBEDDING_DIM, units));
  return (e) => tf.matMul(e, w as tf.Tensor2D);
}

/** Index of a label name in the model's vocabulary; an unknown name is an error naming it and the known ones. */
export function labelIndex(vocabulary: readonly string[], name: string): number {
  if (vocabulary.length === 0)
    throw new AtlasError('invalid_input', `This model was trained without labels, so it cannot generate the label "${name}". Train with the conditional option to generate by label.`, { label: name });
  const i = vocabulary.indexOf(name);
  if (i < 0) throw new AtlasError('invalid_input', `Unknown label "${name}": the model knows ${vocabulary.map((l) => `"${l}"`).join(', ')}.`, { label: name, known: [...vocabulary] });
  return i;
}

/** One-hot rows [N * C] for label indices. */
export function oneHotRows(indices: ArrayLike<number>, labelCount: number): Float32Array {
  const out = new Float32Array(indices.length * labelCount);
  for (let n = 0; n < indices.length; n++) {
    const i = indices[n];
    if (!Number.isInteger(i) || i < 0 || i >= labelCount) throw new AtlasError('internal', `Label index ${i} is outside the vocabulary of ${labelCount}.`);
    out[n * labelCount + i] = 1;
  }
  return out;
}

/** Rows blending label a into label b: (1 - t) onehot(a) + t onehot(b) for each t. */
export function blendedRows(a: number, b: number, ts: readonly number[], labelCount: number): Float32Array {
  const out = new Float32Array(ts.length * labelCount);
  ts.forEach((t, n) => {
    out[n * labelCount + a] += 1 - t;
    out[n * labelCount + b] += t;
  });
  return out;
}
