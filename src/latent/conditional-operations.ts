/**
 * The conditional model's own generation tools (vae-theory.md section 6), shared by the engine
 * channels and the CLI: "same z, other label" and a path from one label to another at a fixed z.
 */
import type { z } from 'zod';
import type { labelPathSpecSchema, relabelSpecSchema } from '../contract';
import { labelBlendWeights, relabelTargets } from './conditional';
import { decodeImages, type DecodedImages } from './images';
import { resolvePoint } from './operations';
import { latentSession, type SessionOptions } from './session';
import type { Vector } from './interpolate';

export type RelabelSpec = z.output<typeof relabelSpecSchema>;
export type LabelPathSpec = z.output<typeof labelPathSpecSchema>;

export interface Relabelled {
  labels: string[];
  ownLabels: string[];
  z: Vector[];
  /** Row-major: one row per label, one column per image. */
  images: DecodedImages;
}

/**
 * Each image's z = mu(x, y_own) (the map's point, inferred with its own label) decoded with every
 * target label: the label changes, what z carries (pose, shape, placement) stays.
 */
export async function relabel(spec: RelabelSpec, opts: SessionOptions = {}): Promise<Relabelled> {
  const s = await latentSession(spec.runDir, spec.dataset, opts);
  const model = s.run.model;
  const targets = relabelTargets(model, spec.labels);
  const vocabulary = model.config.labels;
  const C = vocabulary.length;
  const z = spec.images.map((p) => resolvePoint(s, p));
  const ownLabels = spec.images.map((p) => s.dataset.index.items[p.index].label ?? '');
  const rows: Vector[] = [];
  const weights = new Float32Array(targets.length * z.length * C);
  targets.forEach((label, r) =>
    z.forEach((v, c) => {
      rows.push(v);
      weights[(r * z.length + c) * C + label] = 1;
    }),
  );
  const images = await decodeImages(model, rows, { labels: weights, lowerTemperature: spec.detail, seed: spec.seed });
  return { labels: targets.map((i) => vocabulary[i]), ownLabels, z, images };
}

/** One z decoded with the label embedding blended from `from` to `to` over `frames` frames. */
export async function labelPath(spec: LabelPathSpec, opts: SessionOptions = {}): Promise<{ z: Vector; t: number[]; images: DecodedImages }> {
  const s = await latentSession(spec.runDir, spec.dataset, opts);
  const model = s.run.model;
  const { weights, t } = labelBlendWeights(model, spec.from, spec.to, spec.frames);
  const z = resolvePoint(s, spec.at);
  const images = await decodeImages(
    model,
    t.map(() => z),
    { labels: weights, lowerTemperature: spec.detail, seed: spec.seed },
  );
  return { z, t, images };
}
