/**
 * Export decoded frames for a game engine: PNG files, a sprite sheet with its JSON atlas,
 * animated GIF and WebP. The frames come from the same specs the latent channels take.
 */
import type { z } from 'zod';
import type { ExportReport, exportOptionsSchema } from '../contract';
import { decodeImages, imageBytes, type DecodedImages } from '../latent/images';
import { interpolate, sample, traverse } from '../latent/operations';
import { applyAttributeVector } from '../latent/attribute-operation';
import { runModel } from '../latent/run-model';
import type { SessionOptions } from '../latent/session';
import { openDatasetCached } from '../data/engine-api';
import { AtlasError } from '../errors';
import { animatedGif, animatedWebp } from './animation';
import { paletteHex } from './palette';
import { finishWithDatasetPalette, type FinishedImages } from './pixel-art';
import { frameNames, playOrder } from './names';
import { frameRgba, toRgbaFrames } from './pixels';
import { spriteSheet } from './sprite-sheet';
import { writeExportFiles } from './write';
import path from 'node:path';
import sharp from 'sharp';

export type ExportOptions = z.output<typeof exportOptionsSchema>;

/**
 * The decoded frames, and the sheet columns that suit them (a traversal keeps one dimension
 * per row). With pixel-art finishing (the export's `finish`, else the source spec's) the
 * frames are the finished ones.
 */
async function framesOf(o: ExportOptions, opts: SessionOptions): Promise<{ images: DecodedImages; columns: number | null; finished?: FinishedImages }> {
  const { source } = o;
  const pick = (r: { images: DecodedImages; finished?: FinishedImages }, columns: number | null) => ({ images: r.finished?.images ?? r.images, columns, ...(r.finished ? { finished: r.finished } : {}) });
  if ('interpolate' in source) return pick(await interpolate({ ...source.interpolate, finish: o.finish ?? source.interpolate.finish }, opts), null);
  if ('sample' in source) return pick(await sample({ ...source.sample, memorisation: false, finish: o.finish ?? source.sample.finish }, opts), null);
  if ('attribute' in source) return pick(await applyAttributeVector({ ...source.attribute, finish: o.finish ?? source.attribute.finish }, opts), null);
  if ('traverse' in source) {
    const t = await traverse({ ...source.traverse, memorisation: false, finish: o.finish ?? source.traverse.finish }, opts);
    return pick(t, t.values.length);
  }
  const { model } = await runModel(source.latents.runDir);
  const images = await decodeImages(model, source.latents.z);
  if (!o.finish) return { images, columns: null };
  if (!source.latents.dataset)
    throw new AtlasError('invalid_input', 'Pixel-art finishing snaps colours to the dataset palette, so exporting latent vectors with it needs the dataset (source.latents.dataset).');
  return pick({ images, finished: await finishWithDatasetPalette(await openDatasetCached(source.latents.dataset), images, o.finish) }, null);
}

/** Encode the files an export writes, in memory (nothing touches the disk). */
export async function exportFiles(images: DecodedImages, o: Omit<ExportOptions, 'source' | 'outDir' | 'overwrite'>): Promise<{ name: string; data: Uint8Array | string }[]> {
  const frames = toRgbaFrames(imageBytes(images), images.count, images.size, images.channels, o.scale);
  const names = frameNames(o.name, frames.count).map((n) => `${n}.png`);
  const order = playOrder(frames.count, o.pingPong);
  const files: { name: string; data: Uint8Array | string }[] = [];
  const formats = new Set(o.formats);
  if (formats.has('png'))
    for (let i = 0; i < frames.count; i++) {
      const png = await sharp(frameRgba(frames, i), { raw: { width: frames.width, height: frames.height, channels: 4 } }).png().toBuffer();
      files.push({ name: names[i], data: new Uint8Array(png.buffer, png.byteOffset, png.byteLength) });
    }
  if (formats.has('sheet')) {
    const image = `${o.sheetName}.png`;
    const sheet = await spriteSheet(frames, names, { image, columns: o.columns, animation: o.sheetName, playOrder: order });
    files.push({ name: image, data: sheet.png }, { name: `${o.sheetName}.json`, data: JSON.stringify(sheet.atlas, null, 1) });
  }
  const anim = { order, delayMs: o.delayMs, loop: o.loop };
  if (formats.has('gif')) files.push({ name: `${o.sheetName}.gif`, data: await animatedGif(frames, anim) });
  if (formats.has('webp')) files.push({ name: `${o.sheetName}.webp`, data: await animatedWebp(frames, anim) });
  return files;
}

export async function exportFrames(o: ExportOptions, opts: SessionOptions = {}): Promise<ExportReport> {
  const { images, columns, finished } = await framesOf(o, opts);
  const files = await writeExportFiles(o.outDir, await exportFiles(images, { ...o, columns: o.columns ?? columns }), o.overwrite);
  const pixelArt = finished ? { pixelArt: { palette: paletteHex(finished.palette), colors: finished.palette.colors, alphaThreshold: finished.alphaThreshold } } : {};
  return { outDir: path.resolve(o.outDir), frames: images.count, files, width: images.size * o.scale, height: images.size * o.scale, ...pixelArt };
}
