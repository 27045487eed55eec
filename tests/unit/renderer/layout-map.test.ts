import { describe, expect, it } from 'vitest';
import type { LayoutMethod } from '../../../src/contract';
import { isLinearLayout, LAYOUT_NAMES, noEllipsoidsReason, projectLinear } from '../../../renderer/lib/layout-map';

type LinearMap = Parameters<typeof projectLinear>[0];

describe('the linear layout map y = P (z - m)', () => {
  it('with P the first three unit rows and m = 0 keeps the first three coordinates', () => {
    const map: LinearMap = {
      centre: [0, 0, 0, 0, 0],
      components: [
        [1, 0, 0, 0, 0],
        [0, 1, 0, 0, 0],
        [0, 0, 1, 0, 0],
      ],
    };
    expect(
      Array.from(
        projectLinear(map, [
          [1, 2, 3, 4, 5],
          [-1, 0.5, 7, 9, 9],
        ]),
      ),
    ).toEqual([1, 2, 3, -1, 0.5, 7]);
  });

  it('subtracts the centre: the centre itself lands on the origin', () => {
    const centre = [0.5, -2, 3, 1];
    const map: LinearMap = {
      centre,
      components: [
        [1, 1, 0, 0],
        [0, 0, 1, 0],
        [0, 0, 0, 2],
      ],
    };
    expect(Array.from(projectLinear(map, [centre]))).toEqual([0, 0, 0]);
    // z - m = (1, 1, 1, 1): rows sum to 2, 1 and 2.
    expect(Array.from(projectLinear(map, [centre.map((c) => c + 1)]))).toEqual([2, 1, 2]);
  });

  it('with orthonormal rows in 3-D (a rotation) keeps every distance to the centre', () => {
    const t = 0.7;
    const rotation: LinearMap['components'] = [
      [Math.cos(t), -Math.sin(t), 0],
      [Math.sin(t), Math.cos(t), 0],
      [0, 0, 1],
    ];
    const centre = [1, 2, 3];
    const z = [
      [4, -1, 0.25],
      [1, 2, 3],
      [-3, 5, 8],
    ];
    const y = projectLinear({ centre, components: rotation }, z);
    z.forEach((v, i) => {
      const before = Math.hypot(...v.map((x, j) => x - centre[j]));
      const after = Math.hypot(y[i * 3], y[i * 3 + 1], y[i * 3 + 2]);
      expect(after).toBeCloseTo(before, 5);
    });
  });

  it('is linear: the projection of a + b is the sum of the projections (m = 0)', () => {
    const map: LinearMap = {
      centre: [0, 0, 0, 0],
      components: [
        [0.3, -1, 2, 0],
        [1, 1, 1, 1],
        [0, 0.5, 0, -0.5],
      ],
    };
    const a = [1, 2, 3, 4];
    const b = [-2, 0.5, 1, 7];
    const [pa, pb, pab] = [a, b, a.map((x, j) => x + b[j])].map((v) => projectLinear(map, [v]));
    for (let r = 0; r < 3; r++) expect(pab[r]).toBeCloseTo(pa[r] + pb[r], 5);
  });

  it('gives an empty array for no vectors', () => {
    expect(
      projectLinear(
        {
          centre: [0, 0],
          components: [
            [1, 0],
            [0, 1],
            [0, 0],
          ],
        },
        [],
      ).length,
    ).toBe(0);
  });
});

describe('layout kinds', () => {
  const all: LayoutMethod[] = ['pca', 'dims', 'umap', 'tsne'];
  it('PCA and Dimensions are linear, UMAP and t-SNE are not', () => {
    expect(all.filter(isLinearLayout)).toEqual(['pca', 'dims']);
  });
  it('a nonlinear layout says by name why it draws no ellipsoids', () => {
    expect(noEllipsoidsReason('umap')).toMatch(/^UMAP bends space/);
    expect(noEllipsoidsReason('tsne')).toMatch(/^t-SNE bends space/);
    expect(noEllipsoidsReason('tsne')).toContain('under PCA and Dimensions only');
    expect(new Set(all.map((m) => LAYOUT_NAMES[m])).size).toBe(4);
  });
});
