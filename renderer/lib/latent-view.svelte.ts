/**
 * Puts the trained run's latent space into the 3D view: latent.project (encodes the dataset
 * on first use, with progress), then one scatter of all images, their posterior ellipsoids
 * (one instanced draw), image sprites, the prior sphere moved under the same map, and the
 * markers/paths layer. A later encoding of the same images animates the points to their
 * new places.
 */
import * as THREE from 'three';
import type { LatentProjection } from '../../src/contract';
import { PosteriorEllipsoids } from '../scene/ellipsoids';
import { decodeBase64, LatentPoints, type ColourBy, type Legend, type ScatterInput } from '../scene/latent-points';
import type { LatentScene } from '../scene/latent-scene';
import { PathLayer } from '../scene/path-line';
import { pickPoint, screenOf } from '../scene/pick';
import { buildSpriteAtlases, ImageSprites } from '../scene/sprites';
import type { TrainedRun } from './app-state.svelte';
import type { Bridge } from './bridge';
import { describeError, isCancelled, type ShownError } from './errors';
import type { Tasks } from './tasks.svelte';
import { PER_PAGE, type ThumbnailCache } from './thumbnail-cache';

/** Everything the scatter draws, decoded from latent.project (or injected by a test). */
export interface ScatterData extends ScatterInput {
  reconError: Float32Array;
  kl: Float32Array;
  /** count x 9 column-major ellipsoid axes at k = 1. */
  ellipsoids: Float32Array;
  ellipsoidK: [number, number, number];
}

/** Ellipsoids off, or drawn at k = ellipsoidK[level] (1 sigma, 2 sigma, 95%). */
export type EllipsoidLevel = 'off' | 0 | 1 | 2;

export interface LatentView {
  readonly status: 'none' | 'projecting' | 'shown' | 'failed';
  readonly count: number;
  readonly projection: LatentProjection | null;
  readonly error: ShownError | null;
  readonly data: ScatterData | null;
  readonly legend: Legend | null;
  colourBy: ColourBy;
  ellipsoids: EllipsoidLevel;
  readonly sprites: 'off' | 'loading' | 'on';
  readonly spriteAtlases: number;
  /**
   * Largest texture atlas side in pixels (capped by the GPU's limit). Many images spill into
   * more atlases; tests lower it to see that happen with a small dataset, as a weak GPU would.
   */
  spriteAtlasLimit: number;
  /** Bumped whenever the points move (so overlays reposition). */
  readonly version: number;
  show(run: TrainedRun, scene: LatentScene): Promise<void>;
  /** Show these points (tests and benchmarks inject synthetic data). */
  setData(data: ScatterData, scene: LatentScene): void;
  setSprites(on: boolean, thumbs: ThumbnailCache | null): Promise<void>;
  /** Image under the canvas position (CSS pixels), or -1. */
  pick(x: number, y: number): number;
  /** Where image i is on the canvas (CSS pixels). */
  screenPosition(index: number): { x: number; y: number } | null;
  /** Current 3D position of image i. */
  position(index: number): [number, number, number];
  readonly paths: PathLayer;
  readonly scene: LatentScene | null;
}

export function createLatentView(bridge: Bridge, tasks: Tasks): LatentView {
  const s = $state({
    status: 'none' as LatentView['status'],
    count: 0,
    error: null as ShownError | null,
    colourBy: 'label' as ColourBy,
    ellipsoids: 'off' as EllipsoidLevel,
    sprites: 'off' as LatentView['sprites'],
    spriteAtlases: 0,
    version: 0,
  });
  let projection = $state.raw<LatentProjection | null>(null);
  let data = $state.raw<ScatterData | null>(null);
  let legend = $state.raw<Legend | null>(null);
  let points: LatentPoints | null = null;
  let ellipsoids: PosteriorEllipsoids | null = null;
  let sprites: ImageSprites | null = null;
  let spriteController: AbortController | null = null;
  let spriteAtlasLimit = 4096;
  let controller: AbortController | null = null;
  let scene: LatentScene | null = null;
  const paths = new PathLayer();
  let animating = 0;

  const attach = (target: LatentScene) => {
    if (scene === target) return;
    scene = target;
    target.scene.add(paths.group);
  };

  const kOf = (level: EllipsoidLevel, d: ScatterData) => (level === 'off' ? 1 : d.ellipsoidK[level]);

  const animate = () => {
    animating = 0;
    if (!points || !scene) return;
    const running = points.step();
    ellipsoids?.update(points.positions);
    sprites?.update(points.positions);
    scene.invalidate();
    s.version++;
    if (running) animating = requestAnimationFrame(animate);
  };

  const clearSprites = () => {
    spriteController?.abort();
    sprites?.dispose();
    sprites = null;
    s.sprites = 'off';
    s.spriteAtlases = 0;
    points?.setVisible(true);
  };

  /** Replace or animate the scatter for new data. */
  const place = (next: ScatterData, target: LatentScene, frame: boolean) => {
    attach(target);
    if (points && points.count === next.points.length / 3) {
      // Same images, new encoding: move there.
      points.morphTo(next);
      ellipsoids?.dispose();
      if (sprites) clearSprites();
      if (!animating) animating = requestAnimationFrame(animate);
    } else {
      points?.dispose();
      ellipsoids?.dispose();
      clearSprites();
      points = new LatentPoints(next);
      target.scene.add(points.object);
      paths.clearPaths();
      if (frame) target.frameRadius(points.radius(0.95)); // most of the cloud; a few far outliers may leave the view
    }
    legend = points.setColourBy(s.colourBy);
    ellipsoids = new PosteriorEllipsoids(next.ellipsoids, points.positions, points.colours);
    ellipsoids.setK(kOf(s.ellipsoids, next), points.positions);
    ellipsoids.setVisible(s.ellipsoids !== 'off');
    target.scene.add(ellipsoids.object);
    data = next;
    s.count = points.count;
    s.version++;
    target.invalidate();
  };

  const placePrior = (result: LatentProjection, target: LatentScene) => {
    // The prior N(0, I) under the same map: centre -P m, axes of P P^T (the identity for PCA).
    const sphere = target.scene.getObjectByName('prior-sphere');
    if (!sphere) return;
    const a = result.prior.axes;
    const c = result.prior.centre;
    sphere.matrixAutoUpdate = false;
    sphere.matrix.set(a[0], a[3], a[6], c[0], a[1], a[4], a[7], c[1], a[2], a[5], a[8], c[2], 0, 0, 0, 1);
    sphere.matrixWorldNeedsUpdate = true;
  };

  return {
    get status() {
      return s.status;
    },
    get count() {
      return s.count;
    },
    get projection() {
      return projection;
    },
    get error() {
      return s.error;
    },
    get data() {
      return data;
    },
    get legend() {
      return legend;
    },
    get colourBy() {
      return s.colourBy;
    },
    set colourBy(mode) {
      s.colourBy = mode;
      if (!points) return;
      legend = points.setColourBy(mode);
      ellipsoids?.setColours(points.colours);
      scene?.invalidate();
    },
    get ellipsoids() {
      return s.ellipsoids;
    },
    set ellipsoids(level) {
      s.ellipsoids = level;
      if (!ellipsoids || !points || !data) return;
      ellipsoids.setVisible(level !== 'off');
      ellipsoids.setK(kOf(level, data), points.positions);
      scene?.invalidate();
    },
    get sprites() {
      return s.sprites;
    },
    get spriteAtlases() {
      return s.spriteAtlases;
    },
    get spriteAtlasLimit() {
      return spriteAtlasLimit;
    },
    set spriteAtlasLimit(px: number) {
      spriteAtlasLimit = Math.max(16, Math.floor(px));
    },
    get version() {
      return s.version;
    },
    get paths() {
      return paths;
    },
    get scene() {
      return scene;
    },
    async show(run, target) {
      controller?.abort();
      const ours = (controller = new AbortController());
      s.status = 'projecting';
      s.error = null;
      const task = tasks.start('Encoding images into the latent space', () => ours.abort());
      try {
        const result = await bridge.call('latent.project', { runDir: run.runDir, dataset: run.dataset }, {
          signal: ours.signal,
          onProgress: (p) => task.update(p.total ? p.done / p.total : null, `${p.done}${p.total ? ` / ${p.total}` : ''} images`),
        });
        if (ours.signal.aborted) return;
        place(
          {
            points: decodeBase64(result.points, Float32Array),
            labelIndex: decodeBase64(result.labelIndex, Int32Array),
            split: decodeBase64(result.split, Uint8Array),
            labels: result.labels,
            reconError: decodeBase64(result.reconError, Float32Array),
            kl: decodeBase64(result.kl, Float32Array),
            ellipsoids: decodeBase64(result.ellipsoids, Float32Array),
            ellipsoidK: result.ellipsoidK,
          },
          target,
          true,
        );
        placePrior(result, target);
        projection = result;
        s.status = 'shown';
      } catch (err) {
        if (isCancelled(err) || ours.signal.aborted) {
          s.status = points ? 'shown' : 'none';
          return;
        }
        s.status = 'failed';
        s.error = describeError(err);
      } finally {
        task.end();
        if (controller === ours) controller = null;
      }
    },
    setData(next, target) {
      place(next, target, true);
      s.status = 'shown';
    },
    async setSprites(on, thumbs) {
      if (!on || !thumbs || !points || !scene) {
        clearSprites();
        scene?.invalidate();
        return;
      }
      if (s.sprites !== 'off') return;
      s.sprites = 'loading';
      const ours = (spriteController = new AbortController());
      const task = tasks.start('Loading image sprites', () => ours.abort());
      try {
        const max = Math.min(spriteAtlasLimit, scene.renderer.capabilities.maxTextureSize);
        const atlases = await buildSpriteAtlases(thumbs, points.count, PER_PAGE, max, ours.signal);
        if (ours.signal.aborted || !points || !scene) return;
        sprites = new ImageSprites(atlases, points.positions, 0.09 * scene.renderer.domElement.height);
        scene.scene.add(sprites.group);
        points.setVisible(false);
        s.sprites = 'on';
        s.spriteAtlases = sprites.atlasCount;
        scene.invalidate();
      } catch (err) {
        if (!ours.signal.aborted) s.error = describeError(err);
        if (spriteController === ours) s.sprites = 'off';
      } finally {
        task.end();
      }
    },
    pick(x, y) {
      if (!points || !scene) return -1;
      const canvas = scene.renderer.domElement;
      return pickPoint(points.positions, scene.camera, canvas.clientWidth, canvas.clientHeight, x, y, s.sprites === 'on' ? 14 : 8);
    },
    screenPosition(index) {
      if (!points || !scene || index < 0 || index >= points.count) return null;
      const canvas = scene.renderer.domElement;
      scene.camera.updateMatrixWorld();
      return screenOf(points.positions, index, scene.camera, canvas.clientWidth, canvas.clientHeight);
    },
    position(index) {
      const p = points?.positions;
      return p ? [p[index * 3], p[index * 3 + 1], p[index * 3 + 2]] : [0, 0, 0];
    },
  };
}

/** Synthetic scatter data for tests and benchmarks: n points in a few Gaussian blobs with random ellipsoids. */
export function syntheticScatter(n: number, seed = 1): ScatterData {
  let state = seed >>> 0 || 1;
  const rand = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const points = new Float32Array(n * 3);
  const labelIndex = new Int32Array(n);
  const ellipsoids = new Float32Array(n * 9);
  const reconError = new Float32Array(n);
  const kl = new Float32Array(n);
  const centres = Array.from({ length: 8 }, () => [gauss() * 1.2, gauss() * 1.2, gauss() * 1.2]);
  const m = new THREE.Matrix4();
  const q = new THREE.Quaternion();
  for (let i = 0; i < n; i++) {
    const k = i % centres.length;
    labelIndex[i] = k;
    for (let d = 0; d < 3; d++) points[i * 3 + d] = centres[k][d] + gauss() * 0.35;
    q.setFromEuler(new THREE.Euler(rand() * 6.28, rand() * 6.28, rand() * 6.28));
    m.makeRotationFromQuaternion(q);
    const e = m.elements;
    const scales = [0.03 + 0.05 * rand(), 0.03 + 0.05 * rand(), 0.02 + 0.03 * rand()];
    for (let c = 0; c < 3; c++) for (let r = 0; r < 3; r++) ellipsoids[i * 9 + c * 3 + r] = e[c * 4 + r] * scales[c];
    reconError[i] = 0.01 + 0.02 * rand();
    kl[i] = 5 + 10 * rand();
  }
  return { points, labelIndex, split: new Uint8Array(n), labels: centres.map((_, k) => `blob ${k + 1}`), reconError, kl, ellipsoids, ellipsoidK: [1, 2, 2.796] };
}

/**
 * Hooks on window.__latentAtlas for end-to-end tests and the render benchmark: inject a
 * synthetic scatter (50k images are too slow to train), read draw calls, find a point on
 * screen, and time continuous rendering.
 */
export function latentTestHooks(view: LatentView, scene: () => LatentScene | undefined) {
  const need = () => {
    const s = scene();
    if (!s) throw new Error('The 3D view is not ready yet.');
    return s;
  };
  return {
    setData(n: number, seed = 1) {
      view.setData(syntheticScatter(n, seed), need());
      return view.count;
    },
    setEllipsoids(level: EllipsoidLevel) {
      view.ellipsoids = level;
    },
    /** Render one frame now and return its draw calls and triangles. */
    renderInfo() {
      const s = need();
      s.renderer.render(s.scene, s.camera);
      const { calls, triangles, points } = s.renderer.info.render;
      return { calls, triangles, points };
    },
    screenPosition(index: number) {
      return view.screenPosition(index);
    },
    /** The image a click at canvas (x, y) would pick, or -1. */
    pick(x: number, y: number) {
      return view.pick(x, y);
    },
    /** Pretend the GPU's textures are at most `px` wide, so sprites need more atlases. */
    setSpriteAtlasLimit(px: number) {
      view.spriteAtlasLimit = px;
    },
    /** Interpolation paths drawn in the scene. */
    pathCount() {
      return view.paths.pathCount;
    },
    /** Orbit the camera and render every animation frame for `ms`, timing each render to completion. */
    measureFrames(ms: number): Promise<{ frames: number; meanMs: number; medianMs: number; p95Ms: number; intervalMs: number }> {
      const s = need();
      const gl = s.renderer.getContext();
      const pixel = new Uint8Array(4);
      const times: number[] = [];
      const start = performance.now();
      const target = s.controls.target.clone();
      const offset = s.camera.position.clone().sub(target);
      return new Promise((resolve) => {
        const tick = () => {
          const now = performance.now();
          if (now - start >= ms && times.length >= 3) {
            const sorted = [...times].sort((a, b) => a - b);
            resolve({
              frames: times.length,
              meanMs: times.reduce((a, b) => a + b, 0) / times.length,
              medianMs: sorted[sorted.length >> 1],
              p95Ms: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))],
              intervalMs: (now - start) / times.length,
            });
            return;
          }
          offset.applyAxisAngle(new THREE.Vector3(0, 1, 0), 0.02);
          s.camera.position.copy(target).add(offset);
          s.camera.lookAt(target);
          const t0 = performance.now();
          s.renderer.render(s.scene, s.camera);
          gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, pixel); // wait for the GPU (or SwiftShader) to finish
          times.push(performance.now() - t0);
          requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      });
    },
  };
}
