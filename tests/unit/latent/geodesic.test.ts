import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/backend/choose';
import { AtlasError } from '../../../src/errors';
import { chainSmoother, checkGeodesicSize, GEODESIC_BLOCK_FRAMES, geodesicPath, imageSpaceLength, MAX_GEODESIC_FRAMES, pathThrough, type Vector } from '../../../src/latent/interpolate';
import type { LoadedModel } from '../../../src/model/load';
import { Rng } from '../../../src/model/rng';

/**
 * The geodesic optimiser on decoders whose answer is known, through the LoadedModel interface
 * only (decode): a linear decoder, whose shortest path is the straight line itself, and a
 * curved one (tanh of a linear map), whose straight line is not shortest.
 */
const J = 4;
const SIDE = 6;

function decoderModel(curved: boolean, seed: number): LoadedModel {
  const rng = new Rng(seed);
  const A = tf.tensor2d(rng.normals(J * SIDE * SIDE), [J, SIDE * SIDE]);
  const b = tf.tensor1d(rng.normals(SIDE * SIDE));
  const decode = (z: tf.Tensor2D) =>
    tf.tidy(() => {
      const lin = tf.add(tf.matMul(z, A), b);
      return tf.reshape(curved ? tf.tanh(tf.mul(lin, 2)) : lin, [z.shape[0], SIDE, SIDE, 1]) as tf.Tensor4D;
    });
  return { config: { latentDim: J }, decode } as unknown as LoadedModel;
}

const ends: Vector[] = [
  [-1.5, 0.5, 1, -0.5],
  [1.5, -1, -0.5, 1],
];
const same = (p: Vector[], q: Vector[]) => p.every((z, i) => z.every((v, j) => v === q[i][j]));

beforeAll(async () => {
  await initBackend({ force: 'cpu' });
});

describe('geodesic optimiser', () => {
  it('keeps the straight line of a linear decoder: no improvement claimed, energy never rises', async () => {
    const model = decoderModel(false, 1);
    const linear = pathThrough(ends, 12, 'linear');
    const trace: number[] = [];
    const before = tf.memory().numTensors;
    const g = await geodesicPath(model, linear, new Set([0, 11]), { iterations: 100, learningRate: 0.05, tolerance: 1e-3, onStep: (_, e) => trace.push(e) });
    expect(tf.memory().numTensors).toBe(before);
    expect(g.improved).toBe(false);
    expect(g.converged).toBe(false);
    expect(g.energyEnd).toBe(g.energyStart);
    expect(g.length).toBe(g.startLength);
    expect(same(g.path, linear)).toBe(true);
    expect(g.iterations).toBeLessThan(100); // it stops once no step lowers the energy
    for (const e of trace) expect(e).toBeLessThanOrEqual(g.energyStart);
    for (let i = 1; i < trace.length; i++) expect(trace[i]).toBeLessThanOrEqual(trace[i - 1]);
    console.log(JSON.stringify({ linearDecoder: { energyStart: g.energyStart, steps: g.iterations, improved: g.improved } }));
  });

  it('shortens the path of a curved decoder with an energy that never rises, and reports convergence only after lowering it', async () => {
    const model = decoderModel(true, 2);
    const linear = pathThrough(ends, 16, 'linear');
    const trace: number[] = [];
    const g = await geodesicPath(model, linear, new Set([0, 15]), { iterations: 400, learningRate: 0.05, tolerance: 1e-4, onStep: (_, e) => trace.push(e) });
    expect(g.improved).toBe(true);
    expect(g.energyEnd).toBeLessThan(0.9 * g.energyStart);
    expect(g.length).toBeLessThan(g.startLength);
    expect(trace).toHaveLength(g.iterations);
    expect(trace[0]).toBeLessThanOrEqual(g.energyStart);
    for (let i = 1; i < trace.length; i++) expect(trace[i]).toBeLessThanOrEqual(trace[i - 1]);
    expect(trace.at(-1)).toBe(g.energyEnd);
    // The reported numbers are the returned path's own.
    expect(await imageSpaceLength(model, g.path)).toBeCloseTo(g.length, 3);
    expect(await imageSpaceLength(model, linear)).toBeCloseTo(g.startLength, 3);
    expect(g.path[0]).toEqual(linear[0]);
    expect(g.path[15]).toEqual(linear[15]);
    expect(g.converged).toBe(true);
    console.log(JSON.stringify({ curvedDecoder: { energyStart: g.energyStart, energyEnd: g.energyEnd, startLength: g.startLength, length: g.length, steps: g.iterations } }));
  });

  it('smooths a gradient by solving the chain Laplacian over the free frames', () => {
    // F = 9 frames, fixed 0, 4 and 8 (Dirichlet runs) plus a run open at the end (F = 11, 8 fixed last free).
    const rng = new Rng(8);
    for (const { F, fixed } of [
      { F: 9, fixed: new Set([0, 4, 8]) },
      { F: 11, fixed: new Set([0, 5]) },
    ]) {
      const g = Float32Array.from(rng.normals(F * 2));
      for (const i of fixed) g.fill(0, i * 2, i * 2 + 2);
      const d = chainSmoother(F, 2, fixed)(g);
      const at = (i: number, c: number) => (fixed.has(i) ? 0 : d[i * 2 + c]);
      for (let i = 0; i < F; i++)
        for (let c = 0; c < 2; c++) {
          if (fixed.has(i)) {
            expect(d[i * 2 + c]).toBe(0);
            continue;
          }
          // (L d)_i = (number of neighbours) d_i - sum of free neighbours' d = g_i
          const neighbours = (i > 0 ? 1 : 0) + (i < F - 1 ? 1 : 0);
          const Ld = neighbours * at(i, c) - (i > 0 ? at(i - 1, c) : 0) - (i < F - 1 ? at(i + 1, c) : 0);
          expect(Ld).toBeCloseTo(g[i * 2 + c], 5);
        }
    }
  });

  it('agrees with one block when the path spans several blocks of frames', async () => {
    // The same path split into blocks (F > GEODESIC_BLOCK_FRAMES) gives the same energy as one decode.
    const model = decoderModel(true, 3);
    const F = 2 * GEODESIC_BLOCK_FRAMES + 5;
    const linear = pathThrough(ends, F, 'linear');
    const g = await geodesicPath(model, linear, new Set([0, F - 1]), { iterations: 3, learningRate: 0.01, tolerance: 0 });
    const seg = tf.tidy(() => {
      const x = tf.reshape(model.decode(tf.tensor2d(linear)), [F, -1]);
      return tf.sum(tf.square(tf.sub(tf.slice(x, [1, 0], [F - 1, -1]), tf.slice(x, [0, 0], [F - 1, -1]))));
    });
    expect(g.energyStart).toBeCloseTo((await seg.data())[0], 3);
    seg.dispose();
    expect(g.iterations).toBe(3);
  });

  it('stops inside the optimisation loop soon after a cancel from outside', async () => {
    const model = decoderModel(true, 4);
    const F = 3 * GEODESIC_BLOCK_FRAMES;
    const linear = pathThrough(ends, F, 'linear');
    const controller = new AbortController();
    let steps = 0;
    let stepsAtAbort = -1;
    // The abort comes from another macrotask, as an engine's cancel message does: it gets in
    // only if the optimiser yields to the event loop.
    const poll = () => {
      if (steps >= 3) {
        stepsAtAbort = steps;
        controller.abort();
      } else setImmediate(poll);
    };
    setImmediate(poll);
    const running = geodesicPath(model, linear, new Set([0, F - 1]), { iterations: 5000, learningRate: 0.05, tolerance: 0, signal: controller.signal, onStep: () => steps++ });
    const err = await running.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AtlasError);
    expect((err as AtlasError).code).toBe('cancelled');
    expect(stepsAtAbort).toBeGreaterThanOrEqual(3);
    expect(steps - stepsAtAbort).toBeLessThanOrEqual(1);
  });

  it('refuses more than the bound of segments x frames with a clear error', async () => {
    expect(() => checkGeodesicSize(63, 16)).not.toThrow(); // 64 waypoints at the default 16 frames
    expect(() => checkGeodesicSize(4, 256)).not.toThrow();
    expect(MAX_GEODESIC_FRAMES).toBe(1024);
    let err: unknown;
    try {
      checkGeodesicSize(63, 256);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AtlasError);
    expect((err as AtlasError).code).toBe('invalid_input');
    expect((err as AtlasError).message).toContain('63 segments x 256 frames');
    expect((err as AtlasError).message).toContain('the limit is 1024');
    expect((err as AtlasError).detail).toMatchObject({ frames: 16128, limit: 1024 });
    expect(() => checkGeodesicSize(5, 256)).toThrow(/limit is 1024/);
    // geodesicPath itself refuses a longer path before decoding anything.
    const model = decoderModel(false, 5);
    const long = pathThrough(ends, MAX_GEODESIC_FRAMES + 2, 'linear');
    await expect(geodesicPath(model, long, new Set([0, long.length - 1]), { iterations: 10, learningRate: 0.05, tolerance: 1e-3 })).rejects.toMatchObject({ code: 'invalid_input' });
  });
});
