/**
 * Image-quality numbers for reconstructions and samples, over plain Float32Arrays (no tfjs):
 * compositing RGBA over a flat grey, PSNR, SSIM, alpha MAE and a gradient-magnitude
 * sharpness. Images are stored HWC, one after another, values in [0, 1].
 */

export interface ImageShape {
  /** Number of images in the array. */
  count: number;
  height: number;
  width: number;
  channels: number;
}

const checkLength = (pixels: ArrayLike<number>, s: ImageShape, what: string): void => {
  const want = s.count * s.height * s.width * s.channels;
  if (pixels.length !== want) throw new Error(`${what} holds ${pixels.length} values but ${s.count} images of ${s.width}x${s.height}x${s.channels} need ${want}.`);
};

/** A copy with every value clamped to [0, 1] (NaN becomes 0). */
export function clamp01(pixels: ArrayLike<number>): Float32Array {
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i];
    out[i] = v > 1 ? 1 : v >= 0 ? v : 0;
  }
  return out;
}

/**
 * Colour images with transparency flattened onto a flat grey: RGBA (4 channels) gives RGB =
 * a * rgb + (1 - a) * grey, so a transparent pixel compares as grey whatever colour it stores;
 * RGB and gray images are returned as they are (a copy). The result has 3 channels for RGB and
 * RGBA input, 1 for gray.
 */
export function compositeOverGrey(pixels: ArrayLike<number>, shape: ImageShape, grey = 0.5): { pixels: Float32Array; shape: ImageShape } {
  checkLength(pixels, shape, 'compositeOverGrey input');
  const { channels } = shape;
  if (channels !== 4) return { pixels: Float32Array.from(pixels), shape: { ...shape } };
  const n = shape.count * shape.height * shape.width;
  const out = new Float32Array(n * 3);
  for (let p = 0; p < n; p++) {
    const a = pixels[p * 4 + 3];
    for (let c = 0; c < 3; c++) out[p * 3 + c] = a * pixels[p * 4 + c] + (1 - a) * grey;
  }
  return { pixels: out, shape: { ...shape, channels: 3 } };
}

/** Mean squared difference over all values. */
export function meanSquaredError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length === 0) throw new Error(`meanSquaredError needs two non-empty arrays of one length; got ${a.length} and ${b.length}.`);
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    s += d * d;
  }
  return s / a.length;
}

/**
 * Peak signal-to-noise ratio in dB, 10 log10(peak^2 / MSE), with the MSE pooled over every
 * value of every image (not a mean of per-image PSNRs). Identical inputs give Infinity.
 */
export function psnr(a: ArrayLike<number>, b: ArrayLike<number>, peak = 1): number {
  const mse = meanSquaredError(a, b);
  return mse === 0 ? Infinity : 10 * Math.log10((peak * peak) / mse);
}

/** Mean |alpha - alpha_hat| of the 4th channel of RGBA images; null for images without alpha. */
export function alphaMae(a: ArrayLike<number>, b: ArrayLike<number>, shape: ImageShape): number | null {
  checkLength(a, shape, 'alphaMae first input');
  checkLength(b, shape, 'alphaMae second input');
  if (shape.channels !== 4) return null;
  const n = shape.count * shape.height * shape.width;
  let s = 0;
  for (let p = 0; p < n; p++) s += Math.abs(a[p * 4 + 3] - b[p * 4 + 3]);
  return s / n;
}

export interface SsimOptions {
  /** Side of the square Gaussian window (odd), default 11. */
  window?: number;
  /** Standard deviation of the Gaussian window in pixels, default 1.5. */
  sigma?: number;
  /** Dynamic range L of the values, default 1. */
  range?: number;
  k1?: number;
  k2?: number;
}

/** Normalised 1-D Gaussian weights of length `size`. */
function gaussian1d(size: number, sigma: number): Float64Array {
  const w = new Float64Array(size);
  const r = (size - 1) / 2;
  let sum = 0;
  for (let i = 0; i < size; i++) {
    w[i] = Math.exp(-((i - r) ** 2) / (2 * sigma * sigma));
    sum += w[i];
  }
  for (let i = 0; i < size; i++) w[i] /= sum;
  return w;
}

/**
 * Structural similarity (Wang, Bovik, Sheikh and Simoncelli 2004) in its standard form: local
 * means, variances and covariance under an 11x11 Gaussian window with sigma 1.5, C1 = (0.01 L)^2
 * and C2 = (0.03 L)^2, evaluated at every position where the window fits inside the image
 * ("valid"; a 32x32 image gives 22x22 positions), computed per colour channel and averaged
 * over positions, channels and images (the per-channel mean, not SSIM of the luma). Images
 * smaller than the window use a window as large as the image. Returns a number in [-1, 1];
 * identical images give exactly 1.
 */
export function ssim(a: ArrayLike<number>, b: ArrayLike<number>, shape: ImageShape, opts: SsimOptions = {}): number {
  checkLength(a, shape, 'ssim first input');
  checkLength(b, shape, 'ssim second input');
  const { count, height: H, width: W, channels: C } = shape;
  if (count === 0) throw new Error('ssim needs at least one image.');
  const L = opts.range ?? 1;
  const c1 = ((opts.k1 ?? 0.01) * L) ** 2;
  const c2 = ((opts.k2 ?? 0.03) * L) ** 2;
  const size = Math.min(opts.window ?? 11, H, W);
  const g = gaussian1d(size, opts.sigma ?? 1.5);
  const outH = H - size + 1;
  const outW = W - size + 1;
  // Separable filtering of x, y, x^2, y^2 and xy: rows first into tmp, then columns.
  const tmp = new Float64Array(5 * H * outW);
  let total = 0;
  for (let n = 0; n < count; n++) {
    for (let c = 0; c < C; c++) {
      const at = (y: number, x: number): number => ((n * H + y) * W + x) * C + c;
      for (let y = 0; y < H; y++)
        for (let x = 0; x < outW; x++) {
          let sx = 0;
          let sy = 0;
          let sxx = 0;
          let syy = 0;
          let sxy = 0;
          for (let k = 0; k < size; k++) {
            const w = g[k];
            const i = at(y, x + k);
            const u = a[i];
            const v = b[i];
            sx += w * u;
            sy += w * v;
            sxx += w * u * u;
            syy += w * v * v;
            sxy += w * u * v;
          }
          const t = (y * outW + x) * 5;
          tmp[t] = sx;
          tmp[t + 1] = sy;
          tmp[t + 2] = sxx;
          tmp[t + 3] = syy;
          tmp[t + 4] = sxy;
        }
      let sum = 0;
      for (let y = 0; y < outH; y++)
        for (let x = 0; x < outW; x++) {
          let mx = 0;
          let my = 0;
          let exx = 0;
          let eyy = 0;
          let exy = 0;
          for (let k = 0; k < size; k++) {
            const w = g[k];
            const t = ((y + k) * outW + x) * 5;
            mx += w * tmp[t];
            my += w * tmp[t + 1];
            exx += w * tmp[t + 2];
            eyy += w * tmp[t + 3];
            exy += w * tmp[t + 4];
          }
          // Rounding can leave a tiny negative variance on flat patches; it is 0 there.
          const vx = Math.max(0, exx - mx * mx);
          const vy = Math.max(0, eyy - my * my);
          const cov = exy - mx * my;
          sum += ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
        }
      total += sum / (outH * outW);
    }
  }
  return total / (count * C);
}

/** Rec. 601 luma (0.299 R + 0.587 G + 0.114 B) of RGB images; gray images are returned as a copy. */
export function luma(pixels: ArrayLike<number>, shape: ImageShape): Float32Array {
  checkLength(pixels, shape, 'luma input');
  if (shape.channels === 1) return Float32Array.from(pixels);
  if (shape.channels !== 3) throw new Error(`luma takes gray or RGB images (composite RGBA first); got ${shape.channels} channels.`);
  const n = shape.count * shape.height * shape.width;
  const out = new Float32Array(n);
  for (let p = 0; p < n; p++) out[p] = 0.299 * pixels[p * 3] + 0.587 * pixels[p * 3 + 1] + 0.114 * pixels[p * 3 + 2];
  return out;
}

/**
 * Mean gradient magnitude of single-channel images: sqrt(dx^2 + dy^2) with forward
 * differences dx = I[y][x+1] - I[y][x], dy = I[y+1][x] - I[y][x], averaged over the
 * (H-1) x (W-1) positions where both exist, then over images. A vertical step edge of height
 * h across a whole image gives h / (W - 1); a flat image gives 0.
 */
export function meanGradientMagnitude(gray: ArrayLike<number>, shape: Omit<ImageShape, 'channels'>): number {
  const { count, height: H, width: W } = shape;
  checkLength(gray, { ...shape, channels: 1 }, 'meanGradientMagnitude input');
  if (count === 0 || H < 2 || W < 2) throw new Error('meanGradientMagnitude needs at least one image of at least 2x2 pixels.');
  let s = 0;
  for (let n = 0; n < count; n++) {
    const o = n * H * W;
    for (let y = 0; y + 1 < H; y++)
      for (let x = 0; x + 1 < W; x++) {
        const v = gray[o + y * W + x];
        const dx = gray[o + y * W + x + 1] - v;
        const dy = gray[o + (y + 1) * W + x] - v;
        s += Math.sqrt(dx * dx + dy * dy);
      }
  }
  return s / (count * (H - 1) * (W - 1));
}

/**
 * Sharpness of images as the bench measures it: clamp to [0, 1], composite RGBA over grey,
 * take the luma, and return its mean gradient magnitude.
 */
export function sharpness(pixels: ArrayLike<number>, shape: ImageShape, grey = 0.5): number {
  const flat = compositeOverGrey(clamp01(pixels), shape, grey);
  return meanGradientMagnitude(luma(flat.pixels, flat.shape), shape);
}

/**
 * Mean number of opaque islands per image: 4-connected regions of alpha >= `threshold` with at
 * least `minArea` pixels. A whole sprite is one island (or a few: a weapon held apart); a
 * fragmented sample is many. Compared with the same count on real images it says whether
 * samples are whole sprites, which PSNR and sharpness cannot. Needs an alpha channel (RGBA).
 */
export function meanIslands(pixels: ArrayLike<number>, shape: ImageShape, threshold = 0.5, minArea = 3): number {
  checkLength(pixels, shape, 'meanIslands');
  if (shape.channels !== 4) throw new Error(`meanIslands needs RGBA images; these have ${shape.channels} channels.`);
  const { count, height: H, width: W } = shape;
  if (count === 0) return 0;
  const seen = new Uint8Array(H * W);
  const stack = new Int32Array(H * W);
  let islands = 0;
  for (let n = 0; n < count; n++) {
    const base = n * H * W;
    const opaque = (p: number) => pixels[(base + p) * 4 + 3] >= threshold;
    seen.fill(0);
    for (let start = 0; start < H * W; start++) {
      if (seen[start] || !opaque(start)) continue;
      // Flood fill with an explicit stack (no recursion on large images).
      let top = 0;
      let area = 0;
      stack[top++] = start;
      seen[start] = 1;
      while (top > 0) {
        const p = stack[--top];
        area++;
        const y = Math.floor(p / W);
        const x = p - y * W;
        const next = [x > 0 ? p - 1 : -1, x < W - 1 ? p + 1 : -1, y > 0 ? p - W : -1, y < H - 1 ? p + W : -1];
        for (const q of next)
          if (q >= 0 && !seen[q] && opaque(q)) {
            seen[q] = 1;
            stack[top++] = q;
          }
      }
      if (area >= minArea) islands++;
    }
  }
  return islands / count;
}
