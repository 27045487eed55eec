/**
 * The Export panel's state: what to export (a path, samples, a traversal, or some of their
 * frames as latent vectors), the formats, scale and names, the sheet's atlas layout and
 * packing, the output folder (native dialog or a path field) and the summary of what was
 * written; and the latent map export for the TensorFlow Embedding Projector.
 */
import {
  PIXEL_ART_COLORS,
  SHEET_LIMITS,
  type ProjectorExportReport,
  type SheetLayout,
  type AttributeSpecIn,
  type ExportOptionsIn,
  type ExportReport,
  type InterpolateSpecIn,
  type SampleSpecIn,
  type TraverseSpecIn,
} from '../../src/contract';
import type { Bridge } from './bridge';
import { describeError, isCancelled, isUnsupported, type ShownError } from './errors';
import type { Tasks } from './tasks.svelte';

export type ExportSource =
  | { kind: 'interpolate'; label: string; frames: number; spec: InterpolateSpecIn; z: number[][] }
  | { kind: 'sample'; label: string; frames: number; spec: SampleSpecIn; z: number[][] }
  | { kind: 'traverse'; label: string; frames: number; spec: TraverseSpecIn; z: number[][] }
  | { kind: 'attribute'; label: string; frames: number; spec: AttributeSpecIn; z: number[][] };

export type ExportFormat = 'png' | 'sheet' | 'gif' | 'webp';

export function createExporter(bridge: Bridge, tasks: Tasks, workspace: () => string | null) {
  const s = $state({
    formats: { png: true, sheet: true, gif: false, webp: false } as Record<ExportFormat, boolean>,
    scale: 1,
    name: 'frame-{i}',
    sheetName: 'sheet',
    delayMs: 100,
    pingPong: false,
    overwrite: false,
    /** Write pixel-art finished frames (off unless the source was finished or the user ticks it). */
    pixelArt: false,
    pixelColors: PIXEL_ART_COLORS.default as number,
    /** Frames and sheet as palette PNGs with the dataset palette (offered with pixel-art finishing). */
    indexed: false,
    layout: 'texturepacker-hash' as SheetLayout,
    padding: SHEET_LIMITS.padding.default as number,
    extrude: SHEET_LIMITS.extrude.default as number,
    powerOfTwo: false,
    /** null or 0 = no limit. */
    maxWidth: null as number | null,
    trim: false,
    pivotX: 0.5,
    pivotY: 1,
    outDir: '',
    /** Frames first..last (1-based, inclusive) of the source. */
    first: 1,
    last: 1,
    running: false,
    /** What the running export is doing: decoding, encoding frames, writing files. */
    progress: null as { phase: string; done: number; total: number | null } | null,
    dialog: 'unknown' as 'unknown' | 'native' | 'unsupported',
    error: null as ShownError | null,
  });
  let source = $state.raw<ExportSource | null>(null);
  let report = $state.raw<ExportReport | null>(null);
  const projector = $state({ outDir: '', running: false, error: null as ShownError | null, report: null as ProjectorExportReport | null });
  /** Aborts the running frame export (the Cancel button and Esc, through the task). */
  let cancelRun: (() => void) | null = null;

  const defaultDir = (label: string) => {
    const ws = workspace();
    const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
    return ws ? `${ws}/exports/${label.replace(/[^\w-]+/g, '-').replace(/^-|-$/g, '')}-${stamp}` : '';
  };

  return {
    state: s,
    projector,
    get source() {
      return source;
    },
    get report() {
      return report;
    },
    setSource(next: ExportSource) {
      source = next;
      report = null;
      s.first = 1;
      s.last = next.frames;
      s.error = null;
      s.outDir = defaultDir(next.label);
      // Frames finished where they were made are exported finished, with the same palette size.
      s.pixelArt = next.spec.finish !== undefined;
      if (next.spec.finish?.colors !== undefined) s.pixelColors = next.spec.finish.colors;
    },
    /** Another model or dataset: nothing of the old one is offered for export (a running export finishes). */
    clearSource() {
      source = null;
      report = null;
      s.error = null;
    },
    /** The engine payload for the current settings (a frame range becomes latent vectors). */
    options(): ExportOptionsIn | null {
      if (!source) return null;
      const formats = (Object.keys(s.formats) as ExportFormat[]).filter((f) => s.formats[f]);
      const whole = s.first === 1 && s.last === source.frames;
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
        : { latents: { runDir, dataset, z: source.z.slice(s.first - 1, s.last) } };
      const finish = s.pixelArt ? { finish: { palette: 'dataset' as const, colors: s.pixelColors } } : {};
      // Grid and Kaplay layouts need full-size frames, so trimming only applies to the others.
      const trim = s.trim && s.layout !== 'grid' && s.layout !== 'kaplay';
      const sheet = { layout: s.layout, padding: s.padding, extrude: s.extrude, powerOfTwo: s.powerOfTwo, maxWidth: s.maxWidth ? s.maxWidth : null, trim, pivot: { x: s.pivotX, y: s.pivotY } };
      return {
        source: src,
        outDir: s.outDir,
        formats,
        name: s.name,
        sheetName: s.sheetName,
        scale: s.scale,
        delayMs: s.delayMs,
        pingPong: s.pingPong,
        overwrite: s.overwrite,
        sheet,
        indexed: s.indexed && s.pixelArt,
        ...finish,
      };
    },
    async chooseFolder() {
      try {
        const picked = await bridge.call('shell.openFolder', { title: 'Export into this folder' });
        s.dialog = 'native';
        if (picked.path) s.outDir = picked.path;
      } catch (err) {
        if (isUnsupported(err)) s.dialog = 'unsupported';
        else s.error = describeError(err);
      }
    },
    async run() {
      const options = this.options();
      if (!options) return;
      if (options.formats?.length === 0) {
        s.error = { message: 'Choose at least one format.', advice: 'Tick PNG frames, sprite sheet, GIF or WebP.' };
        return;
      }
      const controller = new AbortController();
      s.running = true;
      s.error = null;
      s.progress = { phase: 'decoding', done: 0, total: null };
      report = null;
      cancelRun = () => controller.abort();
      const task = tasks.start('Exporting frames', cancelRun);
      try {
        report = await bridge.call('export.frames', options, {
          signal: controller.signal,
          onProgress: (p) => {
            s.progress = { phase: p.phase, done: p.done, total: p.total };
            task.update(p.total ? p.done / p.total : null, phaseWords(p.phase));
          },
        });
      } catch (err) {
        if (!isCancelled(err)) s.error = describeError(err);
      } finally {
        task.end();
        cancelRun = null;
        s.running = false;
        s.progress = null;
      }
    },
    /** Stop the running export: the engine stops within a frame and the folder keeps its old files. */
    cancel() {
      cancelRun?.();
    },
    /** The run's latent map for the Embedding Projector (vectors, metadata, sprite, config). */
    async exportProjector(run: { runDir: string; dataset: string }) {
      if (!projector.outDir) projector.outDir = defaultDir('embedding-projector');
      const controller = new AbortController();
      projector.running = true;
      projector.error = null;
      projector.report = null;
      const task = tasks.start('Exporting the latent map', () => controller.abort());
      try {
        projector.report = await bridge.call(
          'export.projector',
          { runDir: run.runDir, dataset: run.dataset, outDir: projector.outDir, overwrite: s.overwrite },
          { signal: controller.signal, onProgress: (p) => task.update(p.total ? p.done / p.total : null) },
        );
      } catch (err) {
        if (!isCancelled(err)) projector.error = describeError(err);
      } finally {
        task.end();
        projector.running = false;
      }
    },
    /** A default folder for the latent map, once the workspace is known. */
    suggestProjectorDir() {
      if (!projector.outDir) projector.outDir = defaultDir('embedding-projector');
    },
  };
}

export type Exporter = ReturnType<typeof createExporter>;

/** The engine's export phases as the progress line shows them. */
export function phaseWords(phase: string): string {
  return phase === 'decoding' ? 'Decoding frames' : phase === 'encoding' ? 'Encoding frames' : phase === 'writing' ? 'Writing files' : phase;
}
