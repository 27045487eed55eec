/**
 * The latent tools as operations on a run and its dataset, shared by the engine channels,
 * the export channel and the CLI: each returns latent vectors and their decoded images.
 */
import type { z } from 'zod';
import type { interpolateSpecSchema, latentPointSchema, NearestTraining, sampleSpecSchema, traverseSpecSchema } from '../contract';
import * as tf from '@tensorflow/tfjs';
import { AtlasError, cancelPoint } from '../errors';
import { oneHotRows } from '../model/labels';
import { finishWithDatasetPalette, type FinishedImages } from '../export/pixel-art';
import { datasetLabelRows, labelWeights, pathLabelWeights } from './conditional';
import { samplePosterior, samplePrior, sweepValues, traversal } from './generate';
import { decodeImages, type DecodedImages } from './images';
import { checkGeodesicSize, geodesicPath, imageSpaceLength, pathThrough, type Vector } from './interpolate';
import { drawFitted, fittedPrior } from './fitted-prior';
import { nearestRows } from './neighbours';
import { projectPoints } from './projection';
import { latentSession, projectionOf, type LatentSession, type SessionOptions } from './session';

export type InterpolateSpec = z.output<typeof interpolateSpecSchema>;
export type SampleSpec = z.output<typeof sampleSpecSchema>;
export type TraverseSpec = z.output<typeof traverseSpecSchema>;
export type LatentPoint = z.output<typeof latentPointSchema>;

export interface Generated {
  z: Vector[];
  images: DecodedImages;
  /** frames x 3 under the dataset's projection. */
  points: Float32Array;
  /** The images after pixel-art finishing, when the spec asked for it. */
  finished?: FinishedImages;
}

/** Pixel-art finishing of decoded images when the spec has `finish` (the raw images stay as they are). */
async function finished(s: LatentSession, images: DecodedImages, spec: { finish?: InterpolateSpec['finish'] }, signal?: AbortSignal): Promise<{ finished?: FinishedImages }> {
  await cancelPoint(signal);
  return spec.finish ? { finished: await finishWithDatasetPalette(s.dataset, images, spec.finish) } : {};
}

export function resolvePoint(s: LatentSession, p: LatentPoint): Vector {
  const { latents } = s;
  const J = latents.latentDim;
  if ('index' in p) {
    if (p.index >= latents.count) throw new AtlasError('invalid_input', `Image ${p.index} is out of range: the dataset has ${latents.count} images.`);
    return Array.from(latents.mu.subarray(p.index * J, (p.index + 1) * J));
  }
  if (p.z.length !== J) throw new AtlasError('invalid_input', `A latent vector has ${p.z.length} values but the model's latent size is ${J}.`);
  return p.z.slice();
}

/** A decode that a cancel can end between batches, reporting its progress as the 'decoding' stage. */
function decodeWork(opts: SessionOptions): { signal?: AbortSignal; onBatch?: (done: number, total: number) => void } {
  return { signal: opts.signal, onBatch: opts.onStage ? (done, total) => opts.onStage?.('decoding', done, total) : undefined };
}

function project(s: LatentSession, axes: [number, number, number] | null, z: Vector[]): Float32Array {
  return projectPoints(projectionOf(s, axes), z.flat(), z.length);
}

export interface InterpolateResult extends Generated {
  length: number;
  linearLength: number;
  geodesic?: { iterations: number; energyStart: number; energyEnd: number; converged: boolean; improved: boolean };
}

export async function interpolate(spec: InterpolateSpec, opts: SessionOptions & { onGeodesicStep?: (step: number, energy: number) => void } = {}): Promise<InterpolateResult> {
  if (spec.method === 'geodesic') checkGeodesicSize(spec.waypoints.length - 1, spec.frames);
  const s = await latentSession(spec.runDir, spec.dataset, opts);
  const model = s.run.model;
  const waypoints = spec.waypoints.map((p) => resolvePoint(s, p));
  const linear = pathThrough(waypoints, spec.frames, 'linear');
  // Conditional model: the label of every frame (given, or the waypoints' own labels blended).
  const labels = pathLabelWeights(model, s.dataset, spec.waypoints, spec.frames, spec.label);
  await cancelPoint(opts.signal);
  const linearLength = await imageSpaceLength(model, linear, labels);
  let z: Vector[];
  let length: number;
  let geodesic: InterpolateResult['geodesic'];
  if (spec.method === 'geodesic') {
    const fixed = new Set(waypoints.map((_, w) => w * (spec.frames - 1)));
    const g = await geodesicPath(model, linear, fixed, { ...spec.geodesic, signal: opts.signal, onStep: opts.onGeodesicStep, labels });
    z = g.path;
    length = g.length;
    geodesic = { iterations: g.iterations, energyStart: g.energyStart, energyEnd: g.energyEnd, converged: g.converged, improved: g.improved };
  } else {
    z = spec.method === 'linear' ? linear : pathThrough(waypoints, spec.frames, 'slerp');
    length = spec.method === 'linear' ? linearLength : await imageSpaceLength(model, z, labels);
  }
  const lowerOffsets = (spec.lower ?? 'endpoints') === 'endpoints' ? await pathLowerOffsets(s, spec.waypoints, spec.frames) : undefined;
  await cancelPoint(opts.signal);
  const images = await decodeImages(model, z, { lowerOffsets, labels, ...decodeWork(opts) });
  return { z, images, points: project(s, spec.axes, z), length, linearLength, ...(geodesic ? { geodesic } : {}), ...(await finished(s, images, spec, opts.signal)) };
}

/**
 * Hierarchy, 're-infer' paths: each image waypoint's z2 offset from its prior (a latent vector
 * waypoint has none: 0), blended linearly frame by frame within each segment, so the path's
 * ends are the reconstructions and z2 follows z1's prior in between. Undefined for the flat model.
 */
export async function pathLowerOffsets(s: LatentSession, waypoints: LatentPoint[], frames: number): Promise<Float32Array | undefined> {
  const model = s.run.model;
  const L = model.vae.lowerDim;
  if (L === 0) return undefined;
  const { size, channels } = s.dataset.index;
  const D = size * size * channels;
  const x = new Float32Array(waypoints.length * D);
  waypoints.forEach((p, w) => {
    if (!('index' in p)) return;
    const px = s.dataset.pixels.subarray(p.index * D, (p.index + 1) * D);
    for (let i = 0; i < D; i++) x[w * D + i] = px[i] / 255;
  });
  // A conditional model infers each image's z2 with its own label (a vector waypoint's row is unused).
  const rows = datasetLabelRows(model, s.dataset);
  const C = model.config.labels.length;
  const y = rows
    ? oneHotRows(
        waypoints.map((p) => ('index' in p ? rows[p.index] : 0)),
        C,
      )
    : null;
  const offsets = tf.tidy(() => model.vae.lowerOffsets(tf.tensor4d(x, [waypoints.length, size, size, channels]), y ? tf.tensor2d(y, [waypoints.length, C]) : undefined)!);
  const at = (await offsets.data()) as Float32Array;
  offsets.dispose();
  const ofWaypoint = (w: number) => ('index' in waypoints[w] ? at.subarray(w * L, (w + 1) * L) : new Float32Array(L));
  const count = (waypoints.length - 1) * (frames - 1) + 1;
  const out = new Float32Array(count * L);
  for (let f = 0; f < count; f++) {
    const seg = Math.min(waypoints.length - 2, Math.floor(f / (frames - 1)));
    const t = f / (frames - 1) - seg;
    const a = ofWaypoint(seg);
    const b = ofWaypoint(seg + 1);
    for (let i = 0; i < L; i++) out[f * L + i] = (1 - t) * a[i] + t * b[i];
  }
  return out;
}

export interface GeneratedWithCheck extends Generated {
  nearest: NearestTraining[] | null;
}

export async function sample(spec: SampleSpec, opts: SessionOptions = {}): Promise<GeneratedWithCheck> {
  const s = await latentSession(spec.runDir, spec.dataset, opts);
  const J = s.latents.latentDim;
  let z: Vector[];
  // The fitted prior of a hierarchical model also draws z2's offsets (fitted-prior.ts says why).
  let lowerOffsets: Float32Array | undefined;
  if (spec.around) {
    const mu = resolvePoint(s, spec.around);
    const i = spec.around.index;
    z = samplePosterior(mu, s.latents.logvar.subarray(i * J, (i + 1) * J), spec.count, spec.temperature, spec.seed);
  } else if (spec.prior === 'fitted') {
    // The first fit on a few thousand images takes 20-40 s: it reports its stages and hears a cancel.
    const prior = await fittedPrior(s, { signal: opts.signal, onStep: (st) => opts.onStage?.(st.stage, st.done, st.total) });
    await cancelPoint(opts.signal);
    const drawn = await drawFitted(s.run.model, s.dataset, prior, { ...spec, from: spec.detailFrom }, { allowed: sameLabel(s, spec.label), signal: opts.signal });
    z = drawn.z;
    lowerOffsets = drawn.lowerOffsets;
  } else {
    z = samplePrior(spec.count, J, spec.temperature, spec.seed);
  }
  // Conditional model: the chosen label (around an image, by default its own).
  const labels = labelWeights(s.run.model, z.length, spec.label, spec.around ? { dataset: s.dataset, index: spec.around.index } : undefined);
  // The hierarchy's detail layer: with fitted offsets, they already carry the detail; otherwise
  // z2 is drawn from p(z2|z1) at the detail temperature.
  await cancelPoint(opts.signal);
  const images = await decodeImages(s.run.model, z, { pixelNoise: spec.pixelNoise, seed: spec.seed, lowerTemperature: lowerOffsets ? 0 : spec.detail, lowerOffsets, labels, ...decodeWork(opts) });
  return { z, images, points: project(s, spec.axes, z), nearest: spec.memorisation ? await nearestTraining(s, images, opts.signal) : null, ...(await finished(s, images, spec, opts.signal)) };
}

/**
 * A conditional model's samples of `label` borrow detail only from training images of that label
 * (so a "tree" sample does not get a crocodile's scales); undefined when any image will do.
 */
function sameLabel(s: LatentSession, label: string | undefined): ((row: number) => boolean) | undefined {
  const vocabulary = s.run.model.config.labels;
  if (!vocabulary.length || label === undefined) return undefined;
  const rows = datasetLabelRows(s.run.model, s.dataset)!;
  const wanted = vocabulary.indexOf(label);
  return (row) => rows[row] === wanted;
}

export interface TraverseResult extends GeneratedWithCheck {
  dims: number[];
  values: number[];
}

export async function traverse(spec: TraverseSpec, opts: SessionOptions = {}): Promise<TraverseResult> {
  const s = await latentSession(spec.runDir, spec.dataset, opts);
  const J = s.latents.latentDim;
  const base = spec.base ? resolvePoint(s, spec.base) : new Array<number>(J).fill(0);
  const dims = spec.dims ?? Array.from({ length: J }, (_, j) => j);
  const values = sweepValues(spec.steps, spec.range);
  const z = traversal(base, dims, values);
  const labels = labelWeights(s.run.model, z.length, spec.label, spec.base && 'index' in spec.base ? { dataset: s.dataset, index: spec.base.index } : undefined);
  const images = await decodeImages(s.run.model, z, { pixelNoise: spec.pixelNoise, seed: spec.seed, labels, ...decodeWork(opts) });
  return {
    z,
    images,
    points: project(s, spec.axes, z),
    nearest: spec.memorisation ? await nearestTraining(s, images, opts.signal) : null,
    dims,
    values,
    ...(await finished(s, images, spec, opts.signal)),
  };
}

/** For each generated image, the closest training-split image in pixel space and the RMS difference. */
export async function nearestTraining(s: LatentSession, images: DecodedImages, signal?: AbortSignal): Promise<NearestTraining[]> {
  await cancelPoint(signal);
  const train = s.dataset.indicesOf('train');
  const pool = train.length ? train : Array.from({ length: s.dataset.index.count }, (_, i) => i);
  const D = images.size * images.size * images.channels;
  const rows = (start: number, end: number) => {
    const out = new Float32Array((end - start) * D);
    for (let r = start; r < end; r++) {
      const px = s.dataset.image(pool[r]);
      for (let k = 0; k < D; k++) out[(r - start) * D + k] = px[k] / 255;
    }
    return out;
  };
  const found = await nearestRows(images.pixels, images.count, D, pool.length, rows, 1, undefined, signal);
  return found.map((n) => ({ index: pool[n.indices[0]], rms: n.distances[0] / Math.sqrt(D) }));
}
