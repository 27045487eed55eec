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
import type { TrainedRun } from './app-state.svelte';
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

export interface LatentView {
  readonly status: 'none' | 'projecting' | 'shown' | 'failed';
  readonly count: number;
  readonly projection: LatentProjection | null;
  readonly error: ShownError | null;
  readonly data: ScatterData | null;
  readonly legend: Legend | null;
  colourBy: ColourBy;
  ellipsoids: EllipsoidLevel;
  ellipsoidScope: EllipsoidScope;
  /** Images whose ellipsoids the 'focus' scope draws. */
  setFocus(indices: readonly number[]): void;
  /** Ellipsoids drawn right now (0 when off or under a nonlinear layout). */
  readonly ellipsoidsDrawn: number;
  /** How the images are laid out in 3D; UMAP/t-SNE come from latent.layout. */
  readonly layout: LayoutMethod;
  readonly layoutDims: [number, number, number];
  readonly layoutSeed: number;
  /** The layout being computed (switching waits for it), or null. */
  readonly layoutPending: LayoutMethod | null;
  /** The last nonlinear layout shown (its time, whether it was cached). */
  readonly layoutInfo: LatentLayout | null;
  /** Switch layouts; the points move to their new places in a short animation. */
  setLayout(run: TrainedRun, method: LayoutMethod, opts?: { dims?: [number, number, number]; seed?: number }): Promise<void>;
  /** Legend keys (label indices, -1 = no label) whose images are hidden. */
  readonly hiddenLabels: ReadonlySet<number>;
  toggleLabel(key: number): void;
  /** Show only this label (again: show all). */
  isolateLabel(key: number): void;
  showAllLabels(): void;
  /** Search matches and selections: drawn large, everything else dimmed. null or empty: no dimming. */
  setHighlight(indices: Iterable<number> | null): void;
  readonly highlighted: number;
  /** Sprite size in CSS pixels at the current framing. */
  spriteSize: number;
  /** Draw a path given its latent vectors, placed under the current layout (and again when it changes). */
  showPath(method: PathMethod, z: number[][]): Promise<Float32Array>;
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
  /**
   * Take the scatter, ellipsoids, sprites, paths, legend and prior off the view (the model or
   * dataset they came from is gone) and end any encoding or layout still running for it.
   */
  clear(): void;
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
    ellipsoidScope: 'focus' as EllipsoidScope,
    ellipsoidsDrawn: 0,
    layout: 'pca' as LayoutMethod,
    layoutDims: [0, 1, 2] as [number, number, number],
    layoutSeed: 0,
    layoutPending: null as LayoutMethod | null,
    highlighted: 0,
    spriteSize: SPRITE_SIZE.default as number,
    sprites: 'off' as LatentView['sprites'],
    spriteAtlases: 0,
    version: 0,
  });
  let projection = $state.raw<LatentProjection | null>(null);
  let data = $state.raw<ScatterData | null>(null);
  let legend = $state.raw<Legend | null>(null);
  let layoutInfo = $state.raw<LatentLayout | null>(null);
  let hiddenLabels = $state.raw<ReadonlySet<number>>(new Set());
  let highlight: Set<number> | null = null;
  let focus: number[] = [];
  let layoutController: AbortController | null = null;
  let shownRun: TrainedRun | null = null;
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

  /** Ellipsoids: on only under a linear layout, for the focus images or (on request) all. */
  const applyEllipsoids = () => {
    if (!ellipsoids || !points || !data) return;
    const on = s.ellipsoids !== 'off' && isLinearLayout(s.layout);
    ellipsoids.setVisible(on);
    ellipsoids.setK(kOf(s.ellipsoids, data), points.positions);
    // Images of hidden labels lose their ellipsoids too.
    const shown = (i: number) => points!.emphasisValues[i] !== 0;
    const all = s.ellipsoidScope === 'all';
    ellipsoids.setSubset(hiddenLabels.size === 0 ? (all ? null : focus) : (all ? Array.from({ length: points.count }, (_, i) => i) : focus).filter(shown), points.positions);
    s.ellipsoidsDrawn = on ? ellipsoids.count : 0;
    scene?.invalidate();
  };

  /** Hidden labels and highlight into the points' (and sprites') emphasis. */
  const applyEmphasis = () => {
    if (!points) return;
    const emphasis = points.setEmphasis(hiddenLabels, highlight);
    sprites?.setEmphasis(emphasis);
    applyEllipsoids();
    scene?.invalidate();
  };

  /** The prior sphere and the axes mean something only under a linear map of latent space. */
  const showGuides = (target: LatentScene, linear: boolean) => {
    for (const name of ['prior-sphere', 'axes']) {
      const o = target.scene.getObjectByName(name);
      if (o) o.visible = linear;
    }
  };

  /** Latent vectors into the current layout's 3D coordinates. */
  const placeVectors = async (z: number[][]): Promise<Float32Array> => {
    if (isLinearLayout(s.layout) || !shownRun) return projection ? projectLinear(projection.projection, z) : new Float32Array(z.length * 3);
    const r = await bridge.call('latent.place', { runDir: shownRun.runDir, dataset: shownRun.dataset, method: s.layout, seed: s.layoutSeed, z });
    return base64ToArray(r.points, Float32Array);
  };

  /** Paths drawn before a layout change move with it. */
  const replacePaths = async () => {
    for (const { method, z } of paths.pathVectors()) {
      try {
        paths.setPath(method, await placeVectors(z), z);
      } catch {
        paths.removePath(method);
      }
    }
    s.version++; // markers on paths (the current frame) follow
    scene?.invalidate();
  };

  /** latent.layout with progress and cancel, as a task. */
  const fetchLayout = async (run: TrainedRun, method: 'umap' | 'tsne'): Promise<LatentLayout | null> => {
    layoutController?.abort();
    const ours = (layoutController = new AbortController());
    s.layoutPending = method;
    const task = tasks.start(`Computing the ${LAYOUT_NAMES[method]} layout`, () => ours.abort());
    try {
      const result = await bridge.call(
        'latent.layout',
        { runDir: run.runDir, dataset: run.dataset, method, seed: s.layoutSeed },
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
      if (layoutController === ours) {
        layoutController = null;
        s.layoutPending = null;
      }
    }
  };

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
    target.scene.add(ellipsoids.object);
    if (next.labels.length !== data?.labels.length || points.count !== data?.points.length / 3) {
      hiddenLabels = new Set();
      highlight = null;
      s.highlighted = 0;
    }
    data = next;
    applyEmphasis(); // also places the ellipsoids
    showGuides(target, isLinearLayout(s.layout));
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
      applyEllipsoids();
    },
    get ellipsoidScope() {
      return s.ellipsoidScope;
    },
    set ellipsoidScope(scope) {
      s.ellipsoidScope = scope;
      applyEllipsoids();
    },
    get ellipsoidsDrawn() {
      return s.ellipsoidsDrawn;
    },
    setFocus(indices) {
      const next = [...new Set(indices)].sort((a, b) => a - b);
      if (next.length === focus.length && next.every((v, i) => v === focus[i])) return;
      focus = next;
      if (s.ellipsoidScope === 'focus') applyEllipsoids();
    },
    get layout() {
      return s.layout;
    },
    get layoutDims() {
      return s.layoutDims;
    },
    get layoutSeed() {
      return s.layoutSeed;
    },
    get layoutPending() {
      return s.layoutPending;
    },
    get layoutInfo() {
      return layoutInfo;
    },
    async setLayout(run, method, opts = {}) {
      const before = { layout: s.layout, dims: s.layoutDims, seed: s.layoutSeed };
      if (opts.dims) s.layoutDims = opts.dims;
      if (opts.seed !== undefined) s.layoutSeed = opts.seed;
      if (!scene || !data) {
        s.layout = method;
        return;
      }
      const target = scene;
      if (isLinearLayout(method)) {
        layoutController?.abort();
        s.layout = method;
        await this.show(run, target);
        // Frame the map the points are moving to (layouts differ in scale).
        if (points && before.layout !== method) target.frameRadius(points.radius(0.95));
        await replacePaths();
        return;
      }
      s.error = null;
      try {
        const result = await fetchLayout(run, method);
        if (!result || !data) {
          Object.assign(s, { layout: before.layout, layoutDims: before.dims, layoutSeed: before.seed });
          return;
        }
        s.layout = method;
        layoutInfo = result;
        place({ ...data, points: base64ToArray(result.points, Float32Array) }, target, false);
        target.frameRadius(points!.radius(0.95));
        await replacePaths();
      } catch (err) {
        Object.assign(s, { layout: before.layout, layoutDims: before.dims, layoutSeed: before.seed });
        s.error = describeError(err);
      }
    },
    get hiddenLabels() {
      return hiddenLabels;
    },
    toggleLabel(key) {
      const next = new Set(hiddenLabels);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      hiddenLabels = next;
      applyEmphasis();
    },
    isolateLabel(key) {
      const keys = legend?.kind === 'categories' ? legend.items.map((i) => i.key) : [];
      const alone = keys.every((k) => k === key || hiddenLabels.has(k)) && !hiddenLabels.has(key);
      hiddenLabels = alone ? new Set() : new Set(keys.filter((k) => k !== key));
      applyEmphasis();
    },
    showAllLabels() {
      hiddenLabels = new Set();
      applyEmphasis();
    },
    setHighlight(indices) {
      const next = indices ? new Set(indices) : null;
      if (next?.size === highlight?.size && [...(next ?? [])].every((i) => highlight!.has(i))) return;
      highlight = next;
      s.highlighted = next?.size ?? 0;
      applyEmphasis();
    },
    get highlighted() {
      return s.highlighted;
    },
    get spriteSize() {
      return s.spriteSize;
    },
    set spriteSize(px: number) {
      s.spriteSize = Math.min(SPRITE_SIZE.max, Math.max(SPRITE_SIZE.min, px));
      if (sprites && scene) {
        sprites.setPixelSize(s.spriteSize * scene.camera.position.distanceTo(scene.controls.target));
        scene.invalidate();
      }
    },
    async showPath(method, z) {
      const placed = await placeVectors(z);
      paths.setPath(method, placed, z);
      scene?.invalidate();
      return placed;
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
      shownRun = run;
      try {
        const result = await bridge.call(
          'latent.project',
          { runDir: run.runDir, dataset: run.dataset, axes: s.layout === 'dims' ? s.layoutDims : null },
          {
            signal: ours.signal,
            onProgress: (p) => task.update(p.total ? p.done / p.total : null, `${p.done}${p.total ? ` / ${p.total}` : ''} images`),
          },
        );
        if (ours.signal.aborted) return;
        let layoutPoints: Float32Array | null = null;
        if (!isLinearLayout(s.layout)) {
          // A new model under UMAP/t-SNE: its own map (the old one belongs to the old weights).
          task.end();
          const laid = await fetchLayout(run, s.layout);
          if (laid) {
            layoutInfo = laid;
            layoutPoints = base64ToArray(laid.points, Float32Array);
          } else s.layout = 'pca';
        }
        place(
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
    clear() {
      controller?.abort();
      layoutController?.abort();
      if (animating) cancelAnimationFrame(animating);
      animating = 0;
      clearSprites();
      points?.dispose();
      ellipsoids?.dispose();
      points = null;
      ellipsoids = null;
      paths.clearPaths();
      shownRun = null;
      projection = null;
      data = null;
      legend = null;
      layoutInfo = null;
      hiddenLabels = new Set();
      highlight = null;
      focus = [];
      Object.assign(s, { status: 'none', count: 0, error: null, highlighted: 0, ellipsoidsDrawn: 0, layoutPending: null, version: s.version + 1 });
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
        // Sized in pixels at the current framing (the slider changes it), so they are legible without zooming.
        sprites = new ImageSprites(atlases, points.positions, s.spriteSize * scene.camera.position.distanceTo(scene.controls.target));
        sprites.setEmphasis(points.emphasisValues);
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
      return pickPoint(points.positions, scene.camera, canvas.clientWidth, canvas.clientHeight, x, y, s.sprites === 'on' ? 14 : 8, points.emphasisValues);
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
