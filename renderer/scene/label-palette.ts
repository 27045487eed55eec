/**
 * A categorical palette for labels that stays distinct up to 30 colours: chosen greedily in
 * OKLab (a perceptually even colour space) so each new colour is as far as possible from all
 * before it, within a band of lightness and chroma that reads on both the light and the dark
 * background of the 3D view. The first colours are the most distinct, so the largest labels
 * get them; beyond the palette, the smallest labels share one grey (the legend says so).
 */

export const MAX_DISTINCT_LABELS = 30;
/** The colour of labels beyond the palette and of images without a label. */
export const GROUPED_COLOUR = 0x8c93a0;

/** OKLab (L, a, b) of an sRGB colour 0xrrggbb (Björn Ottosson's matrices). */
export function oklab(hex: number): [number, number, number] {
  const lin = (c: number) => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const r = lin((hex >> 16) & 255);
  const g = lin((hex >> 8) & 255);
  const b = lin(hex & 255);
  const l = Math.cbrt(0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b);
  const m = Math.cbrt(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b);
  const s = Math.cbrt(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b);
  return [0.2104542553 * l + 0.793617785 * m - 0.0040720468 * s, 1.9779984951 * l - 2.428592205 * m + 0.4505937099 * s, 0.0259040371 * l + 0.7827717662 * m - 0.808675766 * s];
}

/** sRGB 0xrrggbb of an OKLab colour, or null when it falls outside the sRGB gamut. */
export function fromOklab(L: number, a: number, b: number): number | null {
  const l = (L + 0.3963377774 * a + 0.2158037573 * b) ** 3;
  const m = (L - 0.1055613458 * a - 0.0638541728 * b) ** 3;
  const s = (L - 0.0894841775 * a - 1.291485548 * b) ** 3;
  const rgb = [4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s, -1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s, -0.0041960863 * l - 0.7034186147 * m + 1.707614701 * s];
  let hex = 0;
  for (const v of rgb) {
    if (v < -1e-4 || v > 1 + 1e-4) return null;
    const c = Math.min(1, Math.max(0, v));
    const srgb = c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055;
    hex = (hex << 8) | Math.round(srgb * 255);
  }
  return hex;
}

/** Euclidean distance in OKLab (ΔE_ok; about 0.02 is just noticeable). */
export function oklabDistance(x: number, y: number): number {
  const p = oklab(x);
  const q = oklab(y);
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

/**
 * `count` colours, each the candidate farthest (in OKLab) from those already chosen, and from
 * the two backgrounds and the grey of grouped labels. Candidates: lightness 0.56-0.84, chroma
 * at least 0.09, in gamut. Deterministic.
 */
export function distinctPalette(count: number, avoid: number[] = [0x15171c, 0xf5f6f8, GROUPED_COLOUR]): number[] {
  const candidates: { hex: number; lab: [number, number, number] }[] = [];
  for (let L = 0.56; L <= 0.841; L += 0.035)
    for (let C = 0.09; C <= 0.3; C += 0.03)
      for (let h = 0; h < 360; h += 6) {
        const hex = fromOklab(L, C * Math.cos((h * Math.PI) / 180), C * Math.sin((h * Math.PI) / 180));
        if (hex !== null) candidates.push({ hex, lab: oklab(hex) });
      }
  const nearest = candidates.map(() => Infinity);
  const take = (lab: [number, number, number], weight: number) =>
    candidates.forEach((c, i) => {
      nearest[i] = Math.min(nearest[i], weight * Math.hypot(c.lab[0] - lab[0], c.lab[1] - lab[1], c.lab[2] - lab[2]));
    });
  // Backgrounds and grey count double: a colour near them is worse than one near another label.
  for (const hex of avoid) take(oklab(hex), 0.5);
  // Start from a warm orange, far from the prior sphere's blue.
  const chosen: number[] = [];
  let next = candidates.reduce(
    (best, c, i) =>
      Math.hypot(c.lab[0] - 0.75, c.lab[1] - 0.08, c.lab[2] - 0.14) < Math.hypot(candidates[best].lab[0] - 0.75, candidates[best].lab[1] - 0.08, candidates[best].lab[2] - 0.14) ? i : best,
    0,
  );
  while (chosen.length < count) {
    chosen.push(candidates[next].hex);
    take(candidates[next].lab, 1);
    next = nearest.reduce((best, d, i) => (d > nearest[best] ? i : best), 0);
  }
  return chosen;
}

export const LABEL_PALETTE: readonly number[] = distinctPalette(MAX_DISTINCT_LABELS);

/**
 * A colour per label: the largest labels first get the palette's colours; with more labels
 * than colours, the smallest share GROUPED_COLOUR (`grouped` lists them).
 */
export function labelColours(counts: number[]): { colours: number[]; grouped: number[] } {
  const order = counts.map((_, k) => k).sort((a, b) => counts[b] - counts[a] || a - b);
  const colours = new Array<number>(counts.length).fill(GROUPED_COLOUR);
  const own = counts.length <= MAX_DISTINCT_LABELS ? counts.length : MAX_DISTINCT_LABELS - 1;
  order.slice(0, own).forEach((k, rank) => (colours[k] = LABEL_PALETTE[rank]));
  return { colours, grouped: order.slice(own).sort((a, b) => a - b) };
}
