import { describe, expect, it } from 'vitest';
import { lerp, pathThrough, slerp } from '../../../src/latent/interpolate';
import { samplePosterior, samplePrior, sweepValues, traversal } from '../../../src/latent/generate';
import { Rng } from '../../../src/model/rng';

const norm = (v: ArrayLike<number>) => Math.hypot(...Array.from(v));
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, k) => s + x * b[k], 0);
const angle = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.acos(Math.min(1, Math.max(-1, dot(a, b) / (norm(a) * norm(b)))));

describe('slerp', () => {
  const rng = new Rng(5);
  const a = Array.from(rng.normals(16));
  const b = Array.from(rng.normals(16));

  it('keeps both endpoints', () => {
    slerp(a, b, 0).forEach((v, j) => expect(v).toBeCloseTo(a[j], 12));
    slerp(a, b, 1).forEach((v, j) => expect(v).toBeCloseTo(b[j], 12));
  });

  it('moves along the great circle at a constant angular speed when the norms are equal', () => {
    // Scale b to |a|: the path then stays on the sphere of radius |a|, angle to a = t * Omega.
    const bb = b.map((v) => (v * norm(a)) / norm(b));
    const omega = angle(a, bb);
    for (const t of [0.1, 0.25, 0.5, 0.8]) {
      const z = slerp(a, bb, t);
      expect(norm(z)).toBeCloseTo(norm(a), 10);
      expect(angle(a, z)).toBeCloseTo(t * omega, 10);
      expect(angle(z, bb)).toBeCloseTo((1 - t) * omega, 10);
    }
  });

  it('stays in the plane of the endpoints and matches the closed form for unequal norms', () => {
    const omega = angle(a, b);
    for (const t of [0.3, 0.7]) {
      const z = slerp(a, b, t);
      // |z|^2 = (|a|^2 s1^2 + |b|^2 s2^2 + 2 s1 s2 a.b) / sin^2(Omega), s1 = sin((1-t)Omega), s2 = sin(t Omega).
      const s1 = Math.sin((1 - t) * omega);
      const s2 = Math.sin(t * omega);
      const expected = Math.sqrt(norm(a) ** 2 * s1 * s1 + norm(b) ** 2 * s2 * s2 + 2 * s1 * s2 * dot(a, b)) / Math.sin(omega);
      expect(norm(z)).toBeCloseTo(expected, 10);
      // The component orthogonal to span(a, b) is zero.
      const ua = a.map((v) => v / norm(a));
      const bPerp = b.map((v, j) => v - dot(b, ua) * ua[j]);
      const ub = bPerp.map((v) => v / norm(bPerp));
      const resid = z.map((v, j) => v - dot(z, ua) * ua[j] - dot(z, ub) * ub[j]);
      expect(norm(resid)).toBeLessThan(1e-10);
    }
  });

  it('equals lerp for parallel, antiparallel or zero vectors', () => {
    const c = a.map((v) => 2.5 * v);
    for (const t of [0.2, 0.5, 0.9]) {
      expect(slerp(a, c, t)).toEqual(lerp(a, c, t));
      expect(
        slerp(
          a,
          a.map((v) => -v),
          t,
        ),
      ).toEqual(
        lerp(
          a,
          a.map((v) => -v),
          t,
        ),
      );
      expect(
        slerp(
          a,
          a.map(() => 0),
          t,
        ),
      ).toEqual(
        lerp(
          a,
          a.map(() => 0),
          t,
        ),
      );
    }
    expect(slerp(a, c, 0.5).every(Number.isFinite)).toBe(true);
  });
});

describe('paths through waypoints', () => {
  it('lands on every waypoint and shares the joint frames', () => {
    const w = [
      [0, 0],
      [1, 0],
      [1, 2],
    ];
    const p = pathThrough(w, 5, 'linear');
    expect(p).toHaveLength(9);
    expect(p[0]).toEqual([0, 0]);
    expect(p[4]).toEqual([1, 0]);
    expect(p[8]).toEqual([1, 2]);
    expect(p[2]).toEqual([0.5, 0]);
    expect(p[6]).toEqual([1, 1]);
  });
});

describe('sampling and traversal', () => {
  it('draws prior samples with standard deviation tau, repeatably from the seed', () => {
    const z = samplePrior(4000, 8, 0.5, 9);
    const flat = z.flat();
    const sd = Math.sqrt(flat.reduce((s, v) => s + v * v, 0) / flat.length);
    expect(sd).toBeCloseTo(0.5, 1.5);
    expect(samplePrior(3, 8, 0.5, 9)).toEqual(z.slice(0, 3));
    expect(samplePrior(3, 8, 0.5, 10)).not.toEqual(z.slice(0, 3));
  });

  it('samples q(z|x) with its mean and per-dimension sigma', () => {
    const mu = [1, -2, 0.5];
    const logvar = [Math.log(0.04), Math.log(1), Math.log(0.25)];
    const z = samplePosterior(mu, logvar, 20000, 1, 3);
    for (let j = 0; j < 3; j++) {
      const col = z.map((v) => v[j]);
      const m = col.reduce((s, v) => s + v, 0) / col.length;
      const sd = Math.sqrt(col.reduce((s, v) => s + (v - m) ** 2, 0) / col.length);
      expect(m).toBeCloseTo(mu[j], 1);
      expect(sd).toBeCloseTo(Math.exp(0.5 * logvar[j]), 1.5);
    }
  });

  it('sweeps one dimension from -3 to 3 with the others held at the base', () => {
    const values = sweepValues(7, 3);
    expect(values).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    const rows = traversal([0.5, 0.6, 0.7], [2, 0], values);
    expect(rows).toHaveLength(14);
    expect(rows[0]).toEqual([0.5, 0.6, -3]);
    expect(rows[13]).toEqual([3, 0.6, 0.7]);
    expect(() => traversal([0, 0], [2], values)).toThrow(/0 to 1/);
  });
});
