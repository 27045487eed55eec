/**
 * Export decoded frames for a game engine: PNG files (optionally indexed), a sprite sheet with
 * its atlas in the chosen layout, animated GIF and WebP. The frames come from the same specs
 * the latent channels take.
 */
import type { z } from 'zod';
import { pixelArtFinishSchema, sheetOptionsSchema, type ExportReport, type exportOptionsSchema, type PixelArtFinishSpec } from '../contract';
import { decodeImages, imageBytes, type DecodedImages } from '../latent/images';
import { interpolate, sample, traverse } from '../latent/operations';
import { applyAttributeVector } from '../latent/attribute-operation';
import { runModel } from '../latent/run-model';
import type { SessionOptions } from '../latent/session';
import { openDatasetCached } from '../data/dataset-cache';
import { AtlasError, throwIfCancelled } from '../errors';
import { animatedGif, animatedWebp } from './animation';
import { animationTags } from './atlas-input';
import { indexedPng } from './indexed-png';
import { paletteHex, type Palette } from './palette';
import { finishWithDatasetPalette, type FinishedImages } from './pixel-art';
import { frameNames, playOrder } from './names';
import { frameRgba, toRgbaFrames } from './pixels';
import { spriteSheet, type SpriteSheet } from './sprite-sheet';
import { writeExportFiles } from './write';
import { prepareExportFolder } from './folder';
import path from 'node:path';
import sharp from 'sharp';

export type ExportOptions = z.output<typeof exportOptionsSchema>;

/**
 * The decoded frames, and the sheet columns that suit them (a traversal keeps one dimension
 * per row). With pixel-art finishing (the export's `finish`, else the source spec's) the
 * frames are the finished ones.
 */
async function framesOf(o: ExportOptions, opts: SessionOptions): Promise<{ images: DecodedImages; columns: number | null; finished?: FinishedImages; rows?: TraversalRows }> {
  const { source } = o;
  const pick = (r: { images: DecodedImages; finished?: FinishedImages }, columns: number | null) => ({
    images: r.finished?.images ?? r.images,
    columns,
    ...(r.finished ? { finished: r.finished } : {}),
  });
  if ('interpolate' in source) return pick(await interpolate({ ...source.interpolate, finish: o.finish ?? source.interpolate.finish }, opts), null);
  if ('sample' in source) return pick(await sample({ ...source.sample, memorisation: false, finish: o.finish ?? source.sample.finish }, opts), null);
  if ('attribute' in source) return pick(await applyAttributeVector({ ...source.attribute, finish: o.finish ?? source.attribute.finish }, opts), null);
  if ('traverse' in source) {
    const t = await traverse({ ...source.traverse, memorisation: false, finish: o.finish ?? source.traverse.finish }, opts);
    return { ...pick(t, t.values.length), rows: { dims: t.dims, columns: t.values.length } };
  }
  const { model } = await runModel(source.latents.runDir);
  const images = await decodeImages(model, source.latents.z);
  if (!o.finish) return { images, columns: null };
  if (!source.latents.dataset)
    throw new AtlasError('invalid_input', 'Pixel-art finishing snaps colours to the dataset palette, so exporting latent vectors with it needs the dataset (source.latents.dataset).');
  return pick({ images, finished: await finishWithDatasetPalette(await openDatasetCached(source.latents.dataset), images, o.finish) }, null);
}

/** A traversal's rows: one swept dimension each, `columns` frames per row. */
export interface TraversalRows {
  dims: number[];
  columns: number;
}

export type ExportFile = { name: string; data: Uint8Array | string };
/** Sheet options and `indexed` default as in the contract when left out. */
export type EncodeOptions = Omit<ExportOptions, 'source' | 'outDir' | 'overwrite' | 'finish' | 'sheet' | 'indexed'> & { sheet?: ExportOptions['sheet']; indexed?: boolean };

/** Cancellation and progress for the encoding and writing of an export. */
export interface ExportProgress {
  signal?: AbortSignal;
  /** Frames encoded (phase 'encoding'), then files staged (phase 'writing'). */
  onProgress?: (phase: 'encoding' | 'writing', done: number, total: number) => void;
}

/**
 * Encode the files an export writes, in memory (nothing touches the disk). `palette` (the
 * dataset palette the frames were finished with) is needed for indexed PNGs; `rows` gives a
 * traversal one animation per row.
 */
export async function encodeExport(
  images: DecodedImages,
  o: EncodeOptions,
  extra: { palette?: Palette; rows?: TraversalRows } = {},
  progress: ExportProgress = {},
): Promise<{ files: ExportFile[]; sheet?: SpriteSheet }> {
  if (o.indexed && !extra.palette) throw new AtlasError('invalid_input', 'Indexed PNGs use the dataset palette, so they need pixel-art finishing with the dataset (turn on pixel-art finishing).');
  const palette = o.indexed ? extra.palette : undefined;
  const frames = toRgbaFrames(imageBytes(images), images.count, images.size, images.channels, o.scale);
  const names = frameNames(o.name, frames.count).map((n) => `${n}.png`);
  const order = playOrder(frames.count, o.pingPong);
  const files: ExportFile[] = [];
  const formats = new Set(o.formats);
  if (formats.has('png'))
    for (let i = 0; i < frames.count; i++) {
      throwIfCancelled(progress.signal);
      progress.onProgress?.('encoding', i, frames.count);
      const rgba = frameRgba(frames, i);
      const png = palette
        ? await indexedPng(rgba, frames.width, frames.height, palette)
        : new Uint8Array(
            await sharp(rgba, { raw: { width: frames.width, height: frames.height, channels: 4 } })
              .png()
              .toBuffer(),
          );
      files.push({ name: names[i], data: png });
    }
  // All frames done; the sheet and animations come next (one libvips call each).
  progress.onProgress?.('encoding', frames.count, frames.count);
  let sheet: SpriteSheet | undefined;
  throwIfCancelled(progress.signal);
  if (formats.has('sheet')) {
    const tags = animationTags(frames.count, o.sheetName, extra.rows ?? null);
    sheet = await cancellable(
      spriteSheet(frames, {
        sheetName: o.sheetName,
        columns: o.columns,
        names,
        tags,
        pingPong: o.pingPong,
        delayMs: o.delayMs,
        loop: o.loop,
        options: o.sheet ?? sheetOptionsSchema.parse({}),
        ...(palette ? { palette } : {}),
      }),
      progress.signal,
    );
    files.push({ name: `${o.sheetName}.png`, data: sheet.png }, { name: sheet.atlas.name, data: sheet.atlas.data });
  }
  const anim = { order, delayMs: o.delayMs, loop: o.loop };
  throwIfCancelled(progress.signal);
  if (formats.has('gif')) files.push({ name: `${o.sheetName}.gif`, data: await cancellable(animatedGif(frames, anim), progress.signal) });
  throwIfCancelled(progress.signal);
  if (formats.has('webp')) files.push({ name: `${o.sheetName}.webp`, data: await cancellable(animatedWebp(frames, anim), progress.signal) });
  return { files, ...(sheet ? { sheet } : {}) };
}

/**
 * libvips cannot be stopped mid-encode (a 256-frame WebP takes seconds): on Cancel stop
 * waiting for it, so the export ends at once; its result is dropped and nothing is written.
 */
async function cancellable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  work.catch(() => {}); // a failure after Cancel has nobody to report to
  throwIfCancelled(signal);
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new AtlasError('cancelled', 'Cancelled.'));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

export async function exportFiles(images: DecodedImages, o: EncodeOptions, extra: { palette?: Palette; rows?: TraversalRows } = {}): Promise<ExportFile[]> {
  return (await encodeExport(images, o, extra)).files;
}

/** Indexed PNGs imply pixel-art finishing: the source's own, else the default (its alpha is 0 or 255). */
function finishFor(o: ExportOptions): PixelArtFinishSpec | undefined {
  if (o.finish || !o.indexed) return o.finish;
  const own = 'latents' in o.source ? undefined : (Object.values(o.source)[0] as { finish?: PixelArtFinishSpec }).finish;
  return own ?? pixelArtFinishSchema.parse({});
}

/** The export report's description of a written sheet. */
export function sheetReport(outDir: string, sheet: SpriteSheet | undefined, layout: ExportOptions['sheet']['layout']): Pick<ExportReport, 'sheet'> {
  return sheet ? { sheet: { layout, width: sheet.packed.width, height: sheet.packed.height, atlas: path.join(path.resolve(outDir), sheet.atlas.name) } } : {};
}

export async function exportFrames(options: ExportOptions, opts: SessionOptions = {}, onProgress?: ExportProgress['onProgress']): Promise<ExportReport> {
  const finish = finishFor(options);
  const o = finish ? { ...options, finish } : options;
  // An unwritable folder fails now, not after the decoding and encoding.
  await prepareExportFolder(o.outDir);
  const { images, columns, finished, rows } = await framesOf(o, opts);
  throwIfCancelled(opts.signal);
  const progress = { signal: opts.signal, onProgress };
  const encoded = await encodeExport(images, { ...o, columns: o.columns ?? columns }, { ...(finished ? { palette: finished.palette } : {}), ...(rows ? { rows } : {}) }, progress);
  const files = await writeExportFiles(o.outDir, encoded.files, o.overwrite, { signal: opts.signal, onProgress: (done, total) => onProgress?.('writing', done, total) });
  const pixelArt = finished ? { pixelArt: { palette: paletteHex(finished.palette), colors: finished.palette.colors, alphaThreshold: finished.alphaThreshold } } : {};
  return {
    outDir: path.resolve(o.outDir),
    frames: images.count,
    files,
    width: images.size * o.scale,
    height: images.size * o.scale,
    ...pixelArt,
    ...sheetReport(o.outDir, encoded.sheet, o.sheet.layout),
  };
}
