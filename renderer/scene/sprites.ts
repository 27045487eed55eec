/**
 * Images as sprites in the 3D view: the dataset's thumbnail pages are packed into as many
 * texture atlases as needed (each up to the GPU's texture size, so no cap on the dataset),
 * and each atlas draws all its images as one `Points` whose fragment shader reads the
 * image's cell (one draw call per atlas).
 */
import * as THREE from 'three';

export interface SpriteAtlas {
  canvas: HTMLCanvasElement;
  /** Index of the first image in this atlas and how many it holds. */
  first: number;
  count: number;
  columns: number;
  cell: number;
}

export interface ThumbnailSource {
  /** Load page p (perPage images) as an image URL with its grid layout. */
  load(page: number): Promise<{ url: string; first: number; count: number; columns: number; cell: number }>;
}

/** Pack `count` thumbnails (pages of `perPage`) into atlases at most maxSize pixels wide and high. */
export async function buildSpriteAtlases(source: ThumbnailSource, count: number, perPage: number, maxSize: number, signal?: AbortSignal): Promise<SpriteAtlas[]> {
  const atlases: SpriteAtlas[] = [];
  let current: { atlas: SpriteAtlas; ctx: CanvasRenderingContext2D; capacity: number } | null = null;
  for (let page = 0; page * perPage < count; page++) {
    if (signal?.aborted) throw new DOMException('cancelled', 'AbortError');
    const p = await source.load(page);
    const img = new Image();
    img.src = p.url;
    await img.decode();
    for (let k = 0; k < p.count; k++) {
      const index = p.first + k;
      if (!current || index >= current.atlas.first + current.capacity) {
        const columns = Math.max(1, Math.floor(maxSize / p.cell));
        const capacity = columns * columns;
        const rows = Math.ceil(Math.min(capacity, count - index) / columns);
        const canvas = document.createElement('canvas');
        canvas.width = columns * p.cell;
        canvas.height = rows * p.cell;
        const atlas: SpriteAtlas = { canvas, first: index, count: 0, columns, cell: p.cell };
        atlases.push(atlas);
        current = { atlas, ctx: canvas.getContext('2d')!, capacity };
      }
      const slot = index - current.atlas.first;
      current.ctx.drawImage(
        img,
        (k % p.columns) * p.cell,
        Math.floor(k / p.columns) * p.cell,
        p.cell,
        p.cell,
        (slot % current.atlas.columns) * p.cell,
        Math.floor(slot / current.atlas.columns) * p.cell,
        p.cell,
        p.cell,
      );
      current.atlas.count = slot + 1;
    }
  }
  return atlases;
}

// size = pixels at unit distance: a sprite keeps its world size, so zooming in enlarges it.
// emphasis as in point-material.ts: 0 hidden, below 1 dimmed, above 1 highlighted.
const vertexShader = /* glsl */ `
  attribute vec2 cell;
  attribute float emphasis;
  uniform float size;
  varying vec2 vCell;
  varying float vEmphasis;
  void main() {
    vCell = cell;
    vEmphasis = emphasis;
    if (emphasis < 0.01) {
      gl_Position = vec4(2.0, 2.0, 2.0, 1.0);
      gl_PointSize = 0.0;
      return;
    }
    vec4 mv = modelViewMatrix * vec4(position, 1.0);
    gl_Position = projectionMatrix * mv;
    gl_PointSize = clamp(size / -mv.z * (emphasis > 1.5 ? 1.4 : 1.0), 6.0, 256.0);
  }
`;

const fragmentShader = /* glsl */ `
  uniform sampler2D atlas;
  uniform vec2 cellSize;
  varying vec2 vCell;
  varying float vEmphasis;
  void main() {
    vec4 c = texture2D(atlas, (vCell + gl_PointCoord) * cellSize);
    if (c.a < 0.1) discard;
    if (vEmphasis < 0.99) c.a *= 0.18;
    gl_FragColor = c;
  }
`;

export class ImageSprites {
  readonly group = new THREE.Group();
  private readonly parts: { geometry: THREE.BufferGeometry; material: THREE.ShaderMaterial; texture: THREE.CanvasTexture; atlas: SpriteAtlas }[] = [];

  constructor(atlases: SpriteAtlas[], positions: Float32Array, pixelSize: number) {
    this.group.name = 'image-sprites';
    for (const atlas of atlases) {
      const geometry = new THREE.BufferGeometry();
      const cells = new Float32Array(atlas.count * 2);
      for (let k = 0; k < atlas.count; k++) {
        cells[k * 2] = k % atlas.columns;
        cells[k * 2 + 1] = Math.floor(k / atlas.columns);
      }
      geometry.setAttribute('position', new THREE.Float32BufferAttribute(positions.slice(atlas.first * 3, (atlas.first + atlas.count) * 3), 3));
      geometry.setAttribute('cell', new THREE.Float32BufferAttribute(cells, 2));
      geometry.setAttribute('emphasis', new THREE.Float32BufferAttribute(new Float32Array(atlas.count).fill(1), 1));
      const texture = new THREE.CanvasTexture(atlas.canvas);
      texture.flipY = false;
      texture.magFilter = THREE.NearestFilter;
      texture.minFilter = THREE.LinearFilter;
      texture.generateMipmaps = false;
      texture.colorSpace = THREE.SRGBColorSpace;
      const material = new THREE.ShaderMaterial({
        vertexShader,
        fragmentShader,
        uniforms: {
          atlas: { value: texture },
          size: { value: pixelSize },
          cellSize: { value: new THREE.Vector2(atlas.cell / atlas.canvas.width, atlas.cell / atlas.canvas.height) },
        },
        transparent: true,
      });
      const points = new THREE.Points(geometry, material);
      points.frustumCulled = false;
      this.group.add(points);
      this.parts.push({ geometry, material, texture, atlas });
    }
  }

  get atlasCount(): number {
    return this.parts.length;
  }

  /** Follow the scatter's positions (while it animates to a new encoding). */
  update(positions: Float32Array): void {
    for (const { geometry, atlas } of this.parts) {
      const attr = geometry.getAttribute('position') as THREE.BufferAttribute;
      (attr.array as Float32Array).set(positions.subarray(atlas.first * 3, (atlas.first + atlas.count) * 3));
      attr.needsUpdate = true;
    }
  }

  setVisible(visible: boolean): void {
    this.group.visible = visible;
  }

  /** Pixels a sprite spans at unit distance from the camera (it shrinks and grows with distance). */
  setPixelSize(size: number): void {
    for (const { material } of this.parts) material.uniforms.size.value = size;
  }

  /** Follow the scatter's per-point emphasis (hidden labels, dimmed non-matches). */
  setEmphasis(emphasis: Float32Array): void {
    for (const { geometry, atlas } of this.parts) {
      const attr = geometry.getAttribute('emphasis') as THREE.BufferAttribute;
      (attr.array as Float32Array).set(emphasis.subarray(atlas.first, atlas.first + atlas.count));
      attr.needsUpdate = true;
    }
  }

  dispose(): void {
    this.group.removeFromParent();
    for (const p of this.parts) {
      p.geometry.dispose();
      p.material.dispose();
      p.texture.dispose();
    }
  }
}
