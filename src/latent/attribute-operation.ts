/**
 * latent.attribute and its export: make the attribute vector of two selections, apply it to
 * an image at strengths 0..s, decode the strip and place it in the 3D view.
 */
import type { z } from 'zod';
import type { attributeSpecSchema } from '../contract';
import { finishWithDatasetPalette, type FinishedImages } from '../export/pixel-art';
import { applyAttribute, attributeVector, strengthSteps, type AttributeVector } from './attribute';
import { labelWeights } from './conditional';
import { decodeImages } from './images';
import type { Vector } from './interpolate';
import { pathLowerOffsets, resolvePoint, type Generated } from './operations';
import { projectPoints } from './projection';
import { latentSession, projectionOf, type SessionOptions } from './session';

export type AttributeSpec = z.output<typeof attributeSpecSchema>;

export interface AttributeResult extends Generated, AttributeVector {
  strengths: number[];
  positiveCount: number;
  negativeCount: number;
}

export async function applyAttributeVector(spec: AttributeSpec, opts: SessionOptions = {}): Promise<AttributeResult> {
  const s = await latentSession(spec.runDir, spec.dataset, opts);
  const { mu, latentDim: J, count } = s.latents;
  const made = attributeVector(mu, J, count, spec.positive, spec.negative);
  const strengths = strengthSteps(spec.strength, spec.frames);
  const z: Vector[] = applyAttribute(resolvePoint(s, spec.base), made.vector, strengths);
  // Hierarchy: every frame keeps the image's own detail (its z2 offset from the prior), so
  // strength 0 is exactly its reconstruction and only the global z moves.
  const lowerOffsets = await pathLowerOffsets(s, [spec.base, spec.base], spec.frames);
  // Conditional model: the strip is decoded as the chosen label, by default the base image's own
  // (a vector base has none: refused with the labels to choose from). The z path is the same for
  // every label: only the decoder's label input changes.
  const labels = labelWeights(s.run.model, z.length, spec.label, 'index' in spec.base ? { dataset: s.dataset, index: spec.base.index } : undefined);
  const images = await decodeImages(s.run.model, z, { lowerOffsets, labels });
  const finished: { finished?: FinishedImages } = spec.finish ? { finished: await finishWithDatasetPalette(s.dataset, images, spec.finish) } : {};
  return {
    ...made,
    strengths,
    positiveCount: spec.positive.length,
    negativeCount: spec.negative.length,
    z,
    images,
    points: projectPoints(projectionOf(s, spec.axes), z.flat(), z.length),
    ...finished,
  };
}
