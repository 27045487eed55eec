/**
 * Interpolation paths drawn through the scene and the markers for the hovered, selected, A
 * and B images and the current frame. A path must stand out from thousands of coloured
 * points in both themes, so it is a wide screen-space line (Line2, width in pixels) in its
 * method's colour over a wider outline in the theme's contrast colour, with its frames as
 * outlined dots and labelled end markers "A" and "B". Everything draws over the points.
 */
import * as THREE from 'three';
import { Line2 } from 'three/addons/lines/Line2.js';
import { LineGeometry } from 'three/addons/lines/LineGeometry.js';
import { LineMaterial } from 'three/addons/lines/LineMaterial.js';

export const METHOD_COLOURS = { linear: 0xffb000, slerp: 0x00c2e0, geodesic: 0xff4fa3 } as const;
export type PathMethod = keyof typeof METHOD_COLOURS;

/** Line widths in CSS pixels: the coloured core and the outline around it. */
export const PATH_WIDTH = 4;
export const PATH_OUTLINE_WIDTH = 8;

/** A round dot with a contrasting rim, optionally with a letter, drawn once into a texture. */
function discTexture(fill: string, rim: string, letter: string | null): THREE.CanvasTexture {
  const size = 64;
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = size;
  const g = canvas.getContext('2d')!;
  g.beginPath();
  g.arc(size / 2, size / 2, size / 2 - 3, 0, Math.PI * 2);
  g.fillStyle = rim;
  g.fill();
  g.beginPath();
  g.arc(size / 2, size / 2, size / 2 - 9, 0, Math.PI * 2);
  g.fillStyle = fill;
  g.fill();
  if (letter) {
    g.fillStyle = '#111';
    g.font = 'bold 36px system-ui, sans-serif';
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    g.fillText(letter, size / 2, size / 2 + 2);
  }
  const texture = new THREE.CanvasTexture(canvas);
  texture.colorSpace = THREE.SRGBColorSpace;
  return texture;
}

interface DrawnPath {
  outline: Line2;
  core: Line2;
  dots: THREE.Points;
  endA: THREE.Points;
  endB: THREE.Points;
  geometry: LineGeometry;
  dotGeometry: THREE.BufferGeometry;
  materials: THREE.Material[];
  /** The path's latent vectors, so a new layout can place it again. */
  z: number[][] | null;
}

export class PathLayer {
  readonly group = new THREE.Group();
  private readonly paths = new Map<PathMethod, DrawnPath>();
  private readonly markerGeometry = new THREE.BufferGeometry();
  private readonly markerMaterial = new THREE.PointsMaterial({ size: 13, sizeAttenuation: false, vertexColors: true, depthTest: false, transparent: true });
  private readonly markers: THREE.Points;
  private readonly textures = { a: discTexture('#5fd38d', '#ffffff', 'A'), b: discTexture('#ff7a6b', '#ffffff', 'B'), dot: discTexture('#ffffff', '#000000', null) };

  constructor() {
    this.group.name = 'paths';
    this.markers = new THREE.Points(this.markerGeometry, this.markerMaterial);
    this.markers.name = 'markers';
    this.markers.renderOrder = 12;
    this.markers.frustumCulled = false;
    this.group.add(this.markers);
  }

  /** Draw (or replace) the path of one method through these 3D points; `z` lets a new layout place it again. */
  setPath(method: PathMethod, points: Float32Array, z: number[][] | null = null): void {
    this.removePath(method);
    const colour = METHOD_COLOURS[method];
    const geometry = new LineGeometry();
    geometry.setPositions(points.length >= 6 ? points : Float32Array.from([...points, ...points]));
    const lineMaterial = (width: number, hex: number) => new LineMaterial({ color: hex, linewidth: width, worldUnits: false, depthTest: false, transparent: true });
    const outlineMaterial = lineMaterial(PATH_OUTLINE_WIDTH, 0xffffff);
    const coreMaterial = lineMaterial(PATH_WIDTH, colour);
    const outline = new Line2(geometry, outlineMaterial);
    const core = new Line2(geometry, coreMaterial);
    // LineMaterial needs the drawing buffer's size to turn pixels into clip space; the outline
    // takes the theme's contrast: white on the dark background, near-black on the light one.
    outline.onBeforeRender = (renderer: THREE.WebGLRenderer) => {
      renderer.getSize(outlineMaterial.resolution); // CSS pixels: widths are CSS pixels too
      coreMaterial.resolution.copy(outlineMaterial.resolution);
      let root: THREE.Object3D = this.group;
      while (root.parent) root = root.parent;
      const bg = root instanceof THREE.Scene && root.background instanceof THREE.Color ? root.background : null;
      outlineMaterial.color.setHex(bg && bg.r + bg.g + bg.b > 1.5 ? 0x111318 : 0xffffff);
    };
    const dotGeometry = new THREE.BufferGeometry();
    dotGeometry.setAttribute('position', new THREE.Float32BufferAttribute(points, 3));
    const dotMaterial = new THREE.PointsMaterial({ color: colour, size: 11, sizeAttenuation: false, map: this.textures.dot, alphaTest: 0.3, depthTest: false, transparent: true });
    const dots = new THREE.Points(dotGeometry, dotMaterial);
    const n = points.length / 3;
    const endMarker = (at: Float32Array, texture: THREE.Texture) => {
      const geometry = new THREE.BufferGeometry();
      geometry.setAttribute('position', new THREE.Float32BufferAttribute(Float32Array.from(at), 3));
      const material = new THREE.PointsMaterial({ size: 26, sizeAttenuation: false, map: texture, alphaTest: 0.3, depthTest: false, transparent: true });
      const marker = new THREE.Points(geometry, material);
      marker.renderOrder = 11;
      marker.frustumCulled = false;
      return marker;
    };
    const endA = endMarker(points.subarray(0, 3), this.textures.a);
    const endB = endMarker(points.subarray((n - 1) * 3, n * 3), this.textures.b);
    endA.name = `path-${method}-a`;
    endB.name = `path-${method}-b`;
    outline.name = `path-${method}`;
    outline.renderOrder = 9;
    core.renderOrder = 10;
    dots.renderOrder = 10;
    for (const o of [outline, core, dots]) o.frustumCulled = false;
    this.group.add(outline, core, dots, endA, endB);
    this.paths.set(method, {
      outline,
      core,
      dots,
      endA,
      endB,
      geometry,
      dotGeometry,
      materials: [outlineMaterial, coreMaterial, dotMaterial, endA.material as THREE.Material, endB.material as THREE.Material],
      z,
    });
  }

  /** The 3D points a method's path is drawn through now (after any re-placing), or null. */
  pointsOf(method: PathMethod): Float32Array | null {
    const p = this.paths.get(method);
    return p ? ((p.dots.geometry.getAttribute('position') as THREE.BufferAttribute).array as Float32Array) : null;
  }

  /** The latent vectors of every drawn path that has them (to place again under a new layout). */
  pathVectors(): { method: PathMethod; z: number[][] }[] {
    return [...this.paths].flatMap(([method, p]) => (p.z ? [{ method, z: p.z }] : []));
  }

  removePath(method: PathMethod): void {
    const old = this.paths.get(method);
    if (!old) return;
    for (const o of [old.outline, old.core, old.dots, old.endA, old.endB]) o.removeFromParent();
    old.geometry.dispose();
    old.dotGeometry.dispose();
    old.endA.geometry.dispose();
    old.endB.geometry.dispose();
    for (const m of old.materials) m.dispose();
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
    for (const t of Object.values(this.textures)) t.dispose();
  }
}
