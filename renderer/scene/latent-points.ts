/**
 * The latent scatter: every image's projected posterior mean as one point of one `Points`
 * geometry (one draw call however many images), coloured by label, or by split when the
 * dataset has no labels.
 */
import * as THREE from 'three';

// Starts away from the prior sphere's blue so points stand out against it.
const PALETTE = [0xf0a44b, 0x5fd38d, 0xff7a6b, 0xc792ea, 0xffd166, 0x4dd0e1, 0xef8fb6, 0x9ccc65, 0xa1887f, 0x6aa9ff];

export interface ScatterInput {
  /** count x 3 positions. */
  points: Float32Array;
  /** count label indices (-1 = none). */
  labelIndex: Int32Array;
  /** count splits (0 = train, 1 = validation). */
  split: Uint8Array;
  labels: string[];
}

export class LatentPoints {
  readonly object: THREE.Points;
  private readonly geometry = new THREE.BufferGeometry();
  private readonly material = new THREE.PointsMaterial({ size: 5, sizeAttenuation: false, vertexColors: true, transparent: true, opacity: 0.9, depthWrite: false });

  constructor(input: ScatterInput) {
    const count = input.points.length / 3;
    const colours = new Float32Array(count * 3);
    const colour = new THREE.Color();
    const byLabel = input.labels.length > 0;
    for (let i = 0; i < count; i++) {
      const key = byLabel ? input.labelIndex[i] : input.split[i];
      colour.setHex(key < 0 ? 0x9aa1ad : PALETTE[key % PALETTE.length]);
      colours.set([colour.r, colour.g, colour.b], i * 3);
    }
    this.geometry.setAttribute('position', new THREE.Float32BufferAttribute(input.points, 3));
    this.geometry.setAttribute('color', new THREE.Float32BufferAttribute(colours, 3));
    this.geometry.computeBoundingSphere();
    this.object = new THREE.Points(this.geometry, this.material);
    this.object.name = 'latent-points';
  }

  /** The distance from the centroid within which `share` of the points lie. */
  radius(share: number): number {
    const position = this.geometry.getAttribute('position');
    const n = position.count;
    if (n === 0) return 1;
    let cx = 0, cy = 0, cz = 0;
    for (let i = 0; i < n; i++) {
      cx += position.getX(i);
      cy += position.getY(i);
      cz += position.getZ(i);
    }
    cx /= n;
    cy /= n;
    cz /= n;
    const distances = new Float32Array(n);
    for (let i = 0; i < n; i++) distances[i] = Math.hypot(position.getX(i) - cx, position.getY(i) - cy, position.getZ(i) - cz) + Math.hypot(cx, cy, cz);
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
