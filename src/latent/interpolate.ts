/**
 * Paths between latent points (vae-theory.md section 4): linear, spherical (slerp, White
 * 2016) and geodesic (the path whose decoded images change least: minimise the discrete
 * energy sum ||g(z_{i+1}) - g(z_i)||^2 over the interior points, endpoints fixed).
 */
import * as tf from '@tensorflow/tfjs';
import { AtlasError, throwIfCancelled } from '../errors';
import type { LoadedModel } from '../model/load';

export type Vector = number[];

/** Below this angle (radians) slerp's sin(Omega) division is unstable: use the straight line. */
export const SLERP_MIN_ANGLE = 1e-4;

export function lerp(a: ArrayLike<number>, b: ArrayLike<number>, t: number): Vector {
  return Array.from(a, (v, j) => (1 - t) * v + t * b[j]);
}

/**
 * z(t) = sin((1-t) Omega)/sin(Omega) z_a + sin(t Omega)/sin(Omega) z_b, Omega the angle between
 * z_a and z_b; linear when they are (anti)parallel or one is zero, where the great circle is
 * undefined or the formula divides by ~0.
 */
export function slerp(a: ArrayLike<number>, b: ArrayLike<number>, t: number): Vector {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let j = 0; j < a.length; j++) {
    ab += a[j] * b[j];
    aa += a[j] * a[j];
    bb += b[j] * b[j];
  }
  const denom = Math.sqrt(aa * bb);
  if (denom === 0) return lerp(a, b, t);
  const omega = Math.acos(Math.min(1, Math.max(-1, ab / denom)));
  if (omega < SLERP_MIN_ANGLE || Math.PI - omega < SLERP_MIN_ANGLE) return lerp(a, b, t);
  const s = Math.sin(omega);
  const wa = Math.sin((1 - t) * omega) / s;
  const wb = Math.sin(t * omega) / s;
  return Array.from(a, (v, j) => wa * v + wb * b[j]);
}

/**
 * The frames of a path through waypoints: `frames` per segment with both ends included;
 * segments share their joint frame. Waypoints land exactly on frames (i * (frames - 1)).
 */
export function pathThrough(waypoints: Vector[], frames: number, method: 'linear' | 'slerp'): Vector[] {
  const step = method === 'slerp' ? slerp : lerp;
  const out: Vector[] = [waypoints[0].slice()];
  for (let w = 0; w + 1 < waypoints.length; w++) for (let f = 1; f < frames; f++) out.push(f === frames - 1 ? waypoints[w + 1].slice() : step(waypoints[w], waypoints[w + 1], f / (frames - 1)));
  return out;
}

/** sum_i ||g(z_{i+1}) - g(z_i)|| with g the mean image (pixel values in [0, 1]). */
/** `labels`: a conditional model's label weights per frame (path.length x labels). */
export async function imageSpaceLength(model: LoadedModel, path: Vector[], labels?: Float32Array): Promise<number> {
  const seg = tf.tidy(() => segmentSquares(model, tf.tensor2d(path), labels));
  const values = await seg.data();
  seg.dispose();
  return Array.from(values).reduce((s, v) => s + Math.sqrt(v), 0);
}

function segmentSquares(model: LoadedModel, z: tf.Tensor2D, labels?: Float32Array): tf.Tensor1D {
  const g = model.decode(z, { labels });
  const n = z.shape[0];
  const flat = tf.reshape(g, [n, -1]);
  const d = tf.sub(tf.slice(flat, [1, 0], [n - 1, -1]), tf.slice(flat, [0, 0], [n - 1, -1]));
  return tf.sum(tf.square(d), 1);
}

/**
 * The most frames a geodesic may optimise: segments x frames per segment (one segment per pair
 * of consecutive waypoints). Every optimisation step decodes and differentiates every frame:
 * measured with the default 32x32 RGBA conv model on the wasm backend, about 0.7 ms a frame a
 * step on an idle 2-core machine (3 ms with the other core busy training), and the smoothed
 * descent below converges in 90-150 steps whatever the frame count (16, 64 and 256 frames
 * measured). So 1,024 frames cost about 0.7 s a step and a minute or two in all, the most an
 * interactive tool should ask for, while 64 waypoints x 256 frames (16,128 frames) would take
 * about 11 s a step and half an hour. The default 16 frames a segment fits all 63 segments of
 * 64 waypoints.
 */
export const MAX_GEODESIC_FRAMES = 1024;

/** Frames decoded (and differentiated) together; the optimiser checks for cancel and yields between blocks. */
export const GEODESIC_BLOCK_FRAMES = 64;

/** Throw a clear invalid_input error when a geodesic of `segments` x `framesPerSegment` is too much work. */
export function checkGeodesicSize(segments: number, framesPerSegment: number): void {
  const work = segments * framesPerSegment;
  if (work > MAX_GEODESIC_FRAMES)
    throw new AtlasError(
      'invalid_input',
      `A geodesic of ${segments} segment${segments === 1 ? '' : 's'} x ${framesPerSegment} frames is ${work} frames; the limit is ${MAX_GEODESIC_FRAMES} (segments x frames), because every optimisation step decodes every frame. Use fewer frames per segment (at most ${Math.max(2, Math.floor(MAX_GEODESIC_FRAMES / segments))} for ${segments} segment${segments === 1 ? '' : 's'}) or fewer waypoints, or a linear or slerp path.`,
      { segments, framesPerSegment, frames: work, limit: MAX_GEODESIC_FRAMES },
    );
}

/** Accepted steps over which the energy must keep falling (by tolerance of itself) to go on. */
const PLATEAU = 10;
/** Armijo's sufficient-decrease constant: a step is kept when E falls by at least this share of the first-order prediction. */
const ARMIJO = 1e-4;
/** A relative energy decrease below this is rounding, not an improvement: the start path is kept. */
export const MIN_IMPROVEMENT = 1e-4;

export interface GeodesicOptions {
  /** Most optimisation steps (each decodes and differentiates the whole path once). */
  iterations: number;
  /** The first trial step moves the free frames' largest latent coordinate by this much; later steps adapt. */
  learningRate: number;
  /**
   * Converged once the energy has been lowered and then either ||grad|| < tolerance * ||grad at
   * the start||, or the energy fell by less than tolerance of itself over the last 10 accepted steps.
   */
  tolerance: number;
  signal?: AbortSignal;
  /** Called after every step with the step count and the energy of the path kept so far (never rises). */
  onStep?: (step: number, energy: number) => void;
  /** Conditional model: label weights per frame (frames x labels), held while the path moves. */
  labels?: Float32Array;
}

export interface GeodesicResult {
  path: Vector[];
  /** Optimisation steps taken (trial steps included: each costs one decode of the path). */
  iterations: number;
  energyStart: number;
  /** The energy of `path`: never above energyStart. */
  energyEnd: number;
  /** The image-space length of the path returned. */
  length: number;
  startLength: number;
  /** The energy fell below the tolerance's stopping test after it was lowered (false when it was never lowered). */
  converged: boolean;
  /** The optimiser lowered the energy (by more than MIN_IMPROVEMENT of it); false: `path` is the start path. */
  improved: boolean;
}

interface Evaluation {
  energy: number;
  /** F x J, zero on fixed frames. */
  grad: Float32Array;
  /** The F - 1 squared segment lengths. */
  squares: Float64Array;
}

const yieldToEvents = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * E and its gradient for the path z (F x J, row-major), decoded in overlapping blocks of
 * GEODESIC_BLOCK_FRAMES frames so that memory stays bounded and a cancel gets in between blocks.
 */
async function evaluatePath(model: LoadedModel, z: Float32Array, F: number, J: number, fixed: Set<number>, signal?: AbortSignal, labels?: Float32Array): Promise<Evaluation> {
  // Label weights per frame (conditional model), sliced with the frames of each block.
  const C = labels ? labels.length / F : 0;
  const grad = new Float32Array(F * J);
  const squares = new Float64Array(F - 1);
  for (let from = 0; from < F - 1; from += GEODESIC_BLOCK_FRAMES - 1) {
    throwIfCancelled(signal);
    const to = Math.min(F - 1, from + GEODESIC_BLOCK_FRAMES - 1);
    const n = to - from + 1;
    const zb = tf.tensor2d(z.subarray(from * J, (to + 1) * J), [n, J]);
    let seg: tf.Tensor1D | null = null;
    const g = tf.tidy(() =>
      tf.grad((x: tf.Tensor) => {
        const s = segmentSquares(model, x as tf.Tensor2D, labels ? labels.subarray(from * C, (to + 1) * C) : undefined);
        seg = tf.keep(s);
        return tf.sum(s);
      })(zb),
    );
    const [sv, gv] = await Promise.all([seg!.data(), g.data()]);
    tf.dispose([zb, seg!, g]);
    for (let i = 0; i < n - 1; i++) squares[from + i] = sv[i];
    // The frame shared with the next block gets its gradient from both blocks.
    for (let k = 0; k < n * J; k++) grad[from * J + k] += gv[k];
    await yieldToEvents();
  }
  throwIfCancelled(signal);
  for (const i of fixed) grad.fill(0, i * J, (i + 1) * J);
  let energy = 0;
  for (const s of squares) energy += s;
  return { energy, grad, squares };
}

const lengthOf = (squares: Float64Array) => squares.reduce((s, v) => s + Math.sqrt(v), 0);

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
}

function maxAbs(a: Float32Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

/**
 * d = L^-1 g per latent dimension, L the path's chain Laplacian over the free frames (2 on the
 * diagonal, -1 between free neighbours; a fixed neighbour holds its end, a path end is free):
 * the "Sobolev" gradient. The energy's Hessian along the path is about L (exactly L (x) A^T A for a
 * linear decoder A), whose condition number grows as F^2; descending along L^-1 g instead of g
 * takes that factor out, so a path of many frames converges in about as many steps as a short one.
 */
export function chainSmoother(F: number, J: number, fixed: Set<number>): (g: Float32Array) => Float32Array {
  // Runs of consecutive free frames; each is one tridiagonal system (Thomas algorithm).
  const runs: { from: number; to: number; diag: Float64Array }[] = [];
  for (let i = 0; i < F; i++) {
    if (fixed.has(i)) continue;
    let j = i;
    while (j + 1 < F && !fixed.has(j + 1)) j++;
    const n = j - i + 1;
    const diag = new Float64Array(n).fill(2);
    if (i === 0) diag[0] -= 1;
    if (j === F - 1) diag[n - 1] -= 1;
    // A run held by no fixed frame (a free path end on both sides) is singular: a small ridge.
    if (i === 0 && j === F - 1) for (let k = 0; k < n; k++) diag[k] += 1e-3;
    runs.push({ from: i, to: j, diag });
    i = j;
  }
  return (g) => {
    const d = new Float32Array(g.length);
    for (const { from, diag } of runs) {
      const n = diag.length;
      const c = new Float64Array(n);
      const x = new Float64Array(n);
      for (let col = 0; col < J; col++) {
        // Forward sweep with sub/super diagonals -1, then back substitution.
        let m = diag[0];
        c[0] = -1 / m;
        x[0] = g[from * J + col] / m;
        for (let k = 1; k < n; k++) {
          m = diag[k] + c[k - 1];
          c[k] = -1 / m;
          x[k] = (g[(from + k) * J + col] + x[k - 1]) / m;
        }
        for (let k = n - 2; k >= 0; k--) x[k] -= c[k] * x[k + 1];
        for (let k = 0; k < n; k++) d[(from + k) * J + col] = x[k];
      }
    }
    return d;
  };
}

/**
 * Minimise E = sum ||g(z_{i+1}) - g(z_i)||^2 over the free frames of `start` (every frame
 * but those in `fixed`) by descent along the chain-smoothed gradient L^-1 grad E (chainSmoother)
 * with a Barzilai-Borwein step and an Armijo backtracking line search, from the given path
 * (usually linear). A step is kept only when it
 * lowers the energy enough, so the energy never rises and the result is the best path seen.
 * When the energy cannot be lowered (the start is already locally shortest) the start path is
 * returned unchanged with `improved: false`.
 */
export async function geodesicPath(model: LoadedModel, start: Vector[], fixed: Set<number>, opts: GeodesicOptions): Promise<GeodesicResult> {
  const F = start.length;
  const J = start[0].length;
  if (F > MAX_GEODESIC_FRAMES + 1)
    throw new AtlasError('invalid_input', `A geodesic path of ${F} frames is over the limit of ${MAX_GEODESIC_FRAMES} frames (segments x frames); use fewer frames or waypoints.`, {
      frames: F,
      limit: MAX_GEODESIC_FRAMES,
    });
  throwIfCancelled(opts.signal);
  let z = Float32Array.from(start.flat());
  let cur = await evaluatePath(model, z, F, J, fixed, opts.signal, opts.labels);
  const energyStart = cur.energy;
  const startLength = lengthOf(cur.squares);
  const unchanged = (iterations: number): GeodesicResult => ({
    path: start.map((v) => v.slice()),
    iterations,
    energyStart,
    energyEnd: energyStart,
    length: startLength,
    startLength,
    converged: false,
    improved: false,
  });
  const grad0 = Math.sqrt(dot(cur.grad, cur.grad));
  // Nothing to move (no free frames) or a stationary start: the start path is already the answer.
  if (fixed.size >= F || grad0 === 0 || !Number.isFinite(grad0)) return unchanged(0);

  const smooth = chainSmoother(F, J, fixed);
  let dir = smooth(cur.grad);
  let alpha = opts.learningRate / maxAbs(dir);
  const accepted: number[] = [cur.energy];
  let converged = false;
  let it = 0;
  while (it < opts.iterations) {
    throwIfCancelled(opts.signal);
    const gd = dot(cur.grad, dir);
    const trial = new Float32Array(z.length);
    for (let k = 0; k < z.length; k++) trial[k] = z[k] - alpha * dir[k];
    const next = await evaluatePath(model, trial, F, J, fixed, opts.signal, opts.labels);
    it++;
    if (Number.isFinite(next.energy) && next.energy < cur.energy && next.energy <= cur.energy - ARMIJO * alpha * gd) {
      // Barzilai-Borwein step in the metric L of the smoother: s = -alpha d, y = g' - g, L d = g,
      // alpha' = s.L s / s.y = alpha (d.g) / (d.(g - g')) where the curvature along s is positive.
      let dy = 0;
      for (let k = 0; k < z.length; k++) dy += dir[k] * (cur.grad[k] - next.grad[k]);
      const bb = dy > 0 ? (alpha * gd) / dy : 2 * alpha;
      alpha = Math.min(bb, 4 * alpha);
      z = trial;
      cur = next;
      dir = smooth(cur.grad);
      accepted.push(cur.energy);
      opts.onStep?.(it, cur.energy);
      const improved = energyStart - cur.energy > MIN_IMPROVEMENT * energyStart;
      const gradNorm = Math.sqrt(dot(cur.grad, cur.grad));
      const a = accepted.length - 1;
      const plateau = a >= PLATEAU && accepted[a - PLATEAU] - cur.energy < opts.tolerance * accepted[a - PLATEAU];
      if (improved && (gradNorm <= opts.tolerance * grad0 || plateau)) {
        converged = true;
        break;
      }
    } else {
      // Too long a step: halve it. Once it no longer moves any coordinate at float32 precision, stop.
      alpha /= 2;
      opts.onStep?.(it, cur.energy);
      if (alpha * maxAbs(dir) <= 1e-7 * Math.max(1, maxAbs(z))) {
        // No step lowers the energy: a local minimum to the precision of the decoder.
        converged = energyStart - cur.energy > MIN_IMPROVEMENT * energyStart;
        break;
      }
    }
  }
  if (!(energyStart - cur.energy > MIN_IMPROVEMENT * energyStart)) return unchanged(it);
  const path: Vector[] = Array.from({ length: F }, (_, i) => (fixed.has(i) ? start[i].slice() : Array.from(z.subarray(i * J, (i + 1) * J))));
  return { path, iterations: it, energyStart, energyEnd: cur.energy, length: lengthOf(cur.squares), startLength, converged, improved: true };
}
