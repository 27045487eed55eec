/**
 * Puts the trained run's latent space into the 3D view: latent.project (encodes the dataset
 * on first use, with progress), then one scatter of all images, their posterior ellipsoids
 * (one instanced draw), image sprites, the prior sphere moved under the same map, and the
 * markers/paths layer. A later encoding of the same images animates the points to their
 * new places.
 */
import type { LatentLayout, LatentProjection, LayoutMethod } from '../../src/contract';
import { PosteriorEllipsoids } from '../scene/ellipsoids';
import { LatentPoints, type ColourBy, type Legend, type ScatterInput } from '../scene/latent-points';
import type { LatentScene } from '../scene/latent-scene';
import { PathLayer, type PathMethod } from '../scene/path-line';
import { isLinearLayout, LAYOUT_NAMES, projectLinear } from './layout-map';
import { pickPoint, screenOf } from '../scene/pick';
import { buildSpriteAtlases, ImageSprites } from '../scene/sprites';
import type { TrainedRun } from './app-state';
import type { Bridge } from './bridge';
import { base64ToArray } from './bytes';
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
/** Whose ellipsoids: the hovered, selected and neighbouring images ('focus'), or every image ('all', on request). */
export type EllipsoidScope = 'focus' | 'all';

/** Sprite size at the framing they were switched on at, in CSS pixels: the slider's range and default. */
export const SPRITE_SIZE = { min: 12, max: 96, default: 32 } as const;

/** The 3D view of the trained run's latent space: App creates it, the Explore panels and overlays read it. */
export class LatentView {
  status = $state<'none' | 'projecting' | 'shown' | 'failed'>('none');
  count = $state(0);
  projection = $state.raw<LatentProjection | null>(null);
  error = $state<ShownError | null>(null);
  data = $state.raw<ScatterData | null>(null);
  legend = $state.raw<Legend | null>(null);
  /** Ellipsoids drawn right now (0 when off or under a nonlinear layout). */
  ellipsoidsDrawn = $state(0);
  /** How the images are laid out in 3D; UMAP/t-SNE come from latent.layout. */
  layout = $state<LayoutMethod>('pca');
  layoutDims = $state<[number, number, number]>([0, 1, 2]);
  layoutSeed = $state(0);
  /** The layout being computed (switching waits for it), or null. */
  layoutPending = $state<LayoutMethod | null>(null);
  /** The last nonlinear layout shown (its time, whether it was cached). */
  layoutInfo = $state.raw<LatentLayout | null>(null);
  /** Legend keys (label indices, -1 = no label) whose images are hidden. */
  hiddenLabels = $state.raw<ReadonlySet<number>>(new Set());
  /** How many images the highlight (search matches, selections) draws large. */
  highlighted = $state(0);
  sprites = $state<'off' | 'loading' | 'on'>('off');
  spriteAtlases = $state(0);
  /** Bumped whenever the points move (so overlays reposition). */
  version = $state(0);
  /** The markers and interpolation paths drawn in the view. */
  readonly paths = new PathLayer();

  #colourBy = $state<ColourBy>('label');
  #ellipsoidLevel = $state<EllipsoidLevel>('off');
  #ellipsoidScope = $state<EllipsoidScope>('focus');
  #spriteSize = $state<number>(SPRITE_SIZE.default);
  #spriteAtlasLimit = 4096;
  #bridge: Bridge;
  #tasks: Tasks;
  #highlight: Set<number> | null = null;
  #focus: number[] = [];
  #layoutController: AbortController | null = null;
  #shownRun: TrainedRun | null = null;
  #points: LatentPoints | null = null;
  #ellipsoidMesh: PosteriorEllipsoids | null = null;
  #spriteLayer: ImageSprites | null = null;
  #spriteController: AbortController | null = null;
  #controller: AbortController | null = null;
  #scene: LatentScene | null = null;
  #animating = 0;

  constructor(bridge: Bridge, tasks: Tasks) {
    this.#bridge = bridge;
    this.#tasks = tasks;
  }

  get scene(): LatentScene | null {
    return this.#scene;
  }

  get colourBy(): ColourBy {
    return this.#colourBy;
  }
  set colourBy(mode: ColourBy) {
    this.#colourBy = mode;
    const points = this.#points;
    if (!points) return;
    this.legend = points.setColourBy(mode);
    this.#ellipsoidMesh?.setColours(points.colours);
    this.#scene?.invalidate();
  }

  /** Ellipsoids off, or drawn at 1 sigma, 2 sigma or 95%. */
  get ellipsoids(): EllipsoidLevel {
    return this.#ellipsoidLevel;
  }
  set ellipsoids(level: EllipsoidLevel) {
    this.#ellipsoidLevel = level;
    this.#applyEllipsoids();
  }

  get ellipsoidScope(): EllipsoidScope {
    return this.#ellipsoidScope;
  }
  set ellipsoidScope(scope: EllipsoidScope) {
    this.#ellipsoidScope = scope;
    this.#applyEllipsoids();
  }

  /** Sprite size in CSS pixels at the current framing. */
  get spriteSize(): number {
    return this.#spriteSize;
  }
  set spriteSize(px: number) {
    this.#spriteSize = Math.min(SPRITE_SIZE.max, Math.max(SPRITE_SIZE.min, px));
    const scene = this.#scene;
    if (this.#spriteLayer && scene) {
      this.#spriteLayer.setPixelSize(this.#spriteSize * scene.camera.position.distanceTo(scene.controls.target));
      scene.invalidate();
    }
  }

  /**
   * Largest texture atlas side in pixels (capped by the GPU's limit). Many images spill into
   * more atlases; tests lower it to see that happen with a small dataset, as a weak GPU would.
   */
  get spriteAtlasLimit(): number {
    return this.#spriteAtlasLimit;
  }
  set spriteAtlasLimit(px: number) {
    this.#spriteAtlasLimit = Math.max(16, Math.floor(px));
  }

  #attach(target: LatentScene) {
    if (this.#scene === target) return;
    this.#scene = target;
    target.scene.add(this.paths.group);
  }

  /** Ellipsoids: on only under a linear layout, for the focus images or (on request) all. */
  #applyEllipsoids() {
    const mesh = this.#ellipsoidMesh;
    const points = this.#points;
    const data = this.data;
    if (!mesh || !points || !data) return;
    const level = this.#ellipsoidLevel;
    const on = level !== 'off' && isLinearLayout(this.layout);
    mesh.setVisible(on);
    mesh.setK(level === 'off' ? 1 : data.ellipsoidK[level], points.positions);
    // Images of hidden labels lose their ellipsoids too.
    const shown = (i: number) => points.emphasisValues[i] !== 0;
    const all = this.#ellipsoidScope === 'all';
    const focus = this.#focus;
    mesh.setSubset(this.hiddenLabels.size === 0 ? (all ? null : focus) : (all ? Array.from({ length: points.count }, (_, i) => i) : focus).filter(shown), points.positions);
    this.ellipsoidsDrawn = on ? mesh.count : 0;
    this.#scene?.invalidate();
  }

  /** Hidden labels and highlight into the points' (and sprites') emphasis. */
  #applyEmphasis() {
    if (!this.#points) return;
    const emphasis = this.#points.setEmphasis(this.hiddenLabels, this.#highlight);
    this.#spriteLayer?.setEmphasis(emphasis);
    this.#applyEllipsoids();
    this.#scene?.invalidate();
  }

  /** Latent vectors into the current layout's 3D coordinates. */
  async #placeVectors(z: number[][]): Promise<Float32Array> {
    const run = this.#shownRun;
    if (isLinearLayout(this.layout) || !run) return this.projection ? projectLinear(this.projection.projection, z) : new Float32Array(z.length * 3);
    const r = await this.#bridge.call('latent.place', { runDir: run.runDir, dataset: run.dataset, method: this.layout, seed: this.layoutSeed, z });
    return base64ToArray(r.points, Float32Array);
  }

  /** Paths drawn before a layout change move with it. */
  async #replacePaths() {
    for (const { method, z } of this.paths.pathVectors()) {
      try {
        this.paths.setPath(method, await this.#placeVectors(z), z);
      } catch {
        this.paths.removePath(method);
      }
    }
    this.version++; // markers on paths (the current frame) follow
    this.#scene?.invalidate();
  }

  /** latent.layout with progress and cancel, as a task. */
  async #fetchLayout(run: TrainedRun, method: 'umap' | 'tsne'): Promise<LatentLayout | null> {
    this.#layoutController?.abort();
    const ours = new AbortController();
    this.#layoutController = ours;
    this.layoutPending = method;
    const task = this.#tasks.start(`Computing the ${LAYOUT_NAMES[method]} layout`, () => ours.abort());
    try {
      const result = await this.#bridge.call(
        'latent.layout',
        { runDir: run.runDir, dataset: run.dataset, method, seed: this.layoutSeed },
        {
          signal: ours.signal,
          onProgress: (p) => {
            const stage = (p.data as { stage?: string } | undefined)?.stage === 'neighbours' ? 'finding neighbours' : 'optimising';
            if (p.phase === 'layout') task.update(p.total ? p.done / p.total : null, `${stage}: ${p.done} / ${p.total}`);
          },
        },
      );
      return ours.signal.aborted ? null : result;
    } catch (err) {
      if (isCancelled(err) || ours.signal.aborted) return null;
      throw err;
    } finally {
      task.end();
      if (this.#layoutController === ours) {
        this.#layoutController = null;
        this.layoutPending = null;
      }
    }
  }

  #animate = () => {
    this.#animating = 0;
    const points = this.#points;
    const scene = this.#scene;
    if (!points || !scene) return;
    const running = points.step();
    this.#ellipsoidMesh?.update(points.positions);
    this.#spriteLayer?.update(points.positions);
    scene.invalidate();
    this.version++;
    if (running) this.#animating = requestAnimationFrame(this.#animate);
  };

  #clearSprites() {
    this.#spriteController?.abort();
    this.#spriteLayer?.dispose();
    this.#spriteLayer = null;
    this.sprites = 'off';
    this.spriteAtlases = 0;
    this.#points?.setVisible(true);
  }

  /** Replace or animate the scatter for new data. */
  #place(next: ScatterData, target: LatentScene, frame: boolean) {
    this.#attach(target);
    const previous = this.data;
    let points = this.#points;
    if (points && points.count === next.points.length / 3) {
      // Same images, new encoding: move there.
      points.morphTo(next);
      this.#ellipsoidMesh?.dispose();
      if (this.#spriteLayer) this.#clearSprites();
      if (!this.#animating) this.#animating = requestAnimationFrame(this.#animate);
    } else {
      points?.dispose();
      this.#ellipsoidMesh?.dispose();
      this.#clearSprites();
      points = new LatentPoints(next);
      this.#points = points;
      target.scene.add(points.object);
      this.paths.clearPaths();
      if (frame) target.frameRadius(points.radius(0.95)); // most of the cloud; a few far outliers may leave the view
    }
    this.legend = points.setColourBy(this.#colourBy);
    this.#ellipsoidMesh = new PosteriorEllipsoids(next.ellipsoids, points.positions, points.colours);
    target.scene.add(this.#ellipsoidMesh.object);
    if (next.labels.length !== previous?.labels.length || points.count !== previous?.points.length / 3) {
      this.hiddenLabels = new Set();
      this.#highlight = null;
      this.highlighted = 0;
    }
    this.data = next;
    this.#applyEmphasis(); // also places the ellipsoids
    showGuides(target, isLinearLayout(this.layout));
    this.count = points.count;
    this.version++;
    target.invalidate();
  }

  /** Images whose ellipsoids the 'focus' scope draws. */
  setFocus(indices: readonly number[]): void {
    const next = [...new Set(indices)].sort((a, b) => a - b);
    const focus = this.#focus;
    if (next.length === focus.length && next.every((v, i) => v === focus[i])) return;
    this.#focus = next;
    if (this.#ellipsoidScope === 'focus') this.#applyEllipsoids();
  }

  /** Switch layouts; the points move to their new places in a short animation. */
  async setLayout(run: TrainedRun, method: LayoutMethod, opts: { dims?: [number, number, number]; seed?: number } = {}): Promise<void> {
    const before = { layout: this.layout, dims: this.layoutDims, seed: this.layoutSeed };
    const restoreBefore = () => {
      this.layout = before.layout;
      this.layoutDims = before.dims;
      this.layoutSeed = before.seed;
    };
    if (opts.dims) this.layoutDims = opts.dims;
    if (opts.seed !== undefined) this.layoutSeed = opts.seed;
    const target = this.#scene;
    if (!target || !this.data) {
      this.layout = method;
      return;
    }
    if (isLinearLayout(method)) {
      this.#layoutController?.abort();
      this.layout = method;
      await this.show(run, target);
      // Frame the map the points are moving to (layouts differ in scale).
      if (this.#points && before.layout !== method) target.frameRadius(this.#points.radius(0.95));
      await this.#replacePaths();
      return;
    }
    this.error = null;
    try {
      const result = await this.#fetchLayout(run, method);
      const data = this.data;
      if (!result || !data) {
        restoreBefore();
        return;
      }
      this.layout = method;
      this.layoutInfo = result;
      this.#place({ ...data, points: base64ToArray(result.points, Float32Array) }, target, false);
      target.frameRadius(this.#points!.radius(0.95));
      await this.#replacePaths();
    } catch (err) {
      restoreBefore();
      this.error = describeError(err);
    }
  }

  toggleLabel(key: number): void {
    const next = new Set(this.hiddenLabels);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    this.hiddenLabels = next;
    this.#applyEmphasis();
  }

  /** Show only this label (again: show all). */
  isolateLabel(key: number): void {
    const hidden = this.hiddenLabels;
    const keys = this.legend?.kind === 'categories' ? this.legend.items.map((i) => i.key) : [];
    const alone = keys.every((k) => k === key || hidden.has(k)) && !hidden.has(key);
    this.hiddenLabels = alone ? new Set() : new Set(keys.filter((k) => k !== key));
    this.#applyEmphasis();
  }

  showAllLabels(): void {
    this.hiddenLabels = new Set();
    this.#applyEmphasis();
  }

  /** Search matches and selections: drawn large, everything else dimmed. null or empty: no dimming. */
  setHighlight(indices: Iterable<number> | null): void {
    const next = indices ? new Set(indices) : null;
    const highlight = this.#highlight;
    if (next?.size === highlight?.size && [...(next ?? [])].every((i) => highlight!.has(i))) return;
    this.#highlight = next;
    this.highlighted = next?.size ?? 0;
    this.#applyEmphasis();
  }

  /** Draw a path given its latent vectors, placed under the current layout (and again when it changes). */
  async showPath(method: PathMethod, z: number[][]): Promise<Float32Array> {
    const placed = await this.#placeVectors(z);
    this.paths.setPath(method, placed, z);
    this.#scene?.invalidate();
    return placed;
  }

  async show(run: TrainedRun, target: LatentScene): Promise<void> {
    this.#controller?.abort();
    const ours = new AbortController();
    this.#controller = ours;
    this.status = 'projecting';
    this.error = null;
    const task = this.#tasks.start('Encoding images into the latent space', () => ours.abort());
    this.#shownRun = run;
    try {
      const result = await this.#bridge.call(
        'latent.project',
        { runDir: run.runDir, dataset: run.dataset, axes: this.layout === 'dims' ? this.layoutDims : null },
        {
          signal: ours.signal,
          onProgress: (p) => task.update(p.total ? p.done / p.total : null, `${p.done}${p.total ? ` / ${p.total}` : ''} images`),
        },
      );
      if (ours.signal.aborted) return;
      let layoutPoints: Float32Array | null = null;
      if (!isLinearLayout(this.layout)) {
        // A new model under UMAP/t-SNE: its own map (the old one belongs to the old weights).
        task.end();
        const laid = await this.#fetchLayout(run, this.layout);
        if (laid) {
          this.layoutInfo = laid;
          layoutPoints = base64ToArray(laid.points, Float32Array);
        } else this.layout = 'pca';
      }
      this.#place(
        {
          points: layoutPoints ?? base64ToArray(result.points, Float32Array),
          labelIndex: base64ToArray(result.labelIndex, Int32Array),
          split: base64ToArray(result.split, Uint8Array),
          labels: result.labels,
          reconError: base64ToArray(result.reconError, Float32Array),
          kl: base64ToArray(result.kl, Float32Array),
          ellipsoids: base64ToArray(result.ellipsoids, Float32Array),
          ellipsoidK: result.ellipsoidK,
        },
        target,
        true,
      );
      placePrior(result, target);
      this.projection = result;
      this.status = 'shown';
    } catch (err) {
      if (isCancelled(err) || ours.signal.aborted) {
        this.status = this.#points ? 'shown' : 'none';
        return;
      }
      this.status = 'failed';
      this.error = describeError(err);
    } finally {
      task.end();
      if (this.#controller === ours) this.#controller = null;
    }
  }

  /**
   * Take the scatter, ellipsoids, sprites, paths, legend and prior off the view (the model or
   * dataset they came from is gone) and end any encoding or layout still running for it.
   */
  clear(): void {
    this.#controller?.abort();
    this.#layoutController?.abort();
    if (this.#animating) cancelAnimationFrame(this.#animating);
    this.#animating = 0;
    this.#clearSprites();
    this.#points?.dispose();
    this.#ellipsoidMesh?.dispose();
    this.#points = null;
    this.#ellipsoidMesh = null;
    this.paths.clearPaths();
    this.#shownRun = null;
    this.projection = null;
    this.data = null;
    this.legend = null;
    this.layoutInfo = null;
    this.hiddenLabels = new Set();
    this.#highlight = null;
    this.#focus = [];
    this.status = 'none';
    this.count = 0;
    this.error = null;
    this.highlighted = 0;
    this.ellipsoidsDrawn = 0;
    this.layoutPending = null;
    this.version++;
    const scene = this.#scene;
    if (scene) {
      showGuides(scene, true);
      // The prior sphere goes back to N(0, I) under no map, as on an empty start.
      const sphere = scene.scene.getObjectByName('prior-sphere');
      if (sphere) {
        sphere.matrix.identity();
        sphere.matrixWorldNeedsUpdate = true;
      }
      scene.invalidate();
    }
  }

  /** Show these points (tests and benchmarks inject synthetic data). */
  setData(next: ScatterData, target: LatentScene): void {
    this.#place(next, target, true);
    this.status = 'shown';
  }

  async setSprites(on: boolean, thumbs: ThumbnailCache | null): Promise<void> {
    const scene = this.#scene;
    if (!on || !thumbs || !this.#points || !scene) {
      this.#clearSprites();
      scene?.invalidate();
      return;
    }
    if (this.sprites !== 'off') return;
    this.sprites = 'loading';
    const ours = new AbortController();
    this.#spriteController = ours;
    const task = this.#tasks.start('Loading image sprites', () => ours.abort());
    try {
      const max = Math.min(this.#spriteAtlasLimit, scene.renderer.capabilities.maxTextureSize);
      const atlases = await buildSpriteAtlases(thumbs, this.#points.count, PER_PAGE, max, ours.signal);
      const points = this.#points;
      if (ours.signal.aborted || !points || !this.#scene) return;
      // Sized in pixels at the current framing (the slider changes it), so they are legible without zooming.
      const layer = new ImageSprites(atlases, points.positions, this.#spriteSize * scene.camera.position.distanceTo(scene.controls.target));
      this.#spriteLayer = layer;
      layer.setEmphasis(points.emphasisValues);
      scene.scene.add(layer.group);
      points.setVisible(false);
      this.sprites = 'on';
      this.spriteAtlases = layer.atlasCount;
      scene.invalidate();
    } catch (err) {
      if (!ours.signal.aborted) this.error = describeError(err);
      if (this.#spriteController === ours) this.sprites = 'off';
    } finally {
      task.end();
    }
  }

  /** Image under the canvas position (CSS pixels), or -1. */
  pick(x: number, y: number): number {
    const points = this.#points;
    const scene = this.#scene;
    if (!points || !scene) return -1;
    const canvas = scene.renderer.domElement;
    return pickPoint(points.positions, scene.camera, canvas.clientWidth, canvas.clientHeight, x, y, this.sprites === 'on' ? 14 : 8, points.emphasisValues);
  }

  /** Where image i is on the canvas (CSS pixels). */
  screenPosition(index: number): { x: number; y: number } | null {
    const points = this.#points;
    const scene = this.#scene;
    if (!points || !scene || index < 0 || index >= points.count) return null;
    const canvas = scene.renderer.domElement;
    scene.camera.updateMatrixWorld();
    return screenOf(points.positions, index, scene.camera, canvas.clientWidth, canvas.clientHeight);
  }

  /** Current 3D position of image i. */
  position(index: number): [number, number, number] {
    const p = this.#points?.positions;
    return p ? [p[index * 3], p[index * 3 + 1], p[index * 3 + 2]] : [0, 0, 0];
  }
}

/** The prior sphere and the axes mean something only under a linear map of latent space. */
function showGuides(target: LatentScene, linear: boolean) {
  for (const name of ['prior-sphere', 'axes']) {
    const o = target.scene.getObjectByName(name);
    if (o) o.visible = linear;
  }
}

/** The prior N(0, I) under the same map: centre -P m, axes of P P^T (the identity for PCA). */
function placePrior(result: LatentProjection, target: LatentScene) {
  const sphere = target.scene.getObjectByName('prior-sphere');
  if (!sphere) return;
  const a = result.prior.axes;
  const c = result.prior.centre;
  sphere.matrixAutoUpdate = false;
  sphere.matrix.set(a[0], a[3], a[6], c[0], a[1], a[4], a[7], c[1], a[2], a[5], a[8], c[2], 0, 0, 0, 1);
  sphere.matrixWorldNeedsUpdate = true;
}
