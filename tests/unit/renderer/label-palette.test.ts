import { describe, expect, it } from 'vitest';
import { fromOklab, GROUPED_COLOUR, LABEL_PALETTE, labelColours, MAX_DISTINCT_LABELS, oklab, oklabDistance } from '../../../renderer/scene/label-palette';
import { ellipsoidOpacity } from '../../../renderer/scene/ellipsoids';
import { projectLinear } from '../../../renderer/lib/layout-map';

function closestPair(colours: readonly number[]): number {
  let min = Infinity;
  for (let i = 0; i < colours.length; i++) for (let j = i + 1; j < colours.length; j++) min = Math.min(min, oklabDistance(colours[i], colours[j]));
  return min;
}

describe('label palette', () => {
  it('matches OKLab reference values and round-trips sRGB', () => {
    // Ottosson's reference: white is L = 1, a = b = 0; sRGB red is (0.62796, 0.22486, 0.12585).
    const white = oklab(0xffffff);
    expect(white[0]).toBeCloseTo(1, 4);
    expect(Math.hypot(white[1], white[2])).toBeLessThan(1e-4);
    const red = oklab(0xff0000);
    expect(red[0]).toBeCloseTo(0.62796, 4);
    expect(red[1]).toBeCloseTo(0.22486, 4);
    expect(red[2]).toBeCloseTo(0.12585, 4);
    for (const hex of [0x123456, 0xf0a44b, 0x00ff7f]) expect(fromOklab(...oklab(hex))).toBe(hex);
  });

  it(`keeps ${MAX_DISTINCT_LABELS} colours distinct: every pair at least 0.08 apart in OKLab (4x the just-noticeable 0.02)`, () => {
    expect(new Set(LABEL_PALETTE).size).toBe(MAX_DISTINCT_LABELS);
    const closest = closestPair(LABEL_PALETTE);
    console.log(
      `closest pair of ${MAX_DISTINCT_LABELS}: ${closest.toFixed(4)}; of 21: ${closestPair(LABEL_PALETTE.slice(0, 21)).toFixed(4)}; of 10: ${closestPair(LABEL_PALETTE.slice(0, 10)).toFixed(4)}`,
    );
    expect(closest).toBeGreaterThan(0.08);
    // The old 10-colour palette (three orange factions at 21 labels) had 0.062 at its closest; the first 10 here are further apart.
    expect(closestPair(LABEL_PALETTE.slice(0, 10))).toBeGreaterThan(0.1);
    // Every colour reads on both backgrounds and differs from the grey of grouped labels.
    for (const c of LABEL_PALETTE) {
      expect(oklabDistance(c, 0x15171c)).toBeGreaterThan(0.3);
      expect(oklabDistance(c, 0xf5f6f8)).toBeGreaterThan(0.1);
      expect(oklabDistance(c, GROUPED_COLOUR)).toBeGreaterThan(0.05);
    }
  });

  it('gives the largest labels the palette and groups the smallest beyond 30 into grey', () => {
    const few = labelColours([5, 50, 20]);
    expect(few.grouped).toEqual([]);
    expect(few.colours[1]).toBe(LABEL_PALETTE[0]);
    expect(few.colours[2]).toBe(LABEL_PALETTE[1]);
    expect(few.colours[0]).toBe(LABEL_PALETTE[2]);
    const counts = Array.from({ length: 34 }, (_, k) => 1000 - k); // label 0 largest
    const many = labelColours(counts);
    expect(many.grouped).toEqual([29, 30, 31, 32, 33]);
    expect(many.colours.slice(0, 29)).toEqual(LABEL_PALETTE.slice(0, 29));
    expect(many.colours.slice(29).every((c) => c === GROUPED_COLOUR)).toBe(true);
    expect(labelColours(new Array(30).fill(1)).grouped).toEqual([]);
  });
});

describe('ellipsoid opacity', () => {
  it('is solid for a few shapes and a faint haze for thousands, never increasing with the count', () => {
    expect(ellipsoidOpacity(1)).toBeCloseTo(0.4);
    expect(ellipsoidOpacity(5000)).toBeLessThan(0.03);
    let previous = Infinity;
    for (const n of [1, 3, 10, 30, 100, 1000, 10_000, 100_000]) {
      expect(ellipsoidOpacity(n)).toBeLessThanOrEqual(previous);
      previous = ellipsoidOpacity(n);
    }
    // The 95% shapes (k = 2.796) are larger and overlap more: fainter than 1 sigma.
    expect(ellipsoidOpacity(48, 2.796)).toBeCloseTo(ellipsoidOpacity(48) / 2.796, 9);
  });
});

describe('linear layout map', () => {
  it('is y = P (z - m)', () => {
    const map = {
      centre: [1, 0, 0, 2],
      components: [
        [1, 0, 0, 0],
        [0, 0.6, 0.8, 0],
        [0, 0, 0, -1],
      ] as [number[], number[], number[]],
    };
    const y = projectLinear(map, [
      [2, 1, 1, 2],
      [1, 0, 0, 5],
    ]);
    [1, 1.4, 0, 0, 0, -3].forEach((v, i) => expect(y[i]).toBeCloseTo(v, 6));
  });
});
