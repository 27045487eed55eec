/**
 * Selections that act: the current selection (lasso, box, search or a saved one), the tool
 * the 3D view's drag uses, the selection rings and attribute path in the scene, and what a
 * selection can do: be written as a CSV file list, filter a training run, or give with a
 * second selection an attribute vector applied to an image.
 */
import { createContext } from 'svelte';
import { MOUSE } from 'three';
import { LATENT_DEFAULTS, type AttributeSpecIn, type LatentAttributeResult, type SelectionCsvReport } from '../../src/contract';
import type { AppState } from './app-state';
import type { Bridge } from './bridge-api';
import { describeError, isCancelled, type ShownError } from './errors';
import { base64ToF32, stripUrl, type ShownStrip } from './explore-strip';
import type { LatentView } from './latent-view.svelte';
import { isLinearLayout, projectLinear } from './layout-map';
import type { Tasks } from './tasks.svelte';
import { combineSelection, uniqueSorted, type SelectMode } from '../scene/screen-select';
import { SelectionLayer } from '../scene/selection-layer';

/** What a drag in the 3D view does. */
export type SelectTool = 'orbit' | 'lasso' | 'box';

export interface NamedSelection {
  name: string;
  indices: number[];
}

export interface AttributeShown {
  result: LatentAttributeResult;
  strip: ShownStrip;
  points: Float32Array;
  spec: AttributeSpecIn;
  /** "with shield − without shield", for captions and export names. */
  label: string;
}

/** A file name from a selection's name: letters, digits, - and _ only. */
export function safeFileName(name: string): string {
  return (
    name
      .replace(/[^\w-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 80) || 'selection'
  );
}

export class SelectionTools {
  tool = $state<SelectTool>('orbit');
  /** How the last gesture combined (shown next to the count). */
  lastMode = $state<SelectMode | null>(null);
  /** The name the current selection is saved under. */
  name = $state('');
  csvPath = $state('');
  csvOverwrite = $state(false);
  csvRunning = $state(false);
  csvError = $state<ShownError | null>(null);
  csvReport = $state.raw<SelectionCsvReport | null>(null);
  /** Saved selection ids for the attribute: with (A) and without (B). */
  withId = $state<string | null>(null);
  withoutId = $state<string | null>(null);
  strength = $state(LATENT_DEFAULTS.attributeStrength);
  frames = $state(8);
  /** Conditional model: the label to decode the strip as; null = the image's own label. */
  attributeLabel = $state<string | null>(null);
  attributeRunning = $state(false);
  attributeError = $state<ShownError | null>(null);
  attribute = $state.raw<AttributeShown | null>(null);
  /** Sorted image indices; replaced (never mutated) so readers update. */
  current = $state.raw<number[]>([]);
  /** "Train on this selection only": used by the next run started, until cleared. */
  trainFilter = $state.raw<NamedSelection | null>(null);
  /** The selection rings and the attribute path in the 3D scene. */
  readonly layer = new SelectionLayer();
  /**
   * True while a lasso or box is being dragged (set by the overlay): the pointer-up that ends
   * it must not also count as a click on the image under it.
   */
  gestureActive = false;

  #bridge: Bridge;
  #app: AppState;
  #tasks: Tasks;
  #view: LatentView;
  /** The scene the layer was added to (a new scene needs it added again). */
  #attached: unknown = null;
  #controller: AbortController | null = null;

  constructor(bridge: Bridge, app: AppState, tasks: Tasks, view: LatentView) {
    this.#bridge = bridge;
    this.#app = app;
    this.#tasks = tasks;
    this.#view = view;
  }

  /** Rings follow the points (a new encoding or layout moves them). */
  redraw(): void {
    const view = this.#view;
    const scene = view.scene;
    if (!scene) return;
    if (this.#attached !== scene) {
      scene.scene.add(this.layer.group);
      this.#attached = scene;
    }
    const count = view.count;
    this.layer.setSelected(
      this.current.filter((i) => i < count),
      (i) => view.position(i),
    );
    scene.invalidate();
  }

  setCurrent(indices: number[]): void {
    this.current = uniqueSorted(indices);
    this.redraw();
  }

  /** A lasso or box gesture found `hits`: replace, add (shift) or remove (alt). */
  applyGesture(hits: number[], mode: SelectMode): void {
    this.lastMode = mode;
    this.setCurrent(combineSelection(this.current, hits, mode));
  }

  clear(): void {
    this.lastMode = null;
    this.setCurrent([]);
  }

  setTool(tool: SelectTool): void {
    this.tool = tool;
    this.applyTool();
  }

  /** L / B: switch to that tool, or back to orbiting when it is on already. */
  toggleTool(tool: Exclude<SelectTool, 'orbit'>): void {
    this.tool = this.tool === tool ? 'orbit' : tool;
    this.applyTool();
  }

  /**
   * Selection tools take the left button from the orbit controls (they would rotate, or pan
   * with shift, under the lasso); zoom and right-drag pan stay. Set at once, not in an effect,
   * so a drag that follows the key press in the same task already draws.
   */
  applyTool(): void {
    const controls = this.#view.scene?.controls;
    if (controls) controls.mouseButtons.LEFT = this.tool === 'orbit' ? MOUSE.ROTATE : null;
  }

  /** Write a selection's file list (file, label, index) to csvPath. */
  async exportCsv(selection: NamedSelection): Promise<void> {
    const dataset = this.#app.trainedRun?.dataset ?? this.#app.dataset?.dir;
    if (!dataset || selection.indices.length === 0) return;
    const file = this.csvPath.trim();
    if (!file) {
      this.csvError = { message: 'Say where to write the file list.', advice: 'Type a path ending in .csv.' };
      return;
    }
    this.csvRunning = true;
    this.csvError = null;
    this.csvReport = null;
    try {
      this.csvReport = await this.#bridge.call('selection.exportCsv', { dataset, indices: selection.indices, file, overwrite: this.csvOverwrite });
    } catch (err) {
      this.csvError = describeError(err);
    } finally {
      this.csvRunning = false;
    }
  }

  setTrainFilter(selection: NamedSelection | null): void {
    this.trainFilter = selection ? { name: selection.name, indices: [...selection.indices] } : null;
  }

  /** Apply (with − without) to the selected image at strengths 0..s; draw the strip and the path. */
  async applyAttribute(withSel: NamedSelection, withoutSel: NamedSelection): Promise<void> {
    const run = this.#app.trainedRun;
    const base = this.#app.selected;
    if (!run || base === null) return;
    this.#controller?.abort();
    const ours = (this.#controller = new AbortController());
    this.attributeRunning = true;
    this.attributeError = null;
    const spec: AttributeSpecIn = {
      runDir: run.runDir,
      dataset: run.dataset,
      positive: withSel.indices,
      negative: withoutSel.indices,
      base: { index: base },
      strength: this.strength,
      frames: this.frames,
      ...(this.attributeLabel !== null ? { label: this.attributeLabel } : {}),
    };
    const task = this.#tasks.start('Applying the attribute vector', () => ours.abort());
    try {
      const result = await this.#bridge.call('latent.attribute', spec, { signal: ours.signal });
      if (ours.signal.aborted) return;
      const points = await this.#placed(result.z, base64ToF32(result.points));
      if (ours.signal.aborted) return;
      if (this.attribute) URL.revokeObjectURL(this.attribute.strip.url);
      this.attribute = { result, strip: stripUrl(result.strip), points, spec, label: `${withSel.name} − ${withoutSel.name}` };
      this.layer.setPath(points);
      this.#view.scene?.invalidate();
    } catch (err) {
      if (!isCancelled(err) && !ours.signal.aborted) this.attributeError = describeError(err);
    } finally {
      task.end();
      this.attributeRunning = false;
      if (this.#controller === ours) this.#controller = null;
    }
  }

  /** The layout changed: move the attribute path with it (dropped if it cannot be placed). */
  async replaceAttribute(): Promise<void> {
    const shown = this.attribute;
    if (!shown) return;
    try {
      const points = await this.#placed(shown.result.z, base64ToF32(shown.result.points));
      if (this.attribute !== shown) return;
      this.attribute = { ...shown, points };
      this.layer.setPath(points);
    } catch {
      this.layer.setPath(null);
    }
    this.#view.scene?.invalidate();
  }

  clearAttribute(): void {
    if (this.attribute) URL.revokeObjectURL(this.attribute.strip.url);
    this.attribute = null;
    this.layer.setPath(null);
    this.#view.scene?.invalidate();
  }

  /**
   * The attribute path's frames in the current layout: the engine's PCA points, the linear map
   * of another linear layout, or latent.place among their nearest images under UMAP / t-SNE.
   */
  async #placed(z: number[][], pca: Float32Array): Promise<Float32Array> {
    const view = this.#view;
    const run = this.#app.trainedRun;
    if (isLinearLayout(view.layout)) return view.projection ? projectLinear(view.projection.projection, z) : pca;
    if (!run) return pca;
    const r = await this.#bridge.call('latent.place', { runDir: run.runDir, dataset: run.dataset, method: view.layout, seed: view.layoutSeed, z });
    return base64ToF32(r.points);
  }
}

/** Selections that act: the explorer makes them (the 3D view's overlay draws the gestures). */
export const [useSelectionTools, provideSelectionTools] = createContext<SelectionTools>();
