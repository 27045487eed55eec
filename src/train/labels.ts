/**
 * Labels for conditional training (vae-theory.md section 6): which datasets may train a
 * conditional model, the vocabulary it learns, and each image's row in it.
 */
import * as tf from '@tensorflow/tfjs';
import { AtlasError } from '../errors';
import { labelIndex, oneHotRows } from '../model/labels';
import type { ImageSource } from './data';

/** Fewest training images a label needs before a conditional model may learn it. */
export const MIN_IMAGES_PER_LABEL = 8;

/**
 * The vocabulary a conditional model learns from `source`'s training images (names sorted), or a
 * refusal that says what is wrong with the dataset and what to do about it.
 */
export function conditionalVocabulary(source: ImageSource, trainIdx: readonly number[]): string[] {
  const how = 'Put each class of images in its own subfolder and import the folder again, or train without the conditional option.';
  if (!source.labelOf) throw new AtlasError('invalid_input', `Conditional training needs labelled images, and this dataset has no labels. ${how}`);
  const counts = new Map<string, number>();
  const unlabelled: number[] = [];
  for (const i of trainIdx) {
    const l = source.labelOf(i);
    if (l === null) unlabelled.push(i);
    else counts.set(l, (counts.get(l) ?? 0) + 1);
  }
  if (counts.size < 2) {
    const has = counts.size === 0 ? 'no labels' : `only one label ("${[...counts.keys()][0]}")`;
    throw new AtlasError('invalid_input', `Conditional training needs at least two labels; this dataset's training images have ${has}. ${how}`, { labels: [...counts.keys()] });
  }
  if (unlabelled.length > 0)
    throw new AtlasError(
      'invalid_input',
      `Conditional training needs a label for every image; ${unlabelled.length} training image${unlabelled.length === 1 ? ' has' : 's have'} none (they sit at the top of the imported folder, not in a subfolder). Move them into a subfolder named for their class and import again.`,
      { unlabelled: unlabelled.length },
    );
  const names = [...counts.keys()].sort();
  const small = names.filter((l) => counts.get(l)! < MIN_IMAGES_PER_LABEL);
  if (small.length > 0) {
    const list = small.map((l) => `"${l}" has ${counts.get(l)}`).join(', ');
    throw new AtlasError(
      'invalid_input',
      `Conditional training needs at least ${MIN_IMAGES_PER_LABEL} training images per label: ${list}. Add images to ${small.length === 1 ? 'that label' : 'those labels'} or move ${small.length === 1 ? 'it' : 'them'} out of the folder, then import again.`,
      { labels: Object.fromEntries(small.map((l) => [l, counts.get(l)!])) },
    );
  }
  return names;
}

/**
 * Each image's row in the model's vocabulary (null for an unconditional model). An image whose
 * label the model does not know, or that has none, is an error naming it.
 */
export function modelLabelRows(source: Pick<ImageSource, 'count' | 'labelOf'>, vocabulary: readonly string[]): Int32Array | null {
  if (vocabulary.length === 0) return null;
  const rows = new Int32Array(source.count);
  const seen = new Map<string, number>();
  for (let i = 0; i < source.count; i++) {
    const l = source.labelOf?.(i) ?? null;
    if (l === null) throw new AtlasError('invalid_input', `Image ${i} has no label, but the model is conditional on labels (${vocabulary.join(', ')}); use a labelled dataset.`, { index: i });
    let r = seen.get(l);
    if (r === undefined) {
      r = labelIndex(vocabulary, l);
      seen.set(l, r);
    }
    rows[i] = r;
  }
  return rows;
}

/** One-hot label weights [indices.length, C] of the chosen images, or undefined when unconditional. */
export function labelTensor(rows: Int32Array | null, indices: ArrayLike<number>, labelCount: number): tf.Tensor2D | undefined {
  if (!rows) return undefined;
  const picked = Array.from(indices, (i) => rows[i]);
  return tf.tensor2d(oneHotRows(picked, labelCount), [picked.length, labelCount]);
}
