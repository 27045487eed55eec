/**
 * The latent scatter: every image's projected posterior mean as one point of one `Points`
 * geometry (one draw call however many images), coloured by label (or split), reconstruction
 * error or KL. A new encoding moves the points to their new places over a short animation.
 */
import * as THREE from 'three';
import { hexCss, NO_LABEL, PALETTE, rampColour, rampCss, robustRange } from './colour-ramp';

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

export type Legend =
  | { kind: 'categories'; title: string; items: { name: string; colour: string }[] }
  | { kind: 'ramp'; title: string; min: number; max: number; gradient: string };

export class LatentPoints {
  readonly object: THREE.Points;
  readonly colours: Float32Array;
  private readonly geometry = new THREE.BufferGeometry();
  private readonly material = new THREE.PointsMaterial({ size: 5, sizeAttenuation: false, vertexColors: true, transparent: true, opacity: 0.9, depthWrite: false });
  private input: ScatterInput;
  private morph: { from: Float32Array; to: Float32Array; start: number; ms: number } | null = null;

  constructor(input: ScatterInput) {
    this.input = input;
    const count = input.points.length / 3;
    this.colours = new Float32Array(count * 3);
    this.geometry.setAttribute('position', new THREE.Float32BufferAttribute(Float32Array.from(input.points), 3));
    this.geometry.setAttribute('color', new THREE.BufferAttribute(this.colours, 3)); // shares the array: recolouring writes into it
    this.geometry.computeBoundingSphere();
    this.object = new THREE.Points(this.geometry, this.material);
    this.object.name = 'latent-points';
    this.object.frustumCulled = false;
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
    const { labelIndex, split, labels } = this.input;
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
      for (let i = 0; i < n; i++) {
        const key = byLabel ? labelIndex[i] : split[i];
        colour.setHex(key < 0 ? NO_LABEL : PALETTE[key % PALETTE.length]);
        this.colours[i * 3] = colour.r;
        this.colours[i * 3 + 1] = colour.g;
        this.colours[i * 3 + 2] = colour.b;
      }
      const names = byLabel ? labels : ['train', 'validation'];
      const items = names.slice(0, 24).map((name, k) => ({ name, colour: hexCss(PALETTE[k % PALETTE.length]) }));
      if (byLabel && labelIndex.some((k) => k < 0)) items.push({ name: '(no label)', colour: hexCss(NO_LABEL) });
      legend = { kind: 'categories', title: byLabel ? 'Label' : 'Split', items };
    }
    this.geometry.getAttribute('color').needsUpdate = true;
    return legend;
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
    let cx = 0, cy = 0, cz = 0;
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

export function decodeBase64<T extends Float32Array | Int32Array | Uint8Array>(base64: string, kind: new (buffer: ArrayBuffer) => T): T {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return new kind(bytes.buffer);
}
