/**
 * Reconstruction quality as a person sees it: PSNR of the posterior-mean reconstruction, with
 * RGBA images composited over mid-grey (0.5) first, so a wrong colour under a transparent pixel
 * costs nothing and a wrong alpha costs what it shows. Values in [0, 1]; PSNR = 10 log10(1 / MSE).
 */

/** PSNR in dB of a mean squared error on [0, 1] values; capped at 100 dB for a perfect match. */
export function psnrFromMse(mse: number): number {
  if (!(mse >= 0)) return NaN;
  return Math.min(100, 10 * Math.log10(1 / Math.max(mse, 1e-10)));
}

/** The value a viewer sees of channel c of an RGBA pixel: colour over mid-grey by its alpha. */
const overGrey = (c: number, a: number) => c * a + 0.5 * (1 - a);

/**
 * Sum of squared errors over the displayed values of `rows` images (HWC, `channels` per pixel)
 * and how many values it summed: RGBA is compared as RGB over mid-grey, gray and RGB as they are.
 * Reconstructions are clamped to [0, 1] like the display clamps them.
 */
export function displayedSquaredError(x: ArrayLike<number>, recon: ArrayLike<number>, rows: number, pixelsPerImage: number, channels: number): { sum: number; values: number } {
  const clamp = (v: number) => (v <= 0 ? 0 : Math.min(v, 1));
  let sum = 0;
  const n = rows * pixelsPerImage;
  if (channels === 4) {
    for (let p = 0; p < n; p++) {
      const o = p * 4;
      const ax = clamp(x[o + 3]);
      const ar = clamp(recon[o + 3]);
      for (let c = 0; c < 3; c++) {
        const d = overGrey(clamp(x[o + c]), ax) - overGrey(clamp(recon[o + c]), ar);
        sum += d * d;
      }
    }
    return { sum, values: n * 3 };
  }
  const m = n * channels;
  for (let i = 0; i < m; i++) {
    const d = clamp(x[i]) - clamp(recon[i]);
    sum += d * d;
  }
  return { sum, values: m };
}

/** Accumulates displayed squared error over batches; `psnr()` is the PSNR of their mean. */
export class PsnrMeter {
  private sum = 0;
  private values = 0;

  add(x: ArrayLike<number>, recon: ArrayLike<number>, rows: number, pixelsPerImage: number, channels: number): void {
    const r = displayedSquaredError(x, recon, rows, pixelsPerImage, channels);
    this.sum += r.sum;
    this.values += r.values;
  }

  get mse(): number {
    return this.values > 0 ? this.sum / this.values : NaN;
  }

  psnr(): number {
    return psnrFromMse(this.mse);
  }
}
