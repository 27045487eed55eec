/**
 * Paths between latent points (vae-theory.md section 4): linear, spherical (slerp, White
 * 2016) and geodesic (the path whose decoded images change least: minimise the discrete
 * energy sum ||g(z_{i+1}) - g(z_i)||^2 over the interior points, endpoints fixed).
 */
import * as tf from '@tensorflow/tfjs';
import { throwIfCancelled } from '../errors';
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
  for (let w = 0; w + 1 < waypoints.length; w++)
    for (let f = 1; f < frames; f++) out.push(f === frames - 1 ? waypoints[w + 1].slice() : step(waypoints[w], waypoints[w + 1], f / (frames - 1)));
  return out;
}

/** sum_i ||g(z_{i+1}) - g(z_i)|| with g the mean image (pixel values in [0, 1]). */
export async function imageSpaceLength(model: LoadedModel, path: Vector[]): Promise<number> {
  const seg = tf.tidy(() => segmentSquares(model, tf.tensor2d(path)));
  const values = await seg.data();
  seg.dispose();
  return Array.from(values).reduce((s, v) => s + Math.sqrt(v), 0);
}

function segmentSquares(model: LoadedModel, z: tf.Tensor2D): tf.Tensor1D {
  const g = model.decode(z);
  const n = z.shape[0];
  const flat = tf.reshape(g, [n, -1]);
  const d = tf.sub(tf.slice(flat, [1, 0], [n - 1, -1]), tf.slice(flat, [0, 0], [n - 1, -1]));
  return tf.sum(tf.square(d), 1);
}

/** Steps over which the energy must keep falling (by tolerance / 10 of itself) to go on. */
const PLATEAU = 25;

export interface GeodesicOptions {
  iterations: number;
  learningRate: number;
  /** Stop once ||grad|| < tolerance * ||grad at the start||, or the energy fell by less than tolerance/10 of itself over 25 steps. */
  tolerance: number;
  signal?: AbortSignal;
  /** Called after every step with the step count and the energy. */
  onStep?: (step: number, energy: number) => void;
}

export interface GeodesicResult {
  path: Vector[];
  iterations: number;
  energyStart: number;
  energyEnd: number;
  /** The image-space length of the path returned (never longer than the start path). */
  length: number;
  startLength: number;
  converged: boolean;
}

/**
 * Minimise E = sum ||g(z_{i+1}) - g(z_i)||^2 over the free frames of `start` (every frame
 * but those in `fixed`) by Adam, from the given path (usually linear). Returns the path
 * with the smallest image-space length seen, so the result is never longer than the start.
 */
export async function geodesicPath(model: LoadedModel, start: Vector[], fixed: Set<number>, opts: GeodesicOptions): Promise<GeodesicResult> {
  const F = start.length;
  const J = start[0].length;
  const freeIdx = start.map((_, i) => i).filter((i) => !fixed.has(i));
  const fixedIdx = start.map((_, i) => i).filter((i) => fixed.has(i));
  if (freeIdx.length === 0) {
    // Nothing to move (two frames): report the straight path's own energy and length.
    const seg = tf.tidy(() => segmentSquares(model, tf.tensor2d(start)));
    const squares = Array.from(await seg.data());
    seg.dispose();
    const energy = squares.reduce((s, v) => s + v, 0);
    const length = squares.reduce((s, v) => s + Math.sqrt(v), 0);
    return { path: start, iterations: 0, energyStart: energy, energyEnd: energy, length, startLength: length, converged: true };
  }
  // The path in frame order as runs of consecutive free or fixed frames, joined by concat
  // (gather's gradient needs UnsortedSegmentSum, which the wasm backend lacks).
  const runs: { free: boolean; start: number; size: number }[] = [];
  const seen = { free: 0, fixed: 0 };
  for (let i = 0; i < F; i++) {
    const isFree = !fixed.has(i);
    const last = runs[runs.length - 1];
    if (last && last.free === isFree) last.size++;
    else runs.push({ free: isFree, start: isFree ? seen.free : seen.fixed, size: 1 });
    if (isFree) seen.free++;
    else seen.fixed++;
  }
  const init = tf.tensor2d(freeIdx.map((i) => start[i]));
  const free = tf.variable(init, true);
  init.dispose();
  const fixedT = tf.tensor2d(fixedIdx.map((i) => start[i]), [fixedIdx.length, J]);
  const assemble = () => tf.concat(runs.map((r) => tf.slice(r.free ? free : fixedT, [r.start, 0], [r.size, J])), 0) as tf.Tensor2D;
  let m: tf.Tensor = tf.zerosLike(free);
  let v: tf.Tensor = tf.zerosLike(free);
  const b1 = 0.9;
  const b2 = 0.999;
  const eps = 1e-8;
  let best = { length: Infinity, values: new Float32Array(0) };
  let startLength = NaN;
  let energyStart = NaN;
  let energyEnd = NaN;
  let grad0 = NaN;
  let converged = false;
  let it = 0;
  const energies: number[] = [];
  try {
    for (; ; it++) {
      throwIfCancelled(opts.signal);
      let seg: tf.Tensor1D | null = null;
      const { value, grads } = tf.variableGrads(() => {
        const s = segmentSquares(model, assemble());
        seg = tf.keep(s);
        return tf.sum(s) as tf.Scalar;
      }, [free]);
      const g = grads[free.name];
      const normT = tf.norm(g);
      const [segValues, energy, gradNorm, current] = await Promise.all([seg!.data(), value.data(), normT.data(), free.data()]);
      tf.dispose([seg!, value, normT]);
      const length = Array.from(segValues).reduce((s, x) => s + Math.sqrt(x), 0);
      if (it === 0) {
        startLength = length;
        energyStart = energy[0];
        grad0 = gradNorm[0];
      }
      energyEnd = energy[0];
      if (length < best.length) best = { length, values: Float32Array.from(current as Float32Array) };
      energies.push(energy[0]);
      if (it > 0) opts.onStep?.(it, energy[0]);
      // Converged: a small gradient, or the energy has stopped falling over the last PLATEAU steps.
      const plateau = it >= PLATEAU && energies[it - PLATEAU] - energy[0] <= opts.tolerance * 0.1 * energies[it - PLATEAU];
      if (gradNorm[0] <= opts.tolerance * grad0 || grad0 === 0 || plateau) converged = true;
      if (converged || it >= opts.iterations) {
        tf.dispose(g);
        break;
      }
      const t = it + 1;
      const [m2, v2, next] = tf.tidy(() => {
        const mNew = tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1));
        const vNew = tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2));
        const step = tf.div(tf.div(mNew, 1 - b1 ** t), tf.add(tf.sqrt(tf.div(vNew, 1 - b2 ** t)), eps));
        return [mNew, vNew, tf.sub(free, tf.mul(step, opts.learningRate))];
      });
      tf.dispose([m, v, g]);
      m = m2;
      v = v2;
      free.assign(next);
      next.dispose();
    }
  } finally {
    tf.dispose([free, fixedT, m, v]);
  }
  const path = start.map((z) => z.slice());
  freeIdx.forEach((frame, r) => (path[frame] = Array.from(best.values.subarray(r * J, (r + 1) * J))));
  return { path, iterations: it, energyStart, energyEnd, length: best.length, startLength, converged };
}
