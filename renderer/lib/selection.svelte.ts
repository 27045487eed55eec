/**
 * Selections that act: the current selection (lasso, box, search or a saved one), the tool
 * the 3D view's drag uses, the selection rings and attribute path in the scene, and what a
 * selection can do: be written as a CSV file list, filter a training run, or give with a
 * second selection an attribute vector applied to an image.
 */
import { MOUSE } from 'three';
import type { AttributeSpecIn, LatentAttributeResult, SelectionCsvReport } from '../../src/contract';
import type { AppState } from './app-state.svelte';
import type { Bridge } from './bridge';
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

export function createSelectionTools(bridge: Bridge, app: AppState, tasks: Tasks, view: LatentView) {
  const s = $state({
    tool: 'orbit' as SelectTool,
    /** How the last gesture combined (shown next to the count). */
    lastMode: null as SelectMode | null,
    name: '',
    csvPath: '',
    csvOverwrite: false,
    csvRunning: false,
    csvError: null as ShownError | null,
    /** Saved selection ids for the attribute: with (A) and without (B). */
    withId: null as string | null,
    withoutId: null as string | null,
    strength: 1,
    frames: 8,
    /** Conditional model: the label to decode the strip as; null = the image's own label. */
    attributeLabel: null as string | null,
    attributeRunning: false,
    attributeError: null as ShownError | null,
  });
  /** Sorted image indices; replaced (never mutated) so readers update. */
  let current = $state.raw<number[]>([]);
  let csvReport = $state.raw<SelectionCsvReport | null>(null);
  let attribute = $state.raw<AttributeShown | null>(null);
  /** "Train on this selection only": used by the next run started, until cleared. */
  let trainFilter = $state.raw<NamedSelection | null>(null);
  const layer = new SelectionLayer();
  let attached: unknown = null;
  let controller: AbortController | null = null;

  /** Rings follow the points (a new encoding or layout moves them). */
  function redraw() {
    const scene = view.scene;
    if (!scene) return;
    if (attached !== scene) {
      scene.scene.add(layer.group);
      attached = scene;
    }
    const count = view.count;
    layer.setSelected(
      current.filter((i) => i < count),
      (i) => view.position(i),
    );
    scene.invalidate();
  }

  /**
   * Selection tools take the left button from the orbit controls (they would rotate, or pan
   * with shift, under the lasso); zoom and right-drag pan stay. Set at once, not in an effect,
   * so a drag that follows the key press in the same task already draws.
   */
  function applyTool() {
    const controls = view.scene?.controls;
    if (controls) controls.mouseButtons.LEFT = s.tool === 'orbit' ? MOUSE.ROTATE : null;
  }

  /**
   * The attribute path's frames in the current layout: the engine's PCA points, the linear map
   * of another linear layout, or latent.place among their nearest images under UMAP / t-SNE.
   */
  async function placed(z: number[][], pca: Float32Array): Promise<Float32Array> {
    const run = app.trainedRun;
    if (isLinearLayout(view.layout)) return view.projection ? projectLinear(view.projection.projection, z) : pca;
    if (!run) return pca;
    const r = await bridge.call('latent.place', { runDir: run.runDir, dataset: run.dataset, method: view.layout, seed: view.layoutSeed, z });
    return base64ToF32(r.points);
  }

  function setCurrent(indices: number[]) {
    current = uniqueSorted(indices);
    redraw();
  }

  return {
    state: s,
    layer,
    /**
     * True while a lasso or box is being dragged (set by the overlay): the pointer-up that ends
     * it must not also count as a click on the image under it.
     */
    gestureActive: false,
    get current() {
      return current;
    },
    get csvReport() {
      return csvReport;
    },
    get attribute() {
      return attribute;
    },
    get trainFilter() {
      return trainFilter;
    },
    redraw,
    setCurrent,
    /** A lasso or box gesture found `hits`: replace, add (shift) or remove (alt). */
    applyGesture(hits: number[], mode: SelectMode) {
      s.lastMode = mode;
      setCurrent(combineSelection(current, hits, mode));
    },
    clear() {
      s.lastMode = null;
      setCurrent([]);
    },
    setTool(tool: SelectTool) {
      s.tool = tool;
      applyTool();
    },
    /** L / B: switch to that tool, or back to orbiting when it is on already. */
    toggleTool(tool: Exclude<SelectTool, 'orbit'>) {
      s.tool = s.tool === tool ? 'orbit' : tool;
      applyTool();
    },
    applyTool,
    /** Write a selection's file list (file, label, index) to s.csvPath. */
    async exportCsv(selection: NamedSelection) {
      const dataset = app.trainedRun?.dataset ?? app.dataset?.dir;
      if (!dataset || selection.indices.length === 0) return;
      if (!s.csvPath.trim()) {
        s.csvError = { message: 'Say where to write the file list.', advice: 'Type a path ending in .csv.' };
        return;
      }
      s.csvRunning = true;
      s.csvError = null;
      csvReport = null;
      try {
        csvReport = await bridge.call('selection.exportCsv', { dataset, indices: selection.indices, file: s.csvPath.trim(), overwrite: s.csvOverwrite });
      } catch (err) {
        s.csvError = describeError(err);
      } finally {
        s.csvRunning = false;
      }
    },
    setTrainFilter(selection: NamedSelection | null) {
      trainFilter = selection ? { name: selection.name, indices: [...selection.indices] } : null;
    },
    /** Apply (with − without) to the selected image at strengths 0..s; draw the strip and the path. */
    async applyAttribute(withSel: NamedSelection, withoutSel: NamedSelection) {
      const run = app.trainedRun;
      const base = app.selected;
      if (!run || base === null) return;
      controller?.abort();
      const ours = (controller = new AbortController());
      s.attributeRunning = true;
      s.attributeError = null;
      const spec: AttributeSpecIn = {
        runDir: run.runDir,
        dataset: run.dataset,
        positive: withSel.indices,
        negative: withoutSel.indices,
        base: { index: base },
        strength: s.strength,
        frames: s.frames,
        ...(s.attributeLabel !== null ? { label: s.attributeLabel } : {}),
      };
      const task = tasks.start('Applying the attribute vector', () => ours.abort());
      try {
        const result = await bridge.call('latent.attribute', spec, { signal: ours.signal });
        if (ours.signal.aborted) return;
        const points = await placed(result.z, base64ToF32(result.points));
        if (ours.signal.aborted) return;
        if (attribute) URL.revokeObjectURL(attribute.strip.url);
        attribute = { result, strip: stripUrl(result.strip), points, spec, label: `${withSel.name} − ${withoutSel.name}` };
        layer.setPath(points);
        view.scene?.invalidate();
      } catch (err) {
        if (!isCancelled(err) && !ours.signal.aborted) s.attributeError = describeError(err);
      } finally {
        task.end();
        s.attributeRunning = false;
        if (controller === ours) controller = null;
      }
    },
    /** The layout changed: move the attribute path with it (dropped if it cannot be placed). */
    async replaceAttribute() {
      const shown = attribute;
      if (!shown) return;
      try {
        const points = await placed(shown.result.z, base64ToF32(shown.result.points));
        if (attribute !== shown) return;
        attribute = { ...shown, points };
        layer.setPath(points);
      } catch {
        layer.setPath(null);
      }
      view.scene?.invalidate();
    },
    clearAttribute() {
      if (attribute) URL.revokeObjectURL(attribute.strip.url);
      attribute = null;
      layer.setPath(null);
      view.scene?.invalidate();
    },
  };
}

export type SelectionTools = ReturnType<typeof createSelectionTools>;
