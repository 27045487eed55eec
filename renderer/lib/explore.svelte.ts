/**
 * The Explorer's shared state: hover and click in the 3D view, image names (dataset.item,
 * cached), search by file name, nearest neighbours of the selected image, and the
 * Interpolate / Generate / Export states that the panels and the view share.
 */
import type { DatasetItemInfo } from '../../src/contract';
import type { AppState } from './app-state.svelte';
import type { Bridge } from './bridge';
import { describeError, type ShownError } from './errors';
import { createExporter } from './export.svelte';
import { createGeneration } from './generate.svelte';
import { createInterpolation } from './interpolate.svelte';
import { createSelectionTools } from './selection.svelte';
import type { LatentView } from './latent-view.svelte';
import { isLinearLayout } from './layout-map';
import { pointOnViewPlane } from '../scene/pick';
import type { Tasks } from './tasks.svelte';

/** Records per dataset.items call when reading every name for search. */
const NAMES_PER_PAGE = 5000;

export interface Hover {
  index: number;
  /** Canvas position of the pointer, CSS pixels. */
  x: number;
  y: number;
}

export function createExplorer(bridge: Bridge, app: AppState, tasks: Tasks, view: LatentView) {
  const run = () => app.trainedRun;
  const interpolation = createInterpolation(bridge, tasks, view, run);
  const generation = createGeneration(bridge, tasks, run);
  const exporter = createExporter(bridge, tasks, () => app.paths?.workspace ?? null);
  const selection = createSelectionTools(bridge, app, tasks, view);

  const s = $state({
    hover: null as Hover | null,
    query: '',
    namesLoading: false,
    neighbours: null as { of: number; indices: number[]; distances: number[] } | null,
    neighboursError: null as ShownError | null,
  });
  /** Item records by index; a new object on every change so readers update. */
  let items = $state.raw<ReadonlyMap<number, DatasetItemInfo>>(new Map());
  const pending = new Set<number>();
  let allNames: Promise<void> | null = null;
  /** Bumped when the dataset changes: answers asked for before belong to the old images. */
  let datasetEra = 0;

  const addItems = (found: DatasetItemInfo[]) => {
    const next = new Map(items);
    for (const f of found) next.set(f.index, f);
    items = next;
  };

  async function item(index: number): Promise<void> {
    const dir = app.trainedRun?.dataset ?? app.dataset?.dir;
    if (!dir || items.has(index) || pending.has(index)) return;
    pending.add(index);
    try {
      const asked = datasetEra;
      const found = await bridge.call('dataset.item', { path: dir, index });
      // Another dataset meanwhile (a re-import uses the same folder): this name is the old one's.
      if (asked === datasetEra) addItems([found]);
    } catch {
      // A missing name only leaves the tooltip without it.
    } finally {
      pending.delete(index);
    }
  }

  /** Every image's name, for search: read in pages of 5,000 records. */
  function loadAllNames(): Promise<void> {
    const dir = app.trainedRun?.dataset ?? app.dataset?.dir;
    if (!dir) return Promise.resolve();
    if (allNames) return allNames;
    const total = view.count;
    s.namesLoading = true;
    const task = tasks.start('Reading image names for search');
    allNames = (async () => {
      const asked = datasetEra;
      for (let from = 0; from < total; from += NAMES_PER_PAGE) {
        const { items: page } = await bridge.call('dataset.items', { path: dir, from, count: Math.min(NAMES_PER_PAGE, total - from) });
        if (asked !== datasetEra) return;
        addItems(page);
        task.update(Math.min(1, (from + page.length) / total), `${from + page.length} / ${total}`);
      }
    })().finally(() => {
      task.end();
      s.namesLoading = false;
    });
    return allNames;
  }

  /**
   * What the old model or dataset left behind goes: its neighbours, hover and (for another
   * dataset) names, selections and A/B ends, samples, paths and the export source. Called
   * by the session scope only (renderer/lib/session-scope.ts), the one place that
   * decides when the model or dataset changed.
   */
  function reset(scope: 'model' | 'dataset') {
    s.hover = null;
    s.neighbours = null;
    s.neighboursError = null;
    interpolation.reset(scope);
    generation.reset();
    exporter.clearSource();
    selection.clearAttribute();
    if (scope === 'dataset') {
      datasetEra++;
      s.query = '';
      items = new Map();
      pending.clear();
      allNames = null;
      selection.clear();
      selection.setTrainFilter(null);
    }
  }

  return {
    state: s,
    reset,
    interpolation,
    generation,
    exporter,
    selection,
    view,
    get items() {
      return items;
    },
    item,
    name(index: number): string | null {
      return items.get(index)?.source ?? null;
    },
    loadAllNames,
    /** Images whose file name contains the query (case-insensitive), at most `limit`. */
    search(limit = 50): number[] {
      const q = s.query.trim().toLowerCase();
      if (!q) return [];
      const found: number[] = [];
      for (const [index, info] of items) {
        if (info.source.toLowerCase().includes(q)) found.push(index);
        if (found.length >= limit) break;
      }
      return found.sort((a, b) => a - b);
    },
    hoverAt(x: number, y: number) {
      const index = view.pick(x, y);
      if (index < 0) {
        s.hover = null;
        return;
      }
      s.hover = { index, x, y };
      void item(index);
    },
    clearHover() {
      s.hover = null;
    },
    /** A click (not a drag) in the 3D view, at canvas CSS pixels. */
    async clickAt(x: number, y: number) {
      // A lasso that closes where it began is a gesture, not a click on the image there.
      if (selection.gestureActive) return;
      const scene = view.scene;
      // Only a linear layout (PCA, or chosen dimensions: z = m + P^T y inverts it) sends a click on
      // empty space back to latent space; UMAP and t-SNE have no inverse, so there a click selects
      // the image under it as usual (the Generate panel says why).
      if (app.panel === 'generate' && generation.state.decodeOnClick && scene && isLinearLayout(view.layout)) {
        const canvas = scene.renderer.domElement;
        const point = pointOnViewPlane(scene.camera, scene.controls.target, canvas.clientWidth, canvas.clientHeight, x, y);
        await generation.decodeAt(point, view.layout === 'dims' ? [...view.layoutDims] : null);
        return;
      }
      const index = view.pick(x, y);
      if (index < 0) return;
      app.selected = index;
      void item(index);
      if (app.panel === 'interpolate') interpolation.pick(index);
    },
    async loadNeighbours(index: number) {
      const r = app.trainedRun;
      if (!r) return;
      s.neighboursError = null;
      try {
        const result = await bridge.call('latent.neighbours', { runDir: r.runDir, dataset: r.dataset, queries: [{ index }], k: 8 });
        if (app.selected !== index || app.trainedRun !== r) return;
        s.neighbours = { of: index, ...result.neighbours[0] };
        for (const i of result.neighbours[0].indices) void item(i);
      } catch (err) {
        s.neighboursError = describeError(err);
      }
    },
  };
}

export type Explorer = ReturnType<typeof createExplorer>;
