/**
 * The fitted prior of a latent session: a Gaussian mixture over the training split's posterior
 * means (see mixture.ts for why), fitted once per encoding and kept beside it in memory.
 *
 * For the hierarchical model the mixture also covers the detail layer z2. Drawing z1 from a
 * fitted mixture and z2 from the model's own p(z2|z1) gave textured noise: each position of the
 * 8x8 map draws its own independent Gaussian, while real sprites' z2 values move together across
 * the map (a face's eyes and mouth, a weapon's blade). So the fit also takes each image's z2
 * offset from its prior mean (Vae.lowerOffsets), keeps its DETAIL_COMPONENTS principal directions,
 * and fits the mixture jointly over [z1, those coordinates]: a draw gives a z1 and the offsets
 * that go with it; what the directions leave out is added back as isotropic noise of the measured
 * variance (probabilistic PCA), scaled by the detail temperature. On the quality bench's kept
 * Twemoji run, samples went from textured noise to whole faces and figures.
 */
import * as tf from '@tensorflow/tfjs';
import type { FittedPriorPhase, SampleDetailSource } from '../contract';
import { throwIfCancelled } from '../errors';
import { Rng } from '../model/rng';
import { oneHotRows } from '../model/labels';
import { datasetLabelRows } from './conditional';
import type { Latents } from './encode';
import { symmetricEigen } from './linalg';
import { mixtureFit, sampleMixture, type GaussianMixture } from './mixture';
import type { RunModel } from './run-model';
import { runCancellable, runToEnd, type FitWork, type Stepwise } from './stepwise';
import type { LoadedModel } from '../model/load';
import type { Dataset } from '../data/store';

/** Components of the mixture: enough for the main modes of a sprite set, few enough to fit in seconds. */
export const FITTED_PRIOR_COMPONENTS = 10;
/** The fit uses at most this many training images (a seeded subset): EM cost grows with the count. */
export const FITTED_PRIOR_MAX_POINTS = 5000;
/**
 * Principal directions of z2 the mixture models jointly with z1. Chosen by looking at the bench's
 * samples: 16 and 48 both gave whole sprites (16 the most coherent on Twemoji), 96 mixed parts of
 * several sprites (a 112-dimensional full-covariance fit over 3,377 images overfits).
 */
export const DETAIL_COMPONENTS = 16;

/** How z2 is drawn under the fitted prior: offset = mean + basis^T c + detail * residualSigma * eps. */
export interface DetailModel {
  /** Values in z2 (Vae.lowerDim). */
  lowerDim: number;
  /**
   * The leading values of the offsets the fit covers (all of lowerDim, or without the model's
   * fine 16x16 layer, see fittedLowerDim); the rest stay 0: that layer at its prior mean given the
   * layers above.
   */
  fittedDim: number;
  /** Mean offset over the fitted images, fittedDim. */
  mean: Float32Array;
  /** Principal directions as rows, components x fittedDim, unit length. */
  basis: Float32Array[];
  /** Standard deviation of what the directions leave out, per value (the mean discarded variance). */
  residualSigma: number;
  /** Share of the offsets' variance the directions explain, for the record. */
  explained: number;
}

/**
 * The fitted images as points of the mixture's space, for detail borrowed from the nearest one
 * (addNearestDetail).
 */
export interface FittedAnchors {
  /** Dataset index of each fitted image. */
  rows: number[];
  /** Each image's [z1, detail coordinates]: rows.length x mixture.dim. */
  points: Float64Array;
  /** Standard deviation of each coordinate over the images: the nearest one is nearest in standardised units. */
  spread: Float64Array;
}

export interface FittedPrior {
  /** Over [z1 (latentDim), detail coordinates (basis.length)]; over z1 alone for the flat model. */
  mixture: GaussianMixture;
  latentDim: number;
  detail: DetailModel | null;
  /** The hierarchy's fitted images (null for the flat model, whose samples have no detail layer). */
  anchors: FittedAnchors | null;
}

/**
 * The stages of a fit, as progress phases: the hierarchy's z2 offsets of the fitted images (done
 * of total images), the principal directions of those offsets and the mixture's EM (done of at
 * most total iterations). On a few thousand images the whole fit takes 20-40 s.
 */
export type FitStage = FittedPriorPhase;
const STAGE = { offsets: 'fitting prior (details)', directions: 'fitting prior (directions)', mixture: 'fitting prior (mixture)' } as const satisfies Record<string, FitStage>;

const fitted = new WeakMap<Latents, FittedPrior>();

/**
 * The session's fitted prior, fitted on first use and then kept with its encoding. A cancel ends
 * the fit between iterations (nothing is kept; the next request fits again).
 */
export async function fittedPrior(s: { latents: Latents; dataset: Dataset; run: Pick<RunModel, 'model'> }, work: FitWork<FitStage> = {}): Promise<FittedPrior> {
  const known = fitted.get(s.latents);
  if (known) return known;
  const prior = await fitPrior(s.run.model, s.dataset, s.latents.mu, work);
  fitted.set(s.latents, prior);
  return prior;
}

/**
 * The fitted prior of `model` over the training split of `dataset` (every image when the split has
 * under 2), whose posterior means are `mu` (count x latentDim), subsampled to the cap.
 */
export async function fitPrior(model: LoadedModel, dataset: Dataset, mu: Float32Array, work: FitWork<FitStage> = {}): Promise<FittedPrior> {
  const J = model.config.latentDim;
  const train = dataset.indicesOf('train');
  const rows = train.length >= 2 ? train : Array.from({ length: dataset.index.count }, (_, i) => i);
  const use = rows.length > FITTED_PRIOR_MAX_POINTS ? seededSubset(rows, FITTED_PRIOR_MAX_POINTS, 0) : rows;
  if (model.vae.lowerDim === 0) return runCancellable(priorToMeansFit(mu, J, use), work);
  const F = fittedLowerDim(model);
  const offsets = await lowerOffsetsOf(model, dataset, use, F, work);
  const prior = await runCancellable(jointPriorFit(mu, J, use, offsets, F, DETAIL_COMPONENTS), work);
  return { ...prior, detail: { ...prior.detail!, lowerDim: model.vae.lowerDim } };
}

/**
 * The offsets the fitted prior models: every spatial layer except the fine 16x16 one. Fitting
 * that one too (2,048 more values at 32x32) gave samples covered in grain on the Twemoji bench
 * run (its 16 principal directions mix the fine texture of many sprites, and its residual noise
 * is per pixel); left at its prior mean given z1 and z2, the model draws the detail that goes
 * with the drawn layout.
 */
export function fittedLowerDim(model: Pick<LoadedModel, 'vae' | 'config'>): number {
  const sizes = model.vae.lowerSizes;
  return model.config.fineLatent ? sizes.slice(0, -1).reduce((a, b) => a + b, 0) : model.vae.lowerDim;
}

function* priorToMeansFit(mu: Float32Array, J: number, rows: number[]): Stepwise<FittedPrior, FitStage> {
  const use = rows.length > FITTED_PRIOR_MAX_POINTS ? seededSubset(rows, FITTED_PRIOR_MAX_POINTS, 0) : rows;
  const points = new Float64Array(use.length * J);
  use.forEach((i, r) => points.set(mu.subarray(i * J, (i + 1) * J), r * J));
  const mixture = yield* staged(STAGE.mixture, mixtureFit(points, use.length, J, { components: FITTED_PRIOR_COMPONENTS, seed: 0 }));
  return { mixture, latentDim: J, detail: null, anchors: null };
}

/** The mixture over the means of images `rows` (count x J in `mu`), subsampled to the cap. */
export function fitPriorToMeans(mu: Float32Array, J: number, rows: number[]): GaussianMixture {
  return runToEnd(priorToMeansFit(mu, J, rows)).mixture;
}

/**
 * The joint fit: `offsets` holds row r's z2 offsets (rows.length x L) for image rows[r], whose
 * z1 mean is in `mu`. Exported for the tests, which check it against data of known structure.
 */
export function fitJointPrior(mu: Float32Array, J: number, rows: number[], offsets: Float32Array, L: number, components = DETAIL_COMPONENTS): FittedPrior {
  return runToEnd(jointPriorFit(mu, J, rows, offsets, L, components));
}

/** Relabel a sub-fit's steps with the progress phase they belong to. */
function* staged<T>(stage: FitStage, fit: Stepwise<T>): Stepwise<T, FitStage> {
  for (;;) {
    const r = fit.next();
    if (r.done) return r.value;
    yield { ...r.value, stage };
  }
}

function* jointPriorFit(mu: Float32Array, J: number, rows: number[], offsets: Float32Array, L: number, components: number): Stepwise<FittedPrior, FitStage> {
  const N = rows.length;
  const detail = yield* staged(STAGE.directions, principalDetailFit(offsets, N, L, Math.min(components, L, Math.max(1, N - 1))));
  const K = detail.basis.length;
  const dim = J + K;
  const points = new Float64Array(N * dim);
  for (let r = 0; r < N; r++) {
    const i = rows[r];
    for (let j = 0; j < J; j++) points[r * dim + j] = mu[i * J + j];
    const o = offsets.subarray(r * L, (r + 1) * L);
    detail.basis.forEach((b, k) => {
      let c = 0;
      for (let j = 0; j < L; j++) c += b[j] * (o[j] - detail.mean[j]);
      points[r * dim + J + k] = c;
    });
  }
  const mixture = yield* staged(STAGE.mixture, mixtureFit(points, N, dim, { components: FITTED_PRIOR_COMPONENTS, seed: 0 }));
  return { mixture, latentDim: J, detail, anchors: { rows: rows.slice(), points, spread: columnSpread(points, N, dim) } };
}

/** Standard deviation of each of `dim` columns of N rows (1 where a column is constant). */
function columnSpread(points: Float64Array, N: number, dim: number): Float64Array {
  const out = new Float64Array(dim);
  for (let d = 0; d < dim; d++) {
    let s = 0;
    let s2 = 0;
    for (let r = 0; r < N; r++) {
      const v = points[r * dim + d];
      s += v;
      s2 += v * v;
    }
    const variance = s2 / N - (s / N) ** 2;
    out[d] = variance > 1e-12 ? Math.sqrt(variance) : 1;
  }
  return out;
}

/** A fitted prior's draws: z1, and for the hierarchy each draw's offsets from the spatial layers' prior means. */
export interface FittedDraws {
  z: number[][];
  /** count x lowerDim (hierarchy only). */
  lowerOffsets?: Float32Array;
  /** Each draw's point in the mixture's space ([z1, detail coordinates]), for addNearestDetail. */
  points: number[][];
}

/**
 * Seeded draws: z1 from the mixture at `temperature`; for the hierarchy also each draw's offsets
 * (count x lowerDim): the fitted directions at the drawn coordinates, plus, with `detail` above 0,
 * noise of the measured residual size times `detail` on the fitted layers ('model' detail; for
 * 'nearest' detail call with 0 and then addNearestDetail).
 */
export function sampleFittedPrior(p: FittedPrior, count: number, temperature: number, seed: number, detail: number): FittedDraws {
  const draws = sampleMixture(p.mixture, count, temperature, seed);
  const J = p.latentDim;
  const z = draws.map((d) => d.slice(0, J));
  const m = p.detail;
  if (!m) return { z, points: draws };
  const L = m.lowerDim;
  const F = m.fittedDim;
  const out = new Float32Array(count * L);
  const rng = new Rng(seed + 1);
  const noiseScale = detail * m.residualSigma;
  draws.forEach((d, n) => {
    const row = out.subarray(n * L, n * L + F);
    row.set(m.mean);
    m.basis.forEach((b, k) => {
      const c = d[J + k];
      for (let j = 0; j < F; j++) row[j] += c * b[j];
    });
    if (noiseScale > 0) {
      const eps = rng.normals(F);
      for (let j = 0; j < F; j++) row[j] += noiseScale * eps[j];
    }
  });
  return { z, lowerOffsets: out, points: draws };
}

/**
 * The fitted image nearest each point of the mixture's space (standardised Euclidean distance),
 * as an index into `anchors.rows`; `allowed` (a dataset row test) narrows the candidates, e.g. to
 * one label, unless it would leave none.
 */
export function nearestAnchors(anchors: FittedAnchors, points: number[][], allowed?: (row: number) => boolean): number[] {
  const dim = anchors.spread.length;
  let candidates = anchors.rows.map((_, a) => a);
  if (allowed) {
    const narrowed = candidates.filter((a) => allowed(anchors.rows[a]));
    if (narrowed.length) candidates = narrowed;
  }
  return points.map((x) => {
    let best = candidates[0];
    let bestDistance = Infinity;
    for (const a of candidates) {
      let d = 0;
      for (let k = 0; k < dim && d < bestDistance; k++) d += ((anchors.points[a * dim + k] - x[k]) / anchors.spread[k]) ** 2;
      if (d < bestDistance) {
        bestDistance = d;
        best = a;
      }
    }
    return best;
  });
}

/**
 * 'nearest' detail (the Generate panel's default for the hierarchy): adds to each draw's offsets
 * `detail` times what its nearest fitted image's own offsets hold beyond the fitted directions:
 * the rest of the fitted layers' offsets, and the fine 16x16 layer whole. At `detail` 1 a draw
 * that lands exactly on a fitted image decodes to that image's reconstruction; elsewhere it is
 * that sprite's fine detail over the drawn layout and colours. Why: the fine layer carries most of
 * what makes a sprite crisp (faces, outlines, colour), and its prior mean given the layers above
 * is a smooth blob (the quality bench's DCSS run), so samples without borrowed detail were
 * blobs. Returns the dataset index each draw borrowed from.
 */
export async function addNearestDetail(
  model: LoadedModel,
  dataset: Dataset,
  p: FittedPrior,
  drawn: FittedDraws,
  detail: number,
  opts: { allowed?: (row: number) => boolean; signal?: AbortSignal } = {},
): Promise<number[]> {
  const m = p.detail;
  const anchors = p.anchors;
  if (!m || !anchors || !drawn.lowerOffsets) throw new Error('addNearestDetail: the flat model has no detail layer');
  const picked = nearestAnchors(anchors, drawn.points, opts.allowed);
  const unique = [...new Set(picked)];
  const L = m.lowerDim;
  const F = m.fittedDim;
  const J = p.latentDim;
  const dim = anchors.spread.length;
  const own = await lowerOffsetsOf(
    model,
    dataset,
    unique.map((a) => anchors.rows[a]),
    L,
    { signal: opts.signal },
  );
  const rowOf = new Map(unique.map((a, r) => [a, r]));
  picked.forEach((a, n) => {
    const r = rowOf.get(a)!;
    const o = own.subarray(r * L, (r + 1) * L);
    // The anchor's offsets less its own fitted part (mean + its coordinates along the directions).
    const residual = Float32Array.from(o);
    for (let j = 0; j < F; j++) residual[j] -= m.mean[j];
    m.basis.forEach((b, k) => {
      const c = anchors.points[a * dim + J + k];
      for (let j = 0; j < F; j++) residual[j] -= c * b[j];
    });
    const row = drawn.lowerOffsets!.subarray(n * L, (n + 1) * L);
    for (let j = 0; j < L; j++) row[j] += detail * residual[j];
  });
  return picked.map((a) => anchors.rows[a]);
}

/**
 * Draws from the fitted prior as Generate makes them: sampleFittedPrior, and for the hierarchy
 * with `from` 'nearest' the detail of each draw's nearest fitted image (addNearestDetail) in
 * place of the residual noise. `borrowed`: the dataset index each draw took its detail from.
 */
export async function drawFitted(
  model: LoadedModel,
  dataset: Dataset,
  p: FittedPrior,
  spec: { count: number; temperature: number; seed: number; detail: number; from: SampleDetailSource },
  opts: { allowed?: (row: number) => boolean; signal?: AbortSignal } = {},
): Promise<FittedDraws & { borrowed: number[] | null }> {
  const nearest = spec.from === 'nearest' && p.anchors !== null;
  const drawn = sampleFittedPrior(p, spec.count, spec.temperature, spec.seed, nearest ? 0 : spec.detail);
  const borrowed = nearest ? await addNearestDetail(model, dataset, p, drawn, spec.detail, opts) : null;
  return { ...drawn, borrowed };
}

/**
 * The first `width` values of the z2 offsets (Vae.lowerOffsets) of the given dataset images, each
 * with its own label when conditional: rows.length x width.
 */
async function lowerOffsetsOf(model: LoadedModel, dataset: Dataset, rows: number[], width: number, work: FitWork<FitStage>): Promise<Float32Array> {
  const L = model.vae.lowerDim;
  const { size, channels } = dataset.index;
  const D = size * size * channels;
  const labelRows = datasetLabelRows(model, dataset);
  const C = model.config.labels.length;
  const out = new Float32Array(rows.length * width);
  const B = 128;
  for (let start = 0; start < rows.length; start += B) {
    const part = rows.slice(start, start + B);
    const x = new Float32Array(part.length * D);
    part.forEach((i, r) => {
      const px = dataset.pixels.subarray(i * D, (i + 1) * D);
      for (let k = 0; k < D; k++) x[r * D + k] = px[k] / 255;
    });
    const y = labelRows
      ? oneHotRows(
          part.map((i) => labelRows[i]),
          C,
        )
      : null;
    // Only the fitted columns leave the backend (the fine layer's, when not fitted, stay there).
    const t = tf.tidy(() => {
      const all = model.vae.lowerOffsets(tf.tensor4d(x, [part.length, size, size, channels]), y ? tf.tensor2d(y, [part.length, C]) : undefined)!;
      return width === L ? all : tf.slice(all, [0, 0], [part.length, width]);
    });
    out.set((await t.data()) as Float32Array, start * width);
    t.dispose();
    work.onStep?.({ stage: STAGE.offsets, done: start + part.length, total: rows.length });
    // Let a cancel or another request through between batches.
    await new Promise<void>((resolve) => setImmediate(resolve));
    throwIfCancelled(work.signal);
  }
  return out;
}

/**
 * The top `k` principal directions of N rows of L values: the L x L covariance, then orthogonal
 * (subspace) iteration for its leading eigenvectors and Rayleigh-Ritz to order them. A full
 * eigensolver on L = 512 (2,048 at 64x64) would take minutes; this takes well under a second.
 */
export function principalDetail(x: Float32Array, N: number, L: number, k: number): DetailModel {
  return runToEnd(principalDetailFit(x, N, L, k));
}

/** principalDetail step by step: yields after each round of the orthogonal iteration. */
function* principalDetailFit(x: Float32Array, N: number, L: number, k: number): Stepwise<DetailModel> {
  const mean = new Float32Array(L);
  for (let n = 0; n < N; n++) for (let j = 0; j < L; j++) mean[j] += x[n * L + j] / N;
  const cov = tf.tidy(() => {
    const c = tf.sub(tf.tensor2d(x, [N, L]), tf.tensor2d(mean, [1, L]));
    return tf.div(tf.matMul(c, c, true, false), Math.max(1, N - 1));
  }) as tf.Tensor2D;
  const covValues = cov.dataSync() as Float32Array;
  let trace = 0;
  for (let j = 0; j < L; j++) trace += covValues[j * L + j];
  // Orthogonal iteration from a seeded start; 60 rounds converge the leading directions of a
  // spectrum like the offsets' (the first 16 hold about 28% of the variance of 512).
  const rng = new Rng(12345);
  let q = tf.tensor2d(rng.normals(L * k), [L, k]);
  let eig: ReturnType<typeof symmetricEigen>;
  let qValues: Float32Array;
  // The finally frees the tensors when a cancel abandons the fit between rounds.
  try {
    for (let it = 0; it < ORTHOGONAL_ROUNDS; it++) {
      const next = tf.tidy(() => orthonormalColumns(tf.matMul(cov, q) as tf.Tensor2D));
      q.dispose();
      q = next;
      yield { stage: 'directions', done: it + 1, total: ORTHOGONAL_ROUNDS };
    }
    const small = tf.tidy(() => tf.matMul(tf.matMul(q, cov, true, false), q));
    eig = symmetricEigen(small.dataSync(), k);
    qValues = q.dataSync() as Float32Array;
    small.dispose();
  } finally {
    q.dispose();
    cov.dispose();
  }
  const basis = eig.vectors.map((v) => {
    const b = new Float32Array(L);
    for (let j = 0; j < L; j++) {
      let s = 0;
      for (let c = 0; c < k; c++) s += qValues[j * k + c] * v[c];
      b[j] = s;
    }
    return b;
  });
  const kept = eig.values.reduce((a, b) => a + Math.max(0, b), 0);
  const residual = Math.max(0, trace - kept) / Math.max(1, L - k);
  return { lowerDim: L, fittedDim: L, mean, basis, residualSigma: Math.sqrt(residual), explained: trace > 0 ? kept / trace : 1 };
}

/** Rounds of the orthogonal iteration in principalDetail. */
const ORTHOGONAL_ROUNDS = 60;

/** Gram-Schmidt on the columns of an L x k matrix (k small), in float64. */
function orthonormalColumns(m: tf.Tensor2D): tf.Tensor2D {
  const [L, k] = m.shape;
  const a = Float64Array.from(m.dataSync());
  for (let c = 0; c < k; c++) {
    for (let p = 0; p < c; p++) {
      let dot = 0;
      for (let j = 0; j < L; j++) dot += a[j * k + c] * a[j * k + p];
      for (let j = 0; j < L; j++) a[j * k + c] -= dot * a[j * k + p];
    }
    let norm = 0;
    for (let j = 0; j < L; j++) norm += a[j * k + c] ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let j = 0; j < L; j++) a[j * k + c] /= norm;
  }
  return tf.tensor2d(Float32Array.from(a), [L, k]);
}

/** `k` of `items` in their original order, the same for the same seed (partial Fisher-Yates). */
function seededSubset(items: number[], k: number, seed: number): number[] {
  const rng = new Rng(seed);
  const a = items.slice();
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng.uniform() * (a.length - i));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, k).sort((x, y) => x - y);
}
