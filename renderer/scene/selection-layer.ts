/**
 * What selections add to the 3D view, on their own objects (the scatter is left alone): a ring
 * on every selected image, and the attribute path from an image towards the attribute, with
 * a bigger dot at its end. Rings and path draw over the points (no depth test) in colours
 * that read on both the dark and the light background.
 */
import * as THREE from 'three';

/** Selected rings: orange with a dark rim. Attribute path: magenta. */
export const SELECTION_COLOUR = 0xff9f1c;
export const ATTRIBUTE_COLOUR = 0xd64dff;

/** A ring with a dark outline, drawn once into a small canvas texture. */
function ringTexture(): THREE.Texture {
  const size = 64;
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = size;
  const g = canvas.getContext('2d')!;
  g.lineWidth = 14;
  g.strokeStyle = 'rgba(0,0,0,0.75)';
  g.beginPath();
  g.arc(size / 2, size / 2, size / 2 - 9, 0, Math.PI * 2);
  g.stroke();
  g.lineWidth = 7;
  g.strokeStyle = '#fff';
  g.stroke();
  const texture = new THREE.CanvasTexture(canvas);
  texture.colorSpace = THREE.SRGBColorSpace;
  return texture;
}

export class SelectionLayer {
  readonly group = new THREE.Group();
  private readonly ringGeometry = new THREE.BufferGeometry();
  private readonly ringTexture = ringTexture();
  private readonly ringMaterial = new THREE.PointsMaterial({ size: 12, sizeAttenuation: false, color: SELECTION_COLOUR, map: this.ringTexture, alphaTest: 0.2, transparent: true, depthTest: false });
  private readonly rings = new THREE.Points(this.ringGeometry, this.ringMaterial);
  private path: { line: THREE.Line; dots: THREE.Points; end: THREE.Points } | null = null;

  constructor() {
    this.group.name = 'selection';
    this.rings.name = 'selection-rings';
    this.rings.renderOrder = 8;
    this.rings.frustumCulled = false;
    this.rings.visible = false;
    this.group.add(this.rings);
  }

  /** Ring these images; `position(i)` gives each one's current place in the scene. */
  setSelected(indices: readonly number[], position: (i: number) => [number, number, number]): void {
    const at = new Float32Array(indices.length * 3);
    indices.forEach((i, k) => at.set(position(i), k * 3));
    this.ringGeometry.setAttribute('position', new THREE.Float32BufferAttribute(at, 3));
    this.ringGeometry.computeBoundingSphere();
    this.rings.visible = indices.length > 0;
    // Thousands of rings would bury the points' colours: smaller and fainter as they grow
    // (the dimming of everything else still shows which images are in).
    const n = indices.length;
    this.ringMaterial.size = n <= 500 ? 12 : n <= 5000 ? 8 : 5;
    this.ringMaterial.opacity = n <= 5000 ? 1 : 0.55;
  }

  get selectedCount(): number {
    return this.rings.visible ? (this.ringGeometry.getAttribute('position')?.count ?? 0) : 0;
  }

  /** The attribute path through these 3D points (frames x 3), or none. */
  setPath(points: Float32Array | null): void {
    if (this.path) {
      for (const o of [this.path.line, this.path.dots, this.path.end]) {
        o.removeFromParent();
        o.geometry.dispose();
        (o.material as THREE.Material).dispose();
      }
      this.path = null;
    }
    if (!points || points.length < 6) return;
    const geometry = new THREE.BufferGeometry();
    geometry.setAttribute('position', new THREE.Float32BufferAttribute(points, 3));
    const line = new THREE.Line(geometry, new THREE.LineBasicMaterial({ color: ATTRIBUTE_COLOUR, depthTest: false, transparent: true }));
    const dots = new THREE.Points(geometry.clone(), new THREE.PointsMaterial({ color: ATTRIBUTE_COLOUR, size: 7, sizeAttenuation: false, depthTest: false, transparent: true }));
    const endGeometry = new THREE.BufferGeometry();
    endGeometry.setAttribute('position', new THREE.Float32BufferAttribute(points.slice(points.length - 3), 3));
    const end = new THREE.Points(
      endGeometry,
      new THREE.PointsMaterial({ color: ATTRIBUTE_COLOUR, size: 16, sizeAttenuation: false, map: this.ringTexture, alphaTest: 0.2, transparent: true, depthTest: false }),
    );
    line.name = 'attribute-path';
    for (const o of [line, dots, end]) {
      o.renderOrder = 9;
      o.frustumCulled = false;
    }
    this.group.add(line, dots, end);
    this.path = { line, dots, end };
  }

  get hasPath(): boolean {
    return this.path !== null;
  }

  dispose(): void {
    this.setPath(null);
    this.group.removeFromParent();
    this.ringGeometry.dispose();
    this.ringMaterial.dispose();
    this.ringTexture.dispose();
  }
}
