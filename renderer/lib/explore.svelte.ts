/**
 * The Explorer's shared state: hover and click in the 3D view, image names (dataset.item,
 * cached), search by file name, nearest neighbours of the selected image, and the
 * Interpolate / Generate / Export states that the panels and the view share.
 */
import { createContext } from 'svelte';
import type { DatasetItemInfo } from '../../src/contract';
import type { AppState } from './app-state';
import type { Bridge } from './bridge-api';
import { describeError, type ShownError } from './errors';
import { Exporter, provideExporter } from './export.svelte';
import { Generation, provideGeneration } from './generate.svelte';
import { Interpolation, provideInterpolation } from './interpolate.svelte';
import { provideSelectionTools, SelectionTools } from './selection.svelte';
import type { LatentView } from './latent-view.svelte';
import { isLinearLayout } from './layout-map';
import { searchNames } from './name-search';
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

export class Explorer {
  hover = $state<Hover | null>(null);
  /** The search box: images whose file name contains it. */
  query = $state('');
  namesLoading = $state(false);
  neighbours = $state<{ of: number; indices: number[]; distances: number[] } | null>(null);
  neighboursError = $state<ShownError | null>(null);
  /** Item records by index; a new object on every change so readers update. */
  items = $state.raw<ReadonlyMap<number, DatasetItemInfo>>(new Map());
  readonly interpolation: Interpolation;
  readonly generation: Generation;
  readonly exporter: Exporter;
  readonly selection: SelectionTools;
  readonly view: LatentView;

  #bridge: Bridge;
  #app: AppState;
  #tasks: Tasks;
  #pending = new Set<number>();
  #allNames: Promise<void> | null = null;
  /** Bumped when the dataset changes: answers asked for before belong to the old images. */
  #datasetEra = 0;

  constructor(bridge: Bridge, app: AppState, tasks: Tasks, view: LatentView) {
    this.#bridge = bridge;
    this.#app = app;
    this.#tasks = tasks;
    this.view = view;
    const run = () => app.trainedRun;
    this.interpolation = new Interpolation(bridge, tasks, view, run);
    this.generation = new Generation(bridge, tasks, run);
    this.exporter = new Exporter(bridge, tasks, () => app.paths?.workspace ?? null);
    this.selection = new SelectionTools(bridge, app, tasks, view);
  }

  /** Image `index`'s record (its file name), read once and kept. */
  async item(index: number): Promise<void> {
    const dir = this.#datasetDir();
    if (!dir || this.items.has(index) || this.#pending.has(index)) return;
    this.#pending.add(index);
    try {
      const asked = this.#datasetEra;
      const found = await this.#bridge.call('dataset.item', { path: dir, index });
      // Another dataset meanwhile (a re-import uses the same folder): this name is the old one's.
      if (asked === this.#datasetEra) this.#addItems([found]);
    } catch {
      // A missing name only leaves the tooltip without it.
    } finally {
      this.#pending.delete(index);
    }
  }

  name(index: number): string | null {
    return this.items.get(index)?.source ?? null;
  }

  /** Every image's name, for search: read in pages of 5,000 records. */
  loadAllNames(): Promise<void> {
    const dir = this.#datasetDir();
    if (!dir) return Promise.resolve();
    if (this.#allNames) return this.#allNames;
    const total = this.view.count;
    this.namesLoading = true;
    const task = this.#tasks.start('Reading image names for search');
    this.#allNames = (async () => {
      const asked = this.#datasetEra;
      for (let from = 0; from < total; from += NAMES_PER_PAGE) {
        const { items: page } = await this.#bridge.call('dataset.items', { path: dir, from, count: Math.min(NAMES_PER_PAGE, total - from) });
        if (asked !== this.#datasetEra) return;
        this.#addItems(page);
        task.update(Math.min(1, (from + page.length) / total), `${from + page.length} / ${total}`);
      }
    })().finally(() => {
      task.end();
      this.namesLoading = false;
    });
    return this.#allNames;
  }

  /** Images whose file name contains the query (case-insensitive), at most `limit`. */
  search(limit = 50): number[] {
    return searchNames(this.items, this.query, limit);
  }

  hoverAt(x: number, y: number): void {
    const index = this.view.pick(x, y);
    if (index < 0) {
      this.hover = null;
      return;
    }
    this.hover = { index, x, y };
    void this.item(index);
  }

  clearHover(): void {
    this.hover = null;
  }

  /** A click (not a drag) in the 3D view, at canvas CSS pixels. */
  async clickAt(x: number, y: number): Promise<void> {
    // A lasso that closes where it began is a gesture, not a click on the image there.
    if (this.selection.gestureActive) return;
    const { view, generation } = this;
    const app = this.#app;
    const scene = view.scene;
    // Only a linear layout (PCA, or chosen dimensions: z = m + P^T y inverts it) sends a click on
    // empty space back to latent space; UMAP and t-SNE have no inverse, so there a click selects
    // the image under it as usual (the Generate panel says why).
    if (app.panel === 'generate' && generation.decodeOnClick && scene && isLinearLayout(view.layout)) {
      const canvas = scene.renderer.domElement;
      const point = pointOnViewPlane(scene.camera, scene.controls.target, canvas.clientWidth, canvas.clientHeight, x, y);
      await generation.decodeAt(point, view.layout === 'dims' ? [...view.layoutDims] : null);
      return;
    }
    const index = view.pick(x, y);
    if (index < 0) return;
    app.selected = index;
    void this.item(index);
    if (app.panel === 'interpolate') this.interpolation.pick(index);
  }

  async loadNeighbours(index: number): Promise<void> {
    const app = this.#app;
    const r = app.trainedRun;
    if (!r) return;
    this.neighboursError = null;
    try {
      const result = await this.#bridge.call('latent.neighbours', { runDir: r.runDir, dataset: r.dataset, queries: [{ index }], k: 8 });
      if (app.selected !== index || app.trainedRun !== r) return;
      this.neighbours = { of: index, ...result.neighbours[0] };
      for (const i of result.neighbours[0].indices) void this.item(i);
    } catch (err) {
      this.neighboursError = describeError(err);
    }
  }

  /**
   * What the old model or dataset left behind goes: its neighbours, hover and (for another
   * dataset) names, selections and A/B ends, samples, paths and the export source. Called
   * by the session scope only (renderer/lib/session-scope.ts), the one place that
   * decides when the model or dataset changed.
   */
  reset(scope: 'model' | 'dataset'): void {
    this.hover = null;
    this.neighbours = null;
    this.neighboursError = null;
    this.interpolation.reset(scope);
    this.generation.reset();
    this.exporter.clearSource();
    this.selection.clearAttribute();
    if (scope === 'dataset') {
      this.#datasetEra++;
      this.query = '';
      this.items = new Map();
      this.#pending.clear();
      this.#allNames = null;
      this.selection.clear();
      this.selection.setTrainFilter(null);
    }
  }

  /** The images' folder: the shown model's dataset, else the imported one. */
  #datasetDir(): string | undefined {
    return this.#app.trainedRun?.dataset ?? this.#app.dataset?.dir;
  }

  #addItems(found: DatasetItemInfo[]): void {
    const next = new Map(this.items);
    for (const f of found) next.set(f.index, f);
    this.items = next;
  }
}

const [useExplorer, setExplorer] = createContext<Explorer>();

/** The explorer, for the components inside App (which calls provideExplorer). */
export { useExplorer };

/** App: the explorer and its parts (generation, interpolation, exporter, selections) for the components below. */
export function provideExplorer(explorer: Explorer): Explorer {
  provideGeneration(explorer.generation);
  provideInterpolation(explorer.interpolation);
  provideExporter(explorer.exporter);
  provideSelectionTools(explorer.selection);
  return setExplorer(explorer);
}
