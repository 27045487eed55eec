import path from 'node:path';
import type { SheetFrameReport, SheetImportReport, SheetSlicing } from '../contract';
import { AtlasError, throwIfCancelled } from '../errors';
import { importImages, type FrameEntry, type ImportRequest, type ImportResult } from './import';
import { resolveImportOptions } from './options';
import { loadSheet, type LoadedSheet } from './sheet-load';
import { cropSlice } from './sheet-slices';

/**
 * Import sprite sheets: each sheet is read and sliced first (every error thrown before the
 * dataset writer exists, so a bad sheet leaves the output untouched), then its frames go
 * through the same pipeline as files: resample, dedupe, split, store, report.
 */
export interface SheetImportRequest extends Omit<ImportRequest, 'source'> {
  /** Sheet images (or, in atlas mode, atlas JSONs), all cut the same way. */
  sheets: string[];
  slicing: SheetSlicing;
}

/** The dataset's name for a frame: sheet file name and cell, e.g. "hero.png#walk_0" or "tiles.png#r3c5". */
export function frameSource(sheet: string, frame: string): string {
  return `${sheet}#${frame}`;
}

/** A frame's label: the atlas tag that covers it, else the sheet's file name without extension. */
function frameLabel(sheet: LoadedSheet, tag: string | null): string {
  return tag ?? path.basename(sheet.name, path.extname(sheet.name));
}

async function* cutFrames(sheets: LoadedSheet[], signal?: AbortSignal): AsyncGenerator<FrameEntry> {
  for (const sheet of sheets) {
    for (const s of sheet.slices) {
      throwIfCancelled(signal);
      const rel = frameSource(sheet.name, s.name);
      if (s.empty) {
        yield { kind: 'skip', rel, code: 'empty_cell', reason: `The cell at ${s.x},${s.y} (${s.w}x${s.h}) has no visible pixel.` };
        continue;
      }
      const { rgba, width, height } = cropSlice(sheet.pixels, s);
      yield { kind: 'frame', rel, label: frameLabel(sheet, s.tag), rgba, width, height };
    }
  }
}

export async function importSheets(req: SheetImportRequest): Promise<ImportResult> {
  if (req.sheets.length === 0) throw new AtlasError('invalid_input', 'Name at least one sprite sheet to import.');
  const o = resolveImportOptions(req.options);
  const loaded: LoadedSheet[] = [];
  for (const file of req.sheets) {
    throwIfCancelled(req.signal);
    loaded.push(await loadSheet(file, req.slicing, o.maxPixels));
  }
  const names = new Set<string>();
  for (const sheet of loaded) {
    if (names.has(sheet.name)) throw new AtlasError('invalid_input', `Two sheets are both called ${sheet.name}; their frames would share names. Rename one, or import them separately.`);
    names.add(sheet.name);
  }
  const count = loaded.reduce((n, s) => n + s.slices.length, 0);
  const { sheets: _sheets, slicing: _slicing, ...rest } = req;
  const result = await importImages({ ...rest, source: { frames: { count, entries: cutFrames(loaded, req.signal) } } });
  return { ...result, sheets: sheetReports(loaded, result) };
}

/** Every frame of every sheet with its cell and what became of it (imported, or the skip code). */
function sheetReports(sheets: LoadedSheet[], result: ImportResult): SheetImportReport[] {
  const skipped = new Map(result.skipped.map((s) => [s.path, s.code]));
  // Frames are taken in order, so past the max-images limit every frame left out is over it.
  let room = result.imported;
  const status = (rel: string): SheetFrameReport['status'] => {
    const code = skipped.get(rel);
    if (code) return code;
    return room-- > 0 ? 'imported' : 'over_limit';
  };
  return sheets.map((sheet) => ({
    sheet: sheet.name,
    width: sheet.pixels.width,
    height: sheet.pixels.height,
    mode: sheet.mode,
    atlas: sheet.atlas,
    dust: sheet.dust,
    frames: sheet.slices.map((s): SheetFrameReport => ({ name: s.name, x: s.x, y: s.y, w: s.w, h: s.h, tag: s.tag, status: status(frameSource(sheet.name, s.name)) })),
  }));
}
