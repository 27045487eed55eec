/**
 * The Export panel's state: what to export (a path, samples, a traversal, or some of their
 * frames as latent vectors), the formats, scale and names, the sheet's atlas layout and
 * packing, the output folder (native dialog or a path field) and the summary of what was
 * written; and the latent map export for the TensorFlow Embedding Projector.
 */
import { createContext } from 'svelte';
import {
  EXPORT_DEFAULTS,
  EXPORT_FORMATS,
  LATENT_DEFAULTS,
  SHEET_DEFAULTS,
  type ExportFormat,
  type ProgressPhase,
  type ProjectorExportReport,
  type SheetLayout,
  type AttributeSpecIn,
  type ExportOptionsIn,
  type ExportReport,
  type InterpolateSpecIn,
  type SampleSpecIn,
  type TraverseSpecIn,
} from '../../src/contract';
import type { Bridge } from './bridge-api';
import { describeError, isCancelled, isUnsupported, type ShownError } from './errors';
import { EXPORT_FIELDS } from './latent-forms';
import { fieldError, wholeRange, type CheckedField } from './limits';
import type { Tasks } from './tasks.svelte';

export type ExportSource =
  | { kind: 'interpolate'; label: string; frames: number; spec: InterpolateSpecIn; z: number[][] }
  | { kind: 'sample'; label: string; frames: number; spec: SampleSpecIn; z: number[][] }
  | { kind: 'traverse'; label: string; frames: number; spec: TraverseSpecIn; z: number[][] }
  | { kind: 'attribute'; label: string; frames: number; spec: AttributeSpecIn; z: number[][] };

export type { ExportFormat };

export class Exporter {
  /** Which files to write: the contract's default formats ticked. */
  formats = $state(Object.fromEntries(EXPORT_FORMATS.map((f) => [f, EXPORT_DEFAULTS.formats.includes(f)])) as Record<ExportFormat, boolean>);
  scale = $state(EXPORT_DEFAULTS.scale);
  name = $state(EXPORT_DEFAULTS.name);
  sheetName = $state(EXPORT_DEFAULTS.sheetName);
  delayMs = $state(EXPORT_DEFAULTS.delayMs);
  pingPong = $state(EXPORT_DEFAULTS.pingPong);
  overwrite = $state(EXPORT_DEFAULTS.overwrite);
  /** Write pixel-art finished frames (off unless the source was finished or the user ticks it). */
  pixelArt = $state(false);
  pixelColors = $state(LATENT_DEFAULTS.pixelArtColors);
  /** Frames and sheet as palette PNGs with the dataset palette (offered with pixel-art finishing). */
  indexed = $state(false);
  layout = $state<SheetLayout>(SHEET_DEFAULTS.layout);
  padding = $state(SHEET_DEFAULTS.padding);
  extrude = $state(SHEET_DEFAULTS.extrude);
  powerOfTwo = $state(SHEET_DEFAULTS.powerOfTwo);
  /** null or 0 = no limit. */
  maxWidth = $state<number | null>(SHEET_DEFAULTS.maxWidth);
  trim = $state(SHEET_DEFAULTS.trim);
  pivotX = $state(SHEET_DEFAULTS.pivot.x);
  pivotY = $state(SHEET_DEFAULTS.pivot.y);
  outDir = $state('');
  /** Frames first..last (1-based, inclusive) of the source. */
  first = $state(1);
  last = $state(1);
  running = $state(false);
  /** What the running export is doing: decoding, encoding frames, writing files. */
  progress = $state<{ phase: ExportPhase; done: number; total: number | null } | null>(null);
  /** Whether the folder is picked in a native dialog or typed (web mode has no dialog). */
  dialog = $state<'unknown' | 'native' | 'unsupported'>('unknown');
  error = $state<ShownError | null>(null);
  source = $state.raw<ExportSource | null>(null);
  report = $state.raw<ExportReport | null>(null);
  /** The latent map export for the Embedding Projector: its folder, run state and report. */
  projector = $state({ outDir: '', running: false, error: null as ShownError | null, report: null as ProjectorExportReport | null });

  #bridge: Bridge;
  #tasks: Tasks;
  #workspace: () => string | null;
  /** Aborts the running frame export (the Cancel button and Esc, through the task). */
  #cancelRun: (() => void) | null = null;

  constructor(bridge: Bridge, tasks: Tasks, workspace: () => string | null) {
    this.#bridge = bridge;
    this.#tasks = tasks;
    this.#workspace = workspace;
  }

  setSource(next: ExportSource): void {
    this.source = next;
    this.report = null;
    this.first = 1;
    this.last = next.frames;
    this.error = null;
    this.outDir = this.#defaultDir(next.label);
    // Frames finished where they were made are exported finished, with the same palette size.
    this.pixelArt = next.spec.finish !== undefined;
    if (next.spec.finish?.colors !== undefined) this.pixelColors = next.spec.finish.colors;
  }

  /** Another model or dataset: nothing of the old one is offered for export (a running export finishes). */
  clearSource(): void {
    this.source = null;
    this.report = null;
    this.error = null;
  }

  /** The engine payload for the current settings (a frame range becomes latent vectors). */
  options(): ExportOptionsIn | null {
    const source = this.source;
    if (!source) return null;
    const formats = (Object.keys(this.formats) as ExportFormat[]).filter((f) => this.formats[f]);
    const whole = this.first === 1 && this.last === source.frames;
    const { runDir, dataset } = source.spec;
    // Finishing is this panel's choice: the export's `finish`, not the source spec's.
    const { finish: _made, ...spec } = source.spec;
    const src: ExportOptionsIn['source'] = whole
      ? source.kind === 'attribute'
        ? { attribute: spec as AttributeSpecIn }
        : source.kind === 'interpolate'
          ? { interpolate: spec as InterpolateSpecIn }
          : source.kind === 'sample'
            ? { sample: spec as SampleSpecIn }
            : { traverse: spec as TraverseSpecIn }
      : { latents: { runDir, dataset, z: source.z.slice(this.first - 1, this.last) } };
    const finish = this.pixelArt ? { finish: { palette: 'dataset' as const, colors: this.pixelColors } } : {};
    // Grid and Kaplay layouts need full-size frames, so trimming only applies to the others.
    const trim = this.trim && this.layout !== 'grid' && this.layout !== 'kaplay';
    const sheet = {
      layout: this.layout,
      padding: this.padding,
      extrude: this.extrude,
      powerOfTwo: this.powerOfTwo,
      maxWidth: this.maxWidth ? this.maxWidth : null,
      trim,
      pivot: { x: this.pivotX, y: this.pivotY },
    };
    return {
      source: src,
      outDir: this.outDir,
      formats,
      name: this.name,
      sheetName: this.sheetName,
      scale: this.scale,
      delayMs: this.delayMs,
      pingPong: this.pingPong,
      overwrite: this.overwrite,
      sheet,
      indexed: this.indexed && this.pixelArt,
      ...finish,
    };
  }

  async chooseFolder(): Promise<void> {
    try {
      const picked = await this.#bridge.call('shell.openFolder', { title: 'Export into this folder' });
      this.dialog = 'native';
      if (picked.path) this.outDir = picked.path;
    } catch (err) {
      if (isUnsupported(err)) this.dialog = 'unsupported';
      else this.error = describeError(err);
    }
  }

  /** The number fields' check: the first outside its range, in words, or null. */
  fieldError(): string | null {
    const frames = this.source?.frames ?? 1;
    const fields: CheckedField[] = [
      ['First frame', this.first, wholeRange(1, this.last)],
      ['Last frame', this.last, wholeRange(this.first, frames)],
      ['Scale', this.scale, EXPORT_FIELDS.scale],
      ['Delay', this.delayMs, EXPORT_FIELDS.delayMs],
      ['Padding', this.padding, EXPORT_FIELDS.padding],
      ['Extrude', this.extrude, EXPORT_FIELDS.extrude],
      ['Pivot x', this.pivotX, EXPORT_FIELDS.pivot],
      ['Pivot y', this.pivotY, EXPORT_FIELDS.pivot],
    ];
    // An empty or 0 maximum width means no limit.
    if (this.maxWidth) fields.push(['Max width', this.maxWidth, EXPORT_FIELDS.maxWidth]);
    if (this.pixelArt) fields.push(['Colours', this.pixelColors, EXPORT_FIELDS.pixelColors]);
    return fieldError(fields);
  }

  async run(): Promise<void> {
    const options = this.options();
    if (!options) return;
    if (options.formats?.length === 0) {
      this.error = { message: 'Choose at least one format.', advice: 'Tick PNG frames, sprite sheet, GIF or WebP.' };
      return;
    }
    const refused = this.fieldError();
    if (refused) {
      this.error = { message: refused, advice: 'Change the value and try again.' };
      return;
    }
    const controller = new AbortController();
    this.running = true;
    this.error = null;
    this.progress = { phase: 'decoding', done: 0, total: null };
    this.report = null;
    this.#cancelRun = () => controller.abort();
    const task = this.#tasks.start('Exporting frames', this.#cancelRun);
    try {
      this.report = await this.#bridge.call('export.frames', options, {
        signal: controller.signal,
        onProgress: (p) => {
          this.progress = { phase: p.phase, done: p.done, total: p.total };
          task.update(p.total ? p.done / p.total : null, phaseWords(p.phase));
        },
      });
    } catch (err) {
      if (!isCancelled(err)) this.error = describeError(err);
    } finally {
      task.end();
      this.#cancelRun = null;
      this.running = false;
      this.progress = null;
    }
  }

  /** Stop the running export: the engine stops within a frame and the folder keeps its old files. */
  cancel(): void {
    this.#cancelRun?.();
  }

  /** The run's latent map for the Embedding Projector (vectors, metadata, sprite, config). */
  async exportProjector(run: { runDir: string; dataset: string }): Promise<void> {
    const projector = this.projector;
    if (!projector.outDir) projector.outDir = this.#defaultDir('embedding-projector');
    const controller = new AbortController();
    projector.running = true;
    projector.error = null;
    projector.report = null;
    const task = this.#tasks.start('Exporting the latent map', () => controller.abort());
    try {
      projector.report = await this.#bridge.call(
        'export.projector',
        { runDir: run.runDir, dataset: run.dataset, outDir: projector.outDir, overwrite: this.overwrite },
        { signal: controller.signal, onProgress: (p) => task.update(p.total ? p.done / p.total : null) },
      );
    } catch (err) {
      if (!isCancelled(err)) projector.error = describeError(err);
    } finally {
      task.end();
      projector.running = false;
    }
  }

  /** A default folder for the latent map, once the workspace is known. */
  suggestProjectorDir(): void {
    if (!this.projector.outDir) this.projector.outDir = this.#defaultDir('embedding-projector');
  }

  /** <workspace>/exports/<label>-<time>, or '' until the workspace is known. */
  #defaultDir(label: string): string {
    const ws = this.#workspace();
    const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
    return ws ? `${ws}/exports/${label.replace(/[^\w-]+/g, '-').replace(/^-|-$/g, '')}-${stamp}` : '';
  }
}

/** The Export panel's state: the explorer makes it (Generate, Interpolate and selections send sources to it). */
export const [useExporter, provideExporter] = createContext<Exporter>();

/** The phases of export.frames (the contract's ProgressPhaseByChannel). */
export type ExportPhase = ProgressPhase<'export.frames'>;

/** Every export phase as the progress line shows it (a phase the contract adds must be worded here, or tsc fails). */
const EXPORT_PHASE_WORDS: Record<ExportPhase, string> = {
  encoding: 'Encoding frames',
  decoding: 'Decoding frames',
  'fitting prior (details)': 'Fitting the prior (details)',
  'fitting prior (directions)': 'Fitting the prior (directions)',
  'fitting prior (mixture)': 'Fitting the prior (mixture)',
  writing: 'Writing files',
};

export function phaseWords(phase: ExportPhase): string {
  return EXPORT_PHASE_WORDS[phase];
}
