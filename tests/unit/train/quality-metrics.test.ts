import { describe, expect, it } from 'vitest';
import { alphaMae, clamp01, compositeOverGrey, luma, meanGradientMagnitude, meanIslands, psnr, sharpness, ssim } from '../../../src/train/quality-metrics';
import { Rng } from '../../../src/model/rng';

const shape = (count: number, height: number, width: number, channels: number) => ({ count, height, width, channels });

/** Deterministic smooth-ish test images with structure (not flat), values in [0.1, 0.9]. */
function pattern(count: number, H: number, W: number, C: number): Float32Array {
  const out = new Float32Array(count * H * W * C);
  for (let n = 0; n < count; n++)
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) out[((n * H + y) * W + x) * C + c] = 0.5 + 0.4 * Math.sin((x + 1) * (0.3 + 0.1 * c) + y * 0.45 + n);
  return out;
}

describe('psnr', () => {
  it('is 10 log10(1 / e^2) for a constant error e', () => {
    const a = new Float32Array(1000).fill(0.25);
    for (const e of [0.1, 0.01, 0.05]) {
      const b = a.map((v) => v + e);
      expect(psnr(a, b)).toBeCloseTo(10 * Math.log10(1 / (e * e)), 4);
    }
    // e = 0.1 is exactly 20 dB.
    expect(
      psnr(
        a,
        a.map((v) => v - 0.1),
      ),
    ).toBeCloseTo(20, 4);
  });

  it('is Infinity for identical images and uses the peak', () => {
    const a = pattern(2, 8, 8, 3);
    expect(psnr(a, a)).toBe(Infinity);
    const b = a.map((v) => v + 0.1);
    expect(psnr(a, b, 255)).toBeCloseTo(10 * Math.log10(255 ** 2 / 0.01), 3);
  });

  it('rejects arrays of different lengths', () => {
    expect(() => psnr(new Float32Array(3), new Float32Array(4))).toThrow(/one length/);
  });
});

describe('ssim', () => {
  const s = shape(3, 32, 32, 3);
  const x = pattern(3, 32, 32, 3);

  it('is exactly 1 for an image against itself', () => {
    expect(ssim(x, x, s)).toBeCloseTo(1, 12);
  });

  it('falls as more noise is added', () => {
    const rng = new Rng(7);
    const noise = rng.normals(x.length);
    const noisy = (sd: number) => x.map((v, i) => v + sd * noise[i]);
    const values = [0.01, 0.05, 0.15, 0.4].map((sd) => ssim(x, noisy(sd), s));
    expect(values[0]).toBeLessThan(1);
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeLessThan(values[i - 1]);
    expect(values[3]).toBeLessThan(0.5);
  });

  it('matches the closed form (2ab + C1) / (a^2 + b^2 + C1) for flat images shifted by a constant', () => {
    const C1 = 0.01 ** 2;
    for (const [a, b] of [
      [0.5, 0.6],
      [0.2, 0.7],
      [0.0, 0.1],
    ]) {
      const fa = new Float32Array(2 * 16 * 16 * 3).fill(a);
      const fb = new Float32Array(fa.length).fill(b);
      const want = (2 * a * b + C1) / (a * a + b * b + C1);
      expect(ssim(fa, fb, shape(2, 16, 16, 3))).toBeCloseTo(want, 5);
    }
  });

  it('is symmetric and uses a window no larger than the image', () => {
    const y = x.map((v, i) => v * 0.8 + 0.1 * Math.cos(i));
    expect(ssim(x, y, s)).toBeCloseTo(ssim(y, x, s), 10);
    const tiny = pattern(1, 6, 6, 1);
    expect(ssim(tiny, tiny, shape(1, 6, 6, 1))).toBeCloseTo(1, 12);
  });
});

describe('compositeOverGrey', () => {
  it('keeps opaque pixels, turns transparent ones grey and blends half-transparent ones', () => {
    // Three RGBA pixels: opaque red, transparent green, half-transparent blue.
    const px = Float32Array.from([1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0.5]);
    const { pixels, shape: out } = compositeOverGrey(px, shape(1, 1, 3, 4));
    expect(out.channels).toBe(3);
    const want = [1, 0, 0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.75];
    pixels.forEach((v, i) => expect(v).toBeCloseTo(want[i], 6));
  });

  it('uses the grey it is given and passes RGB through', () => {
    const px = Float32Array.from([0.3, 0.9, 0.1, 0]);
    expect(Array.from(compositeOverGrey(px, shape(1, 1, 1, 4), 0.2).pixels)).toEqual([0.2, 0.2, 0.2].map(Math.fround));
    const rgb = Float32Array.from([0.1, 0.2, 0.3]);
    expect(Array.from(compositeOverGrey(rgb, shape(1, 1, 1, 3)).pixels)).toEqual(Array.from(rgb));
  });
});

describe('alphaMae and clamp01', () => {
  it('averages |alpha - alpha_hat| over pixels and ignores colour', () => {
    const a = Float32Array.from([0, 0, 0, 1, 1, 1, 1, 0]);
    const b = Float32Array.from([1, 1, 1, 0.5, 0, 0, 0, 0.25]);
    expect(alphaMae(a, b, shape(1, 1, 2, 4))).toBeCloseTo((0.5 + 0.25) / 2, 6);
    expect(alphaMae(new Float32Array(3), new Float32Array(3), shape(1, 1, 1, 3))).toBeNull();
  });

  it('clamps to [0, 1] and maps NaN to 0', () => {
    expect(Array.from(clamp01([-0.5, 0.25, 1.5, NaN]))).toEqual([0, 0.25, 1, 0]);
  });
});

describe('sharpness', () => {
  it('gives h / (W - 1) for a vertical step edge of height h and 0 for a flat image', () => {
    const H = 8;
    const W = 10;
    const step = new Float32Array(H * W);
    for (let y = 0; y < H; y++) for (let x = 4; x < W; x++) step[y * W + x] = 0.6;
    expect(meanGradientMagnitude(step, { count: 1, height: H, width: W })).toBeCloseTo(0.6 / (W - 1), 6);
    expect(meanGradientMagnitude(new Float32Array(H * W).fill(0.3), { count: 1, height: H, width: W })).toBe(0);
  });

  it('gives sqrt(2) h / ((H-1)(W-1)) at a single bright corner pixel next to dark ones', () => {
    // One pixel of value h at (0,0): dx = dy = -h there, 0 elsewhere.
    const H = 5;
    const W = 5;
    const img = new Float32Array(H * W);
    img[0] = 0.5;
    expect(meanGradientMagnitude(img, { count: 1, height: H, width: W })).toBeCloseTo((Math.SQRT2 * 0.5) / 16, 6);
  });

  it('sees an RGBA edge only where it is opaque, through the grey composite and the luma', () => {
    // A white opaque right half over a transparent left half: luma steps from 0.5 (grey) to 1.
    const H = 4;
    const W = 6;
    const px = new Float32Array(H * W * 4);
    for (let y = 0; y < H; y++) for (let x = 3; x < W; x++) px.set([1, 1, 1, 1], (y * W + x) * 4);
    expect(sharpness(px, shape(1, H, W, 4))).toBeCloseTo(0.5 / (W - 1), 6);
    // The same colours fully transparent: no edge at all.
    for (let i = 3; i < px.length; i += 4) px[i] = 0;
    expect(sharpness(px, shape(1, H, W, 4))).toBe(0);
  });

  it('computes Rec. 601 luma', () => {
    expect(luma([1, 0, 0, 0, 1, 0, 0, 0, 1], shape(1, 1, 3, 3)).map((v) => Math.round(v * 1000))).toEqual(Float32Array.from([299, 587, 114]));
  });
});

describe('meanIslands', () => {
  /** One 6x6 RGBA image from a string per row: '#' opaque, '+' half (alpha 0.5), '.' clear. */
  const image = (rows: string[]): Float32Array => {
    const out = new Float32Array(6 * 6 * 4);
    rows.forEach((r, y) => [...r].forEach((c, x) => (out[(y * 6 + x) * 4 + 3] = c === '#' ? 1 : c === '+' ? 0.5 : 0)));
    return out;
  };
  const shape = (count: number) => ({ count, height: 6, width: 6, channels: 4 });

  it('counts 4-connected opaque regions of at least 3 pixels, averaged over images', () => {
    const one = image(['.##...', '.###..', '..#...', '......', '......', '......']);
    const two = image(['##....', '##....', '......', '....##', '....#.', '......']);
    // Touching only at a corner: two regions under 4-connectivity.
    const corner = image(['###...', '###...', '...###', '...###', '......', '......']);
    // A 2-pixel speck is below the minimum area; alpha 0.5 counts as opaque at the default threshold.
    const speck = image(['++....', '++....', '......', '.....#', '.....#', '......']);
    expect(meanIslands(one, shape(1))).toBe(1);
    expect(meanIslands(two, shape(1))).toBe(2);
    expect(meanIslands(corner, shape(1))).toBe(2);
    expect(meanIslands(speck, shape(1))).toBe(1);
    expect(meanIslands(speck, shape(1), 0.6)).toBe(0);
    const all = new Float32Array([...one, ...two, ...corner, ...speck]);
    expect(meanIslands(all, shape(4))).toBe(1.5);
  });

  it('refuses images without alpha', () => {
    expect(() => meanIslands(new Float32Array(6 * 6 * 3), { count: 1, height: 6, width: 6, channels: 3 })).toThrow(/RGBA/);
  });
});
