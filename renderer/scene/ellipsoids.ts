/**
 * Every image's posterior ellipsoid as one instance of one `InstancedMesh` (one draw call
 * however many images). Each instance's matrix is the column-major 3x3 from latent.project
 * (columns = the ellipsoid's axes at k = 1) scaled by k, translated to the point.
 */
import * as THREE from 'three';
import { mergeVertices } from 'three/addons/utils/BufferGeometryUtils.js';

/** Above this many ellipsoids each gets the 20-triangle icosahedron instead of the 80-triangle one. */
export const COARSE_ELLIPSOIDS_ABOVE = 2000;

/**
 * Opacity for n overlapping translucent ellipsoids scaled by k: a few read as solid shapes,
 * thousands as a light haze instead of an opaque fog (the summed alpha of a stack grows with
 * n, and with k, since a k-times larger shape overlaps about k times as many others per axis).
 */
export function ellipsoidOpacity(n: number, k = 1): number {
  // Never below 0.02: the haze of 'all' at 50k images must still show where the mass is.
  return Math.min(0.4, Math.max(0.02, 1.2 / Math.sqrt(Math.max(n, 1)) / Math.max(1, k)));
}

export class PosteriorEllipsoids {
  readonly object: THREE.InstancedMesh;
  private readonly geometry: THREE.BufferGeometry;
  private readonly material = new THREE.MeshBasicMaterial({ transparent: true, opacity: 0.14, depthWrite: false, side: THREE.DoubleSide, forceSinglePass: true });
  private k = 1;
  /** The images drawn, instance by instance; null = every image (instance i is image i). */
  private subset: Int32Array | null = null;
  private readonly colours: Float32Array;

  constructor(
    private readonly axes: Float32Array,
    positions: Float32Array,
    colours: Float32Array,
  ) {
    const count = positions.length / 3;
    // Indexed, so each vertex is shaded once per instance. Cost grows with triangles x instances
    // (measured: 800k triangles at 10k ellipsoids dominate a software-rendered frame), and at
    // thousands of overlapping translucent shapes the finer mesh adds nothing visible.
    const coarse = count > COARSE_ELLIPSOIDS_ABOVE;
    const detail = coarse ? 0 : 1;
    // Front faces only: back faces double the work and the layers of fog, and a camera that
    // has moved inside a large ellipsoid should see through it, not into a wall of its inside.
    this.material.side = THREE.FrontSide;
    this.geometry = mergeVertices(new THREE.IcosahedronGeometry(1, detail).deleteAttribute('normal').deleteAttribute('uv'));
    this.object = new THREE.InstancedMesh(this.geometry, this.material, Math.max(1, count));
    this.object.count = count;
    this.object.name = 'posterior-ellipsoids';
    this.object.frustumCulled = false;
    this.object.instanceMatrix.setUsage(THREE.DynamicDrawUsage);
    this.object.instanceColor = new THREE.InstancedBufferAttribute(new Float32Array(Math.max(1, count) * 3), 3);
    this.colours = colours;
    this.material.opacity = ellipsoidOpacity(count, this.k);
    this.setColours(colours);
    this.update(positions);
  }

  get count(): number {
    return this.object.count;
  }

  /** Scale every axis by k (1, 2 or 2.796 for 19.9%, 73.8%, 95% of the mass in 3D). */
  setK(k: number, positions: Float32Array): void {
    this.k = k;
    this.material.opacity = ellipsoidOpacity(this.object.count, k);
    this.update(positions);
  }

  /**
   * Draw only these images' ellipsoids (hovered, selected, neighbours), or every image's
   * (null). Opacity follows how many are drawn.
   */
  setSubset(indices: readonly number[] | null, positions: Float32Array): void {
    const total = positions.length / 3;
    this.subset = indices ? Int32Array.from(indices.filter((i) => i >= 0 && i < total)) : null;
    this.object.count = this.subset ? this.subset.length : total;
    this.material.opacity = ellipsoidOpacity(this.object.count, this.k);
    this.setColours(this.colours);
    this.update(positions);
  }

  /** Write every instance matrix for these centres (called while the scatter animates too). */
  update(positions: Float32Array): void {
    const m = this.object.instanceMatrix.array as Float32Array;
    const a = this.axes;
    const k = this.k;
    const subset = this.subset;
    for (let slot = 0, n = this.object.count; slot < n; slot++) {
      const i = subset ? subset[slot] : slot;
      const o = slot * 16;
      const e = i * 9;
      m[o] = a[e] * k;
      m[o + 1] = a[e + 1] * k;
      m[o + 2] = a[e + 2] * k;
      m[o + 3] = 0;
      m[o + 4] = a[e + 3] * k;
      m[o + 5] = a[e + 4] * k;
      m[o + 6] = a[e + 5] * k;
      m[o + 7] = 0;
      m[o + 8] = a[e + 6] * k;
      m[o + 9] = a[e + 7] * k;
      m[o + 10] = a[e + 8] * k;
      m[o + 11] = 0;
      m[o + 12] = positions[i * 3];
      m[o + 13] = positions[i * 3 + 1];
      m[o + 14] = positions[i * 3 + 2];
      m[o + 15] = 1;
    }
    this.object.instanceMatrix.needsUpdate = true;
  }

  setColours(colours: Float32Array): void {
    const out = this.object.instanceColor!.array as Float32Array;
    if (this.subset) this.subset.forEach((i, slot) => out.set(colours.subarray(i * 3, i * 3 + 3), slot * 3));
    else out.set(colours.subarray(0, out.length));
    this.object.instanceColor!.needsUpdate = true;
  }

  setVisible(visible: boolean): void {
    this.object.visible = visible;
  }

  dispose(): void {
    this.object.removeFromParent();
    this.object.dispose();
    this.geometry.dispose();
    this.material.dispose();
  }
}

/** Half-lengths of one image's ellipsoid axes at k = 1 (the projected sigma). */
export function axisLengths(axes: Float32Array, index: number): [number, number, number] {
  const e = index * 9;
  return [0, 1, 2].map((c) => Math.hypot(axes[e + c * 3], axes[e + c * 3 + 1], axes[e + c * 3 + 2])) as [number, number, number];
}
