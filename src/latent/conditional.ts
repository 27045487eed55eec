/**
 * Generating by label with a conditional model (vae-theory.md section 6): which label weights y
 * each decoded latent gets, "same z, other label" (an image's z = mu(x, y_own) decoded with every
 * label) and a path from one label to another at a fixed z. An unconditional model takes no label.
 */
import { AtlasError } from '../errors';
import { blendedRows, labelIndex, oneHotRows } from '../model/labels';
import type { LoadedModel } from '../model/load';
import { modelLabelRows } from '../train/labels';
import type { Dataset } from '../data/store';

/** Each dataset image's row in the model's vocabulary, or null for an unconditional model. */
export function datasetLabelRows(model: LoadedModel, dataset: Pick<Dataset, 'index'>): Int32Array | null {
  const { items } = dataset.index;
  return modelLabelRows({ count: items.length, labelOf: (i) => items[i].label }, model.config.labels);
}

/**
 * The label of `count` decoded latents: `label` when given; else, for latents made from a dataset
 * image, that image's own label. Undefined for an unconditional model (which refuses a label).
 */
export function labelWeights(model: LoadedModel, count: number, label: string | undefined, fromImage?: { dataset: Pick<Dataset, 'index'>; index: number }): Float32Array | undefined {
  const vocabulary = model.config.labels;
  if (vocabulary.length === 0) {
    if (label !== undefined) labelIndex(vocabulary, label); // throws: the model was trained without labels
    return undefined;
  }
  let row: number;
  if (label !== undefined) row = labelIndex(vocabulary, label);
  else if (fromImage) row = datasetLabelRows(model, fromImage.dataset)![fromImage.index];
  else throw new AtlasError('invalid_input', `This model generates by label: choose one of ${vocabulary.map((l) => `"${l}"`).join(', ')}.`, { known: [...vocabulary] });
  return oneHotRows(new Array<number>(count).fill(row), vocabulary.length);
}

/**
 * Label weights along a path of (W - 1)(frames - 1) + 1 frames through W waypoints: `label` for
 * every frame when given; else each image waypoint's own label, blended linearly within each
 * segment (a path between two classes changes class on the way). Undefined when unconditional.
 */
export function pathLabelWeights(
  model: LoadedModel,
  dataset: Pick<Dataset, 'index'>,
  waypoints: ({ index: number } | { z: number[] })[],
  frames: number,
  label: string | undefined,
): Float32Array | undefined {
  const count = (waypoints.length - 1) * (frames - 1) + 1;
  const C = model.config.labels.length;
  if (C === 0 || label !== undefined) return labelWeights(model, count, label);
  const rows = datasetLabelRows(model, dataset)!;
  const own = waypoints.map((p, w) => {
    if ('index' in p) return rows[p.index];
    throw new AtlasError(
      'invalid_input',
      `Waypoint ${w + 1} is a latent vector, which has no label; choose the label to decode the path with (one of ${model.config.labels.map((l) => `"${l}"`).join(', ')}).`,
    );
  });
  const out = new Float32Array(count * C);
  for (let f = 0; f < count; f++) {
    const seg = Math.min(waypoints.length - 2, Math.floor(f / (frames - 1)));
    const t = f / (frames - 1) - seg;
    out.set(blendedRows(own[seg], own[seg + 1], [t], C), f * C);
  }
  return out;
}

/** Labels to draw an image as ("same z, other label"): the given ones (checked) or the whole vocabulary. */
export function relabelTargets(model: LoadedModel, labels: string[] | undefined): number[] {
  const vocabulary = model.config.labels;
  if (vocabulary.length === 0) throw new AtlasError('invalid_input', 'This model was trained without labels, so it cannot redraw an image as another label. Train with the conditional option first.');
  return labels ? labels.map((l) => labelIndex(vocabulary, l)) : vocabulary.map((_, i) => i);
}

/** Label weights for `frames` steps from label a to label b (both ends included). */
export function labelBlendWeights(model: LoadedModel, from: string, to: string, frames: number): { weights: Float32Array; t: number[] } {
  const vocabulary = model.config.labels;
  const a = labelIndex(vocabulary, from);
  const b = labelIndex(vocabulary, to);
  const t = Array.from({ length: frames }, (_, i) => i / (frames - 1));
  return { weights: blendedRows(a, b, t, vocabulary.length), t };
}
