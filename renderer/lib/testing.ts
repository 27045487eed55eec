/**
 * Hooks for the end-to-end tests and the render benchmark, on window.__latentAtlas: inject a
 * synthetic scatter (50k images are too slow to train), read draw calls, find a point on
 * screen, and time continuous rendering. App.svelte loads this module (its own chunk) only
 * when the page was opened by the test harness, which sets window.__latentAtlasTesting before
 * any page script runs (Playwright's addInitScript, see tests/helpers/ui-app.ts); a user's
 * page never has the flag, so the hooks are neither loaded nor exposed.
 */
import * as THREE from 'three';
import type { LatentScene } from '../scene/latent-scene';
import type { EllipsoidLevel, LatentView, ScatterData } from './latent-view.svelte';

/** Attach the hooks to window.__latentAtlas; `scene` is read on each call (it may not exist yet). */
export function installTestHooks(view: LatentView, scene: () => LatentScene | undefined): void {
  (window as unknown as { __latentAtlas?: unknown }).__latentAtlas = {
    get scene() {
      return scene();
    },
    get points() {
      return view.count;
    },
    ...latentTestHooks(view, scene),
  };
}

/**
 * Synthetic scatter data for tests and benchmarks: n points in Gaussian blobs (one per label,
 * 8 unless names are given; label k holds a share of the images that falls with k, as real
 * classes do) with random ellipsoids.
 */
export function syntheticScatter(n: number, seed = 1, labelNames?: string[]): ScatterData {
  let state = seed >>> 0 || 1;
  const rand = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296;
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const points = new Float32Array(n * 3);
  const labelIndex = new Int32Array(n);
  const ellipsoids = new Float32Array(n * 9);
  const reconError = new Float32Array(n);
  const kl = new Float32Array(n);
  const names = labelNames ?? Array.from({ length: 8 }, (_, k) => `blob ${k + 1}`);
  const spread = names.length > 8 ? 2.2 : 1.2;
  const centres = names.map(() => [gauss() * spread, gauss() * spread, gauss() * spread]);
  // Unequal classes: weights 1, 1/1.15, 1/1.15^2, ...
  const weights = names.map((_, k) => 1 / 1.15 ** k);
  const total = weights.reduce((a, b) => a + b, 0);
  const m = new THREE.Matrix4();
  const q = new THREE.Quaternion();
  for (let i = 0; i < n; i++) {
    let k = 0;
    for (let u = rand() * total; k < weights.length - 1 && u > weights[k]; k++) u -= weights[k];
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
  return { points, labelIndex, split: new Uint8Array(n), labels: names, reconError, kl, ellipsoids, ellipsoidK: [1, 2, 2.796] };
}

/** The hooks themselves (see the file's comment). */
function latentTestHooks(view: LatentView, scene: () => LatentScene | undefined) {
  const need = () => {
    const s = scene();
    if (!s) throw new Error('The 3D view is not ready yet.');
    return s;
  };
  return {
    setData(n: number, seed = 1, labelNames?: string[]) {
      view.setData(syntheticScatter(n, seed, labelNames), need());
      return view.count;
    },
    /** Every image's ellipsoid at this level (the 'all' scope), or off. */
    setEllipsoids(level: EllipsoidLevel) {
      view.ellipsoidScope = 'all';
      view.ellipsoids = level;
    },
    /** Ellipsoids of these images only (the 'focus' scope) at this level. */
    setFocusEllipsoids(level: EllipsoidLevel, indices: number[]) {
      view.ellipsoidScope = 'focus';
      view.setFocus(indices);
      view.ellipsoids = level;
      return view.ellipsoidsDrawn;
    },
    setHighlight(indices: number[] | null) {
      view.setHighlight(indices);
    },
    /** A straight path between two images' current positions, as the Interpolate panel draws one. */
    drawPath(a: number, b: number, frames = 12) {
      const pa = view.position(a);
      const pb = view.position(b);
      const points = new Float32Array(frames * 3);
      for (let f = 0; f < frames; f++) for (let c = 0; c < 3; c++) points[f * 3 + c] = pa[c] + ((pb[c] - pa[c]) * f) / (frames - 1);
      view.paths.setPath('linear', points);
      need().invalidate();
    },
    /** Image i's current 3D position (mid-animation: where it is now). */
    position(i: number) {
      return view.position(i);
    },
    /** Whether the prior sphere (and the axes) are drawn: only under linear layouts. */
    priorVisible() {
      return need().scene.getObjectByName('prior-sphere')?.visible ?? false;
    },
    /** The label index of image i (-1 = none). */
    labelOf(i: number) {
      return view.data?.labelIndex[i] ?? -1;
    },
    layoutState() {
      return { layout: view.layout, pending: view.layoutPending, count: view.count };
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
