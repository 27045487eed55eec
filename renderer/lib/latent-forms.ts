/**
 * The number fields of the Generate, Interpolate and Export panels: each one's range (the
 * contract's limit of the value it sets, narrowed where the panel offers less) and the check the
 * stores run before sending, so a field's min/max, its check and the engine's schema cannot drift
 * apart and a bad value is named in the panel before any request is made.
 */
import { EXPORT_LIMITS, LATENT_LIMITS, SHEET_LIMITS } from '../../src/contract';
import { narrowed } from './limits';

/** The Generate panel: samples, the traversal and the pixel-art palette. */
export const GENERATE_FIELDS = {
  /** The panel's grid shows at most 64 samples (the CLI draws up to the contract's 1,024). */
  count: narrowed(LATENT_LIMITS.sampleCount, { max: 64 }),
  /** Sliders need finite ends: past 2 the samples are noise, and the CLI still takes up to 10. */
  temperature: narrowed(LATENT_LIMITS.temperature, { max: 2 }),
  detail: narrowed(LATENT_LIMITS.detail, { max: 1.5 }),
  steps: LATENT_LIMITS.traverseSteps,
  pixelColors: LATENT_LIMITS.pixelArtColors,
};

/** The Interpolate panel's path and the conditional tools' label path. */
export const INTERPOLATE_FIELDS = {
  frames: LATENT_LIMITS.interpolateFrames,
  labelPathFrames: LATENT_LIMITS.stripFrames,
  pixelColors: LATENT_LIMITS.pixelArtColors,
};

/** The attribute tool (Explore panel, with a selection): the strength slider. */
export const ATTRIBUTE_FIELDS = {
  /** Past ±3 the strip leaves the data; the CLI and a JSON spec still take the contract's ±5. */
  strength: narrowed(LATENT_LIMITS.attributeStrength, { min: -3, max: 3 }),
};

/** The Export panel: the frames, the animation and the sprite sheet's packing. */
export const EXPORT_FIELDS = {
  scale: EXPORT_LIMITS.scale,
  delayMs: EXPORT_LIMITS.delayMs,
  padding: SHEET_LIMITS.padding,
  extrude: SHEET_LIMITS.extrude,
  maxWidth: SHEET_LIMITS.maxWidth,
  pivot: SHEET_LIMITS.pivot,
  pixelColors: LATENT_LIMITS.pixelArtColors,
};

/** The choices of a whole-number range, in order (the export's scale menu: 1× to 8×). */
export function choicesOf(limit: { min: number; max: number }): number[] {
  return Array.from({ length: limit.max - limit.min + 1 }, (_, i) => limit.min + i);
}
