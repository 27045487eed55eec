/**
 * Colours for the latent scatter: a categorical palette for labels and splits, and a
 * perceptual ramp (viridis-like, its dark end lifted to show on the dark background) for continuous values such as reconstruction error or KL.
 */
import * as THREE from 'three';

// Starts away from the prior sphere's blue so points stand out against it.
export const PALETTE = [0xf0a44b, 0x5fd38d, 0xff7a6b, 0xc792ea, 0xffd166, 0x4dd0e1, 0xef8fb6, 0x9ccc65, 0xa1887f, 0x6aa9ff];
export const NO_LABEL = 0x9aa1ad;

const RAMP = [0x7b4fb8, 0x3b528b, 0x21918c, 0x5ec962, 0xfde725].map((hex) => new THREE.Color(hex));

/** The ramp's colour at t in [0, 1]. */
export function rampColour(t: number, out: THREE.Color): THREE.Color {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  return out.copy(RAMP[i]).lerp(RAMP[i + 1], x - i);
}

/** The ramp as a CSS gradient, for the legend. */
export function rampCss(): string {
  return `linear-gradient(to right, ${RAMP.map((c) => `#${c.getHexString()}`).join(', ')})`;
}

export function hexCss(hex: number): string {
  return `#${hex.toString(16).padStart(6, '0')}`;
}

/** Low and high ends for a ramp: the 2nd and 98th percentiles, so a few outliers do not flatten it. */
export function robustRange(values: Float32Array): [number, number] {
  if (values.length === 0) return [0, 1];
  const sorted = Float32Array.from(values).sort();
  const lo = sorted[Math.floor(0.02 * (sorted.length - 1))];
  const hi = sorted[Math.ceil(0.98 * (sorted.length - 1))];
  return hi > lo ? [lo, hi] : [lo, lo + 1];
}
