import { describe, expect, it } from 'vitest';
import { addNearestDetail, fitJointPrior, fitPrior, nearestAnchors, principalDetail, sampleFittedPrior, type FittedAnchors } from '../../../src/latent/fitted-prior';
import * as tf from '@tensorflow/tfjs';
import { resolveModelConfig } from '../../../src/model/config';
import { wrapModel } from '../../../src/model/load';
import { Rng } from '../../../src/model/rng';
import { Vae } from '../../../src/model/vae';

/**
 * The hierarchy's fitted prior models z2's offsets by their principal directions jointly with z1
 * (src/latent/fitted-prior.ts). Checked on data of known structure: planted directions and
 * variances, planted dependence between z1 and the offsets.
 */

/** Orthonormal rows: the first `k` unit vectors of a seeded rotation of R^L (Gram-Schmidt). */
function orthonormal(k: number, L: number, seed: number): Float64Array[] {
  const rng = new Rng(seed);
  const rows: Float64Array[] = [];
  while (rows.length < k) {
    const v = Float64Array.from(rng.normals(L));
    for (const r of rows) {
      let d = 0;
      for (let j = 0; j < L; j++) d += v[j] * r[j];
      for (let j = 0; j < L; j++) v[j] -= d * r[j];
    }
    const n = Math.hypot(...v);
    rows.push(v.map((x) => x / n));
  }
  return rows;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j] * b[j];
  return s;
};

describe('principalDetail', () => {
  it('finds planted directions in order of variance, and the isotropic residual between them', () => {
    const L = 40;
    const N = 4000;
    const dirs = orthonormal(3, L, 7);
    const sds = [3, 2, 1];
    const noise = 0.1;
    const offset = 0.5;
    const rng = new Rng(3);
    const x = new Float32Array(N * L);
    for (let n = 0; n < N; n++) {
      const c = rng.normals(3);
      const e = rng.normals(L);
      for (let j = 0; j < L; j++) x[n * L + j] = offset + noise * e[j] + dirs.reduce((s, d, k) => s + sds[k] * c[k] * d[j], 0);
    }
    const m = principalDetail(x, N, L, 3);
    expect(m.basis).toHaveLength(3);
    // Each found direction is a planted one (up to sign), in order of variance.
    m.basis.forEach((b, k) => {
      expect(Math.abs(dot(b, dirs[k]))).toBeGreaterThan(0.999);
      expect(Math.hypot(...b)).toBeCloseTo(1, 4);
    });
    // What the three leave out is the isotropic noise: sigma 0.1 per value.
    expect(m.residualSigma).toBeGreaterThan(0.09);
    expect(m.residualSigma).toBeLessThan(0.11);
    // Explained share: (9 + 4 + 1 + 3 * 0.01) / (14 + 40 * 0.01) within sampling error.
    expect(m.explained).toBeCloseTo(14.03 / 14.4, 1);
    for (let j = 0; j < L; j++) expect(Math.abs(m.mean[j] - offset)).toBeLessThan(0.15);
  });

  it('keeps every direction of data that has no more than k of them, leaving no residual', () => {
    const L = 12;
    const N = 500;
    const dirs = orthonormal(2, L, 11);
    const rng = new Rng(5);
    const x = new Float32Array(N * L);
    for (let n = 0; n < N; n++) {
      const c = rng.normals(2);
      for (let j = 0; j < L; j++) x[n * L + j] = 2 * c[0] * dirs[0][j] + c[1] * dirs[1][j];
    }
    const m = principalDetail(x, N, L, 2);
    expect(m.residualSigma).toBeLessThan(1e-2);
    expect(m.explained).toBeGreaterThan(0.9999);
  });
});

describe('the joint fitted prior', () => {
  // z1 in 2 dims, two clusters; each image's z2 offset is determined by its z1 (offset = z1[0] * d),
  // as a sprite's detail goes with its global shape. Independent draws would lose that link.
  const J = 2;
  const L = 30;
  const N = 1200;
  const d = orthonormal(1, L, 21)[0];
  const rng = new Rng(9);
  const mu = new Float32Array(N * J);
  const offsets = new Float32Array(N * L);
  for (let n = 0; n < N; n++) {
    const side = n % 2 === 0 ? -2 : 2;
    const e = rng.normals(J);
    mu[n * J] = side + 0.3 * e[0];
    mu[n * J + 1] = 0.5 * e[1];
    const f = rng.normals(L);
    for (let j = 0; j < L; j++) offsets[n * L + j] = mu[n * J] * d[j] + 0.01 * f[j];
  }
  const rows = Array.from({ length: N }, (_, i) => i);
  const prior = fitJointPrior(mu, J, rows, offsets, L, 4);

  it('draws offsets that go with their z1, as in the data', () => {
    const { z, lowerOffsets } = sampleFittedPrior(prior, 600, 1, 4, 1);
    expect(z).toHaveLength(600);
    expect(z[0]).toHaveLength(J);
    expect(lowerOffsets).toHaveLength(600 * L);
    // The offset's coordinate along d tracks z1[0] (correlation near 1; independent draws give ~0).
    const a = z.map((v) => v[0]);
    const b = z.map((_, n) => dot(lowerOffsets!.subarray(n * L, (n + 1) * L), d));
    const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
    const ma = mean(a);
    const mb = mean(b);
    const cov = a.reduce((s, x, i) => s + (x - ma) * (b[i] - mb), 0);
    const corr = cov / Math.sqrt(a.reduce((s, x) => s + (x - ma) ** 2, 0) * b.reduce((s, x) => s + (x - mb) ** 2, 0));
    expect(corr).toBeGreaterThan(0.98);
    // Both clusters are drawn, with their own offsets' sign.
    expect(a.filter((x) => x < 0).length).toBeGreaterThan(200);
    expect(a.filter((x) => x > 0).length).toBeGreaterThan(200);
  });

  it('adds the residual only at a detail temperature above 0, scaled by it', () => {
    const spread = (detail: number) => {
      const { lowerOffsets } = sampleFittedPrior(prior, 200, 1, 8, detail);
      // Distance of each offset from the span of the mean and the kept directions.
      let sum = 0;
      for (let n = 0; n < 200; n++) {
        const r = Float64Array.from(lowerOffsets!.subarray(n * L, (n + 1) * L), (v, j) => v - prior.detail!.mean[j]);
        for (const b of prior.detail!.basis) {
          const c = dot(r, b);
          for (let j = 0; j < L; j++) r[j] -= c * b[j];
        }
        sum += Math.hypot(...r);
      }
      return sum / 200;
    };
    expect(spread(0)).toBeLessThan(1e-4);
    const one = spread(1);
    expect(one).toBeGreaterThan(0);
    expect(spread(0.5) / one).toBeCloseTo(0.5, 1);
  });

  it('is the same for the same seed', () => {
    expect(sampleFittedPrior(prior, 5, 1, 3, 0.8)).toEqual(sampleFittedPrior(prior, 5, 1, 3, 0.8));
  });
});

describe('fitPrior on a model with the fine spatial layer', () => {
  async function fineModel() {
    await tf.setBackend('cpu');
    const vae = new Vae(resolveModelConfig({ height: 32, width: 32, channels: 4, latentDim: 3, lowerChannels: 2, convFilters: [4, 4, 4], denseUnits: 8, fineLatent: true }), 3);
    const model = wrapModel(vae, { schemaVersion: 1, modelConfig: vae.config, step: 0, epoch: 0, datasetHash: 'x' });
    const count = 24;
    const rng = new Rng(4);
    const pixels = Uint8Array.from({ length: count * 32 * 32 * 4 }, () => Math.floor(rng.uniform() * 256));
    const dataset = {
      index: { count, size: 32, channels: 4, items: Array.from({ length: count }, () => ({ label: '' })) },
      pixels,
      indicesOf: () => Array.from({ length: count }, (_, i) => i),
    } as unknown as Parameters<typeof fitPrior>[1];
    const mu = Float32Array.from(rng.normals(count * 3));
    const prior = await fitPrior(model, dataset, mu);
    /** The image's own offsets from the prior means along its posterior path. */
    const ownOffsets = (i: number) => {
      const x = Float32Array.from(pixels.subarray(i * 4096, (i + 1) * 4096), (v) => v / 255);
      return tf.tidy(() => vae.lowerOffsets(tf.tensor4d(x, [1, 32, 32, 4]))!.dataSync() as Float32Array);
    };
    return { vae, model, dataset, prior, ownOffsets };
  }

  it('fits the layers above the fine one and leaves the fine one at its prior mean (offset 0)', async () => {
    const { vae, prior } = await fineModel();
    const [coarse, fine] = vae.lowerSizes;
    expect(fine).toBe(16 * 16 * 2);
    expect(prior.detail!.lowerDim).toBe(coarse + fine);
    expect(prior.detail!.fittedDim).toBe(coarse);
    const { lowerOffsets } = sampleFittedPrior(prior, 5, 1, 9, 1);
    const L = coarse + fine;
    for (let n = 0; n < 5; n++) {
      const row = lowerOffsets!.subarray(n * L, (n + 1) * L);
      expect(row.subarray(0, coarse).some((v) => v !== 0)).toBe(true);
      expect(row.subarray(coarse).every((v) => v === 0)).toBe(true);
    }
    vae.dispose();
  });

  it("borrows the nearest fitted image's detail: a draw on that image gets back its own offsets at detail 1, a share of them at 0.5, none at 0", async () => {
    const { vae, model, dataset, prior, ownOffsets } = await fineModel();
    const anchors = prior.anchors!;
    const m = prior.detail!;
    const dim = anchors.spread.length;
    const J = prior.latentDim;
    const L = m.lowerDim;
    const F = m.fittedDim;
    // A draw exactly at fitted image a's point, with the fitted part sampleFittedPrior gives a
    // draw there: the mean plus its coordinates along the directions (fine layer 0).
    const a = 7;
    const point = Array.from(anchors.points.subarray(a * dim, (a + 1) * dim));
    const drawAt = () => {
      const row = new Float32Array(L);
      row.set(m.mean);
      m.basis.forEach((b, k) => {
        for (let j = 0; j < F; j++) row[j] += point[J + k] * b[j];
      });
      return { z: [point.slice(0, J)], lowerOffsets: row, points: [point] };
    };
    const own = ownOffsets(anchors.rows[a]);
    expect(own.subarray(F).some((v) => Math.abs(v) > 1e-3)).toBe(true); // the fine layer has something to borrow
    for (const detail of [1, 0.5, 0]) {
      const drawn = drawAt();
      const before = drawn.lowerOffsets.slice();
      const borrowed = await addNearestDetail(model, dataset, prior, drawn, detail);
      expect(borrowed).toEqual([anchors.rows[a]]);
      for (let j = 0; j < L; j++) expect(drawn.lowerOffsets[j]).toBeCloseTo(before[j] + detail * (own[j] - before[j]), 4);
    }
    vae.dispose();
  });

  it('is refused for a prior without a detail layer (the flat model)', async () => {
    const { vae, model, dataset, prior } = await fineModel();
    await expect(addNearestDetail(model, dataset, { ...prior, anchors: null }, { z: [[0, 0, 0]], points: [[0, 0, 0]] }, 1)).rejects.toThrow(/no detail layer/);
    vae.dispose();
  });
});

describe('nearestAnchors', () => {
  // Two coordinates of very different spread: the nearest is nearest in standardised units.
  const anchors: FittedAnchors = { rows: [10, 11, 12], points: Float64Array.from([1, 0, 0, 50, 5, 500]), spread: Float64Array.from([1, 100]) };

  it("measures distance in units of each coordinate's spread", () => {
    // From (0, 0): (1, 0) is 1 unit away, (0, 50) only 0.5 (raw distances 1 and 50).
    expect(nearestAnchors(anchors, [[0, 0]])).toEqual([1]);
    expect(
      nearestAnchors(anchors, [
        [0.9, 10],
        [4, 480],
      ]),
    ).toEqual([0, 2]);
  });

  it('keeps to the allowed images, unless none is allowed', () => {
    expect(nearestAnchors(anchors, [[0, 0]], (row) => row !== 11)).toEqual([0]);
    expect(nearestAnchors(anchors, [[0, 0]], () => false)).toEqual([1]);
  });
});
