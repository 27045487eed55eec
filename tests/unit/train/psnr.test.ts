import { describe, expect, it } from 'vitest';
import { displayedSquaredError, PsnrMeter, psnrFromMse } from '../../../src/train/psnr';

describe('validation PSNR', () => {
  it('is 10 log10(1 / MSE) for values in [0, 1]', () => {
    expect(psnrFromMse(0.01)).toBeCloseTo(20, 12);
    expect(psnrFromMse(0.001)).toBeCloseTo(30, 12);
    expect(psnrFromMse(1)).toBe(0);
    expect(psnrFromMse(0.25)).toBeCloseTo(6.0206, 4);
    expect(psnrFromMse(0)).toBe(100); // a perfect match is capped, not Infinity
    expect(psnrFromMse(NaN)).toBeNaN();
  });

  it('compares RGBA as shown over mid-grey: colour under transparency is free, a wrong alpha is not', () => {
    // One pixel each. Transparent red vs transparent green: both show grey.
    expect(displayedSquaredError([1, 0, 0, 0], [0, 1, 0, 0], 1, 1, 4)).toEqual({ sum: 0, values: 3 });
    // Opaque red vs a transparent reconstruction: red against grey, (0.5^2 + 0.5^2 + 0.5^2) over 3 values.
    const r = displayedSquaredError([1, 0, 0, 1], [1, 0, 0, 0], 1, 1, 4);
    expect(r.sum / r.values).toBeCloseTo(0.25, 12);
    // Half-transparent white over grey shows 0.75; opaque 0.75 grey matches it exactly.
    expect(displayedSquaredError([1, 1, 1, 0.5], [0.75, 0.75, 0.75, 1], 1, 1, 4).sum).toBeCloseTo(0, 12);
  });

  it('compares gray and RGB values as they are, clamping reconstructions to [0, 1] like the display', () => {
    const x = new Float32Array(12).fill(0.5);
    const rec = new Float32Array(12).fill(0.6);
    const r = displayedSquaredError(x, rec, 2, 2, 3);
    expect(r.values).toBe(12);
    expect(psnrFromMse(r.sum / r.values)).toBeCloseTo(20, 4);
    expect(displayedSquaredError([1, 0], [1.7, -0.3], 2, 1, 1).sum).toBe(0);
  });

  it('over batches equals the PSNR of the mean over all values', () => {
    const m = new PsnrMeter();
    m.add([0, 0, 0, 0], [0.1, 0.1, 0.1, 0.1], 4, 1, 1); // MSE 0.01
    m.add([1, 1, 1, 1], [0.7, 0.7, 0.7, 0.7], 4, 1, 1); // MSE 0.09
    expect(m.mse).toBeCloseTo(0.05, 12);
    expect(m.psnr()).toBeCloseTo(10 * Math.log10(1 / 0.05), 10);
  });
});
