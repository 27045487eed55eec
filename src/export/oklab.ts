/**
 * sRGB <-> OKLab (Björn Ottosson, 2020): a perceptual colour space in which Euclidean distance
 * tracks how different two colours look, so palettes and colour snapping work in it. L is
 * lightness (0 = black, 1 = white), a and b the green-red and blue-yellow axes.
 *
 * The inverse matrices are computed from the forward ones (not the rounded published ones), so
 * sRGB -> OKLab -> sRGB returns the input to within rounding error.
 */

type Mat3 = [number, number, number, number, number, number, number, number, number];

/** Linear sRGB -> LMS cone response. */
const M1: Mat3 = [0.4122214708, 0.5363325363, 0.0514459929, 0.2119034982, 0.6806995451, 0.1073969566, 0.0883024619, 0.2817188376, 0.6299787005];
/** Cube-rooted LMS -> Lab. */
const M2: Mat3 = [0.2104542553, 0.793617785, -0.0040720468, 1.9779984951, -2.428592205, 0.4505937099, 0.0259040371, 0.7827717662, -0.808675766];

function invert(m: Mat3): Mat3 {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [A / det, -(b * i - c * h) / det, (b * f - c * e) / det, B / det, (a * i - c * g) / det, -(a * f - c * d) / det, C / det, -(a * h - b * g) / det, (a * e - b * d) / det];
}

const M1_INV = invert(M1);
const M2_INV = invert(M2);

/** The sRGB transfer curve: an encoded value in [0, 1] to linear light. */
export function srgbToLinear(v: number): number {
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

export function linearToSrgb(v: number): number {
  return v <= 0.0031308 ? v * 12.92 : 1.055 * v ** (1 / 2.4) - 0.055;
}

/** Linear light of each 8-bit sRGB value (a lookup table: bytes are the common input). */
const LINEAR_OF_BYTE = Float64Array.from({ length: 256 }, (_, i) => srgbToLinear(i / 255));

function linearToOklab(r: number, g: number, b: number, out: Float64Array | Float32Array, at: number): void {
  const l = Math.cbrt(M1[0] * r + M1[1] * g + M1[2] * b);
  const m = Math.cbrt(M1[3] * r + M1[4] * g + M1[5] * b);
  const s = Math.cbrt(M1[6] * r + M1[7] * g + M1[8] * b);
  out[at] = M2[0] * l + M2[1] * m + M2[2] * s;
  out[at + 1] = M2[3] * l + M2[4] * m + M2[5] * s;
  out[at + 2] = M2[6] * l + M2[7] * m + M2[8] * s;
}

/** sRGB with components in [0, 1] to OKLab [L, a, b]. */
export function srgbToOklab(r: number, g: number, b: number): [number, number, number] {
  const out = new Float64Array(3);
  linearToOklab(srgbToLinear(r), srgbToLinear(g), srgbToLinear(b), out, 0);
  return [out[0], out[1], out[2]];
}

/** 8-bit sRGB to OKLab, written into out[at..at+2]. */
export function bytesToOklab(r: number, g: number, b: number, out: Float64Array | Float32Array, at = 0): void {
  linearToOklab(LINEAR_OF_BYTE[r], LINEAR_OF_BYTE[g], LINEAR_OF_BYTE[b], out, at);
}

/** Float sRGB in [0, 1] (clamped) to OKLab, written into out[at..at+2]. */
export function floatsToOklab(r: number, g: number, b: number, out: Float64Array | Float32Array, at = 0): void {
  const c = (v: number) => srgbToLinear(v <= 0 ? 0 : Math.min(v, 1));
  linearToOklab(c(r), c(g), c(b), out, at);
}

/** OKLab to sRGB in [0, 1], not clamped (colours outside the sRGB gamut fall outside [0, 1]). */
export function oklabToSrgb(L: number, a: number, b: number): [number, number, number] {
  const l = M2_INV[0] * L + M2_INV[1] * a + M2_INV[2] * b;
  const m = M2_INV[3] * L + M2_INV[4] * a + M2_INV[5] * b;
  const s = M2_INV[6] * L + M2_INV[7] * a + M2_INV[8] * b;
  const l3 = l * l * l;
  const m3 = m * m * m;
  const s3 = s * s * s;
  const lin = (k: number) => M1_INV[k] * l3 + M1_INV[k + 1] * m3 + M1_INV[k + 2] * s3;
  const enc = (v: number) => (v < 0 ? -linearToSrgb(-v) : linearToSrgb(v));
  return [enc(lin(0)), enc(lin(3)), enc(lin(6))];
}

/** OKLab to the nearest 8-bit sRGB (clamped to the gamut). */
export function oklabToBytes(L: number, a: number, b: number): [number, number, number] {
  const byte = (v: number) => (v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255));
  const [r, g, bl] = oklabToSrgb(L, a, b);
  return [byte(r), byte(g), byte(bl)];
}
