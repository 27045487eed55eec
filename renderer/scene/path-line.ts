/**
 * Interpolation paths drawn through the scene (one line per method, with its frames as dots)
 * and the markers for the hovered, selected, A and B images and the current frame.
 */
import * as THREE from 'three';

export const METHOD_COLOURS = { linear: 0xffd166, slerp: 0x4dd0e1, geodesic: 0xef8fb6 } as const;
export type PathMethod = keyof typeof METHOD_COLOURS;

export class PathLayer {
  readonly group = new THREE.Group();
  private readonly paths = new Map<PathMethod, { line: THREE.Line; dots: THREE.Points }>();
  private readonly markerGeometry = new THREE.BufferGeometry();
  private readonly markerMaterial = new THREE.PointsMaterial({ size: 13, sizeAttenuation: false, vertexColors: true, depthTest: false, transparent: true });
  private readonly markers: THREE.Points;

  constructor() {
    this.group.name = 'paths';
    this.markers = new THREE.Points(this.markerGeometry, this.markerMaterial);
    this.markers.name = 'markers';
    this.markers.renderOrder = 10;
    this.markers.frustumCulled = false;
    this.group.add(this.markers);
  }

  /** Draw (or replace) the path of one method through these 3D points. */
  setPath(method: PathMethod, points: Float32Array): void {
    this.removePath(method);
    const geometry = new THREE.BufferGeometry();
    geometry.setAttribute('position', new THREE.Float32BufferAttribute(points, 3));
    const colour = METHOD_COLOURS[method];
    const line = new THREE.Line(geometry, new THREE.LineBasicMaterial({ color: colour, depthTest: false, transparent: true }));
    const dots = new THREE.Points(geometry, new THREE.PointsMaterial({ color: colour, size: 6, sizeAttenuation: false, depthTest: false, transparent: true }));
    line.name = `path-${method}`;
    line.renderOrder = dots.renderOrder = 9;
    line.frustumCulled = dots.frustumCulled = false;
    this.group.add(line, dots);
    this.paths.set(method, { line, dots });
  }

  removePath(method: PathMethod): void {
    const old = this.paths.get(method);
    if (!old) return;
    old.line.removeFromParent();
    old.dots.removeFromParent();
    old.line.geometry.dispose();
    (old.line.material as THREE.Material).dispose();
    (old.dots.material as THREE.Material).dispose();
    this.paths.delete(method);
  }

  clearPaths(): void {
    for (const method of [...this.paths.keys()]) this.removePath(method);
  }

  get pathCount(): number {
    return this.paths.size;
  }

  /** Highlight points: each [x, y, z] with its colour. */
  setMarkers(markers: { at: [number, number, number]; colour: number }[]): void {
    const positions = new Float32Array(markers.length * 3);
    const colours = new Float32Array(markers.length * 3);
    const c = new THREE.Color();
    markers.forEach((m, i) => {
      positions.set(m.at, i * 3);
      c.setHex(m.colour);
      colours.set([c.r, c.g, c.b], i * 3);
    });
    this.markerGeometry.setAttribute('position', new THREE.Float32BufferAttribute(positions, 3));
    this.markerGeometry.setAttribute('color', new THREE.Float32BufferAttribute(colours, 3));
    this.markers.visible = markers.length > 0;
  }

  dispose(): void {
    this.clearPaths();
    this.group.removeFromParent();
    this.markerGeometry.dispose();
    this.markerMaterial.dispose();
  }
}
