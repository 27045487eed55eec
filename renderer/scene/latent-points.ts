/**
 * The latent scatter: every image's projected posterior mean as one point of one `Points`
 * geometry (one draw call however many images), coloured by label (or split), reconstruction
 * error or KL. A new encoding moves the points to their new places over a short animation.
 */
import * as THREE from 'three';
import { hexCss, NO_LABEL, rampColour, rampCss, robustRange } from './colour-ramp';
import { GROUPED_COLOUR, labelColours, MAX_DISTINCT_LABELS } from './label-palette';
import { createPointMaterial, EMPHASIS_DIMMED, EMPHASIS_HIDDEN, EMPHASIS_HIGHLIGHT, EMPHASIS_NORMAL } from './point-material';

export interface ScatterInput {
  /** count x 3 positions. */
  points: Float32Array;
  /** count label indices (-1 = none). */
  labelIndex: Int32Array;
  /** count splits (0 = train, 1 = validation). */
  split: Uint8Array;
  labels: string[];
  /** count mean squared pixel errors of g(mu). */
  reconError?: Float32Array;
  /** count KL(q(z|x) || p(z)) in nats. */
  kl?: Float32Array;
}

export type ColourBy = 'label' | 'reconError' | 'kl';

/** A legend entry: `key` is the label index (split index without labels), -1 for images without a label. */
export interface LegendItem {
  name: string;
  colour: string;
  count: number;
  key: number;
}

export type Legend =
  | { kind: 'categories'; title: string; items: LegendItem[] /** Labels beyond the palette share a grey: the legend says so. */; note: string | null }
  | { kind: 'ramp'; title: string; min: number; max: number; gradient: string };

export class LatentPoints {
  readonly object: THREE.Points;
  readonly colours: Float32Array;
  private readonly geometry = new THREE.BufferGeometry();
  private readonly material = createPointMaterial(7 * Math.min(window.devicePixelRatio || 1, 2));
  /** Per point: hidden, normal, dimmed or highlighted (point-material.ts). */
  private readonly emphasis: Float32Array;
  private input: ScatterInput;
  private morph: { from: Float32Array; to: Float32Array; start: number; ms: number } | null = null;

  constructor(input: ScatterInput) {
    this.input = input;
    const count = input.points.length / 3;
    this.colours = new Float32Array(count * 3);
    this.emphasis = new Float32Array(count).fill(EMPHASIS_NORMAL);
    this.geometry.setAttribute('position', new THREE.Float32BufferAttribute(Float32Array.from(input.points), 3));
    this.geometry.setAttribute('color', new THREE.BufferAttribute(this.colours, 3)); // shares the array: recolouring writes into it
    this.geometry.setAttribute('emphasis', new THREE.BufferAttribute(this.emphasis, 1));
    this.geometry.computeBoundingSphere();
    this.object = new THREE.Points(this.geometry, this.material);
    this.object.name = 'latent-points';
    this.object.frustumCulled = false;
    // Dimmed points fade towards the background, whichever theme is on.
    this.object.onBeforeRender = (_r, scene) => {
      if (scene.background instanceof THREE.Color) (this.material.uniforms.background.value as THREE.Color).copy(scene.background);
    };
    this.setColourBy('label');
  }

  /** The live positions (count x 3); do not write to it. */
  get positions(): Float32Array {
    return (this.geometry.getAttribute('position') as THREE.BufferAttribute).array as Float32Array;
  }

  get data(): ScatterInput {
    return this.input;
  }

  /** Colour every point by `mode`; returns what the legend shows. */
  setColourBy(mode: ColourBy): Legend {
    const { labels } = this.input;
    const n = this.count;
    const colour = new THREE.Color();
    const values = mode === 'reconError' ? this.input.reconError : mode === 'kl' ? this.input.kl : undefined;
    let legend: Legend;
    if (values) {
      const [lo, hi] = robustRange(values);
      for (let i = 0; i < n; i++) {
        rampColour((values[i] - lo) / (hi - lo), colour);
        this.colours[i * 3] = colour.r;
        this.colours[i * 3 + 1] = colour.g;
        this.colours[i * 3 + 2] = colour.b;
      }
      legend = { kind: 'ramp', title: mode === 'kl' ? 'KL (nats)' : 'Reconstruction error (MSE)', min: lo, max: hi, gradient: rampCss() };
    } else {
      const byLabel = labels.length > 0;
      const names = byLabel ? labels : ['train', 'validation'];
      const counts = new Array<number>(names.length).fill(0);
      let unlabelled = 0;
      for (let i = 0; i < n; i++) {
        const key = this.keyOf(i);
        if (key < 0) unlabelled++;
        else counts[key]++;
      }
      const { colours, grouped } = labelColours(counts);
      for (let i = 0; i < n; i++) {
        const key = this.keyOf(i);
        colour.setHex(key < 0 ? NO_LABEL : colours[key]);
        this.colours[i * 3] = colour.r;
        this.colours[i * 3 + 1] = colour.g;
        this.colours[i * 3 + 2] = colour.b;
      }
      // Largest first, as the palette gives them its most distinct colours.
      const items: LegendItem[] = names.map((name, k) => ({ name, colour: hexCss(colours[k]), count: counts[k], key: k })).sort((a, b) => b.count - a.count || a.key - b.key);
      if (unlabelled > 0) items.push({ name: '(no label)', colour: hexCss(NO_LABEL), count: unlabelled, key: -1 });
      const note = grouped.length
        ? `${names.length} labels: the ${grouped.length} smallest share grey (${hexCss(GROUPED_COLOUR)}); the ${MAX_DISTINCT_LABELS - 1} largest have their own colours. Click a label to show only it.`
        : null;
      legend = { kind: 'categories', title: byLabel ? 'Label' : 'Split', items, note };
    }
    this.geometry.getAttribute('color').needsUpdate = true;
    return legend;
  }

  /** The legend key of image i: its label index (split without labels), -1 for none. */
  keyOf(i: number): number {
    return this.input.labels.length > 0 ? this.input.labelIndex[i] : this.input.split[i];
  }

  /**
   * Hide the images whose legend key is in `hidden`; with a `highlight` set, draw those images
   * large and dim every other one. Returns the per-point emphasis (sprites follow it).
   */
  setEmphasis(hidden: ReadonlySet<number>, highlight: ReadonlySet<number> | null): Float32Array {
    const e = this.emphasis;
    const some = highlight !== null && highlight.size > 0;
    for (let i = 0; i < e.length; i++) {
      if (hidden.size > 0 && hidden.has(this.keyOf(i))) e[i] = EMPHASIS_HIDDEN;
      else if (some) e[i] = highlight.has(i) ? EMPHASIS_HIGHLIGHT : EMPHASIS_DIMMED;
      else e[i] = EMPHASIS_NORMAL;
    }
    this.geometry.getAttribute('emphasis').needsUpdate = true;
    return e;
  }

  /** Per-point emphasis as last set (0 = hidden). */
  get emphasisValues(): Float32Array {
    return this.emphasis;
  }

  /** Move to a new encoding of the same images over `ms`; call step() every frame until it returns false. */
  morphTo(next: ScatterInput, ms = 700): void {
    this.morph = { from: Float32Array.from(this.positions), to: next.points, start: performance.now(), ms };
    this.input = next;
  }

  /** Advance the animation; true while it is still running. */
  step(now = performance.now()): boolean {
    if (!this.morph) return false;
    const { from, to, start, ms } = this.morph;
    const t = Math.min(1, (now - start) / ms);
    const e = t < 0.5 ? 2 * t * t : 1 - (-2 * t + 2) ** 2 / 2; // ease in-out
    const p = this.positions;
    for (let i = 0; i < p.length; i++) p[i] = from[i] + (to[i] - from[i]) * e;
    this.geometry.getAttribute('position').needsUpdate = true;
    if (t >= 1) {
      this.morph = null;
      this.geometry.computeBoundingSphere();
      return false;
    }
    return true;
  }

  setVisible(visible: boolean): void {
    this.object.visible = visible;
  }

  /** The distance from the centroid within which `share` of the points lie. */
  radius(share: number): number {
    const p = this.input.points;
    const n = p.length / 3;
    if (n === 0) return 1;
    let cx = 0,
      cy = 0,
      cz = 0;
    for (let i = 0; i < n; i++) {
      cx += p[i * 3];
      cy += p[i * 3 + 1];
      cz += p[i * 3 + 2];
    }
    cx /= n;
    cy /= n;
    cz /= n;
    const distances = new Float32Array(n);
    for (let i = 0; i < n; i++) distances[i] = Math.hypot(p[i * 3] - cx, p[i * 3 + 1] - cy, p[i * 3 + 2] - cz) + Math.hypot(cx, cy, cz);
    distances.sort();
    return distances[Math.min(n - 1, Math.floor(share * n))];
  }

  get count(): number {
    return this.geometry.getAttribute('position').count;
  }

  dispose(): void {
    this.object.removeFromParent();
    this.geometry.dispose();
    this.material.dispose();
  }
}
