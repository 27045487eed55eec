/**
 * The latent map for the TensorFlow Embedding Projector (projector.tensorflow.org): the
 * posterior means as vectors.tsv (one row per image, tab-separated, no header), metadata.tsv
 * (a header row, then file, label, KL and reconstruction error per image), sprite.png (the
 * thumbnails row-major in a ceil(sqrt(N)) x ceil(sqrt(N)) grid, the layout the projector
 * cuts with singleImageDim) and projector_config.json naming them. The projector accepts a
 * sprite image of at most 8192 px a side, so thumbnails shrink (box filter) when needed.
 */
import path from 'node:path';
import sharp from 'sharp';
import type { ProjectorExportReport, projectorExportSchema } from '../contract';
import type { Dataset } from '../data/store';
import { AtlasError, throwIfCancelled } from '../errors';
import type { Latents } from '../latent/encode';
import { latentSession, type SessionOptions } from '../latent/session';
import type { z } from 'zod';
import { APP_NAME } from './atlas-input';
import { writeExportFiles } from './write';
import { prepareExportFolder } from './folder';

export type ProjectorExportOptions = z.output<typeof projectorExportSchema>;

/** The projector's largest sprite image side. */
export const PROJECTOR_SPRITE_MAX = 8192;

/** Images per row (and column) of the sprite grid: the projector cuts a ceil(sqrt(N)) square. */
export const spriteGridSize = (count: number) => Math.ceil(Math.sqrt(count));

/** A TSV cell: tabs and line breaks would split rows or columns, so they become spaces. */
const cell = (text: string) => text.replace(/[\t\r\n]+/g, ' ');
/** Float32 values printed with the 7 significant digits they hold. */
const num = (v: number) => String(Number(v.toPrecision(7)));

export function vectorsTsv(latents: Latents): string {
  const rows: string[] = [];
  for (let i = 0; i < latents.count; i++) rows.push(Array.from(latents.mu.subarray(i * latents.latentDim, (i + 1) * latents.latentDim), num).join('\t'));
  return rows.join('\n') + '\n';
}

export function metadataTsv(dataset: Dataset, latents: Latents): string {
  const rows = ['file\tlabel\tkl_nats\treconstruction_error'];
  dataset.index.items.forEach((item, i) => rows.push([cell(item.source), cell(item.label ?? ''), num(latents.kl[i]), num(latents.reconError[i])].join('\t')));
  return rows.join('\n') + '\n';
}

/** Image i of the dataset as RGBA, shrunk to t x t by averaging (alpha-weighted) when t is smaller. */
function thumbnailRgba(dataset: Dataset, i: number, t: number): Uint8Array {
  const { size, channels } = dataset.index;
  const src = dataset.image(i);
  const out = new Uint8Array(t * t * 4);
  for (let ty = 0; ty < t; ty++)
    for (let tx = 0; tx < t; tx++) {
      const y0 = Math.floor((ty * size) / t);
      const y1 = Math.max(y0 + 1, Math.floor(((ty + 1) * size) / t));
      const x0 = Math.floor((tx * size) / t);
      const x1 = Math.max(x0 + 1, Math.floor(((tx + 1) * size) / t));
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let y = y0; y < y1; y++)
        for (let x = x0; x < x1; x++) {
          const o = (y * size + x) * channels;
          const alpha = channels === 4 ? src[o + 3] : 255;
          r += src[o] * alpha;
          g += (channels >= 3 ? src[o + 1] : src[o]) * alpha;
          b += (channels >= 3 ? src[o + 2] : src[o]) * alpha;
          a += alpha;
        }
      const n = (y1 - y0) * (x1 - x0);
      const o = (ty * t + tx) * 4;
      if (a > 0) out.set([Math.round(r / a), Math.round(g / a), Math.round(b / a), Math.round(a / n)], o);
    }
  return out;
}

/** The thumbnail size: the asked one (else the training size), no larger than the 8192 px sprite allows. */
export function thumbnailSize(count: number, imageSize: number, asked: number | null): number {
  const fit = Math.floor(PROJECTOR_SPRITE_MAX / spriteGridSize(count));
  if (fit < 1) throw new AtlasError('invalid_input', `${count} images do not fit the Embedding Projector's ${PROJECTOR_SPRITE_MAX} px sprite image even at 1 px each.`);
  return Math.min(asked ?? imageSize, fit);
}

export async function spriteImage(dataset: Dataset, t: number, signal?: AbortSignal): Promise<{ png: Uint8Array; grid: number }> {
  const count = dataset.index.count;
  const grid = spriteGridSize(count);
  const side = grid * t;
  const rgba = new Uint8Array(side * side * 4);
  for (let i = 0; i < count; i++) {
    if (i % 256 === 0) throwIfCancelled(signal);
    const thumb = t === dataset.index.size && dataset.index.channels === 4 ? dataset.image(i) : thumbnailRgba(dataset, i, t);
    const x0 = (i % grid) * t;
    const y0 = Math.floor(i / grid) * t;
    for (let y = 0; y < t; y++) rgba.set(thumb.subarray(y * t * 4, (y + 1) * t * 4), ((y0 + y) * side + x0) * 4);
  }
  const png = await sharp(rgba, { raw: { width: side, height: side, channels: 4 } })
    .png({ compressionLevel: 6 })
    .toBuffer();
  return { png: new Uint8Array(png.buffer, png.byteOffset, png.byteLength), grid };
}

export function projectorConfig(runDir: string, count: number, latentDim: number, t: number): string {
  const embedding = {
    tensorName: `${APP_NAME}: ${path.basename(path.resolve(runDir))} (posterior means)`,
    tensorShape: [count, latentDim],
    tensorPath: 'vectors.tsv',
    metadataPath: 'metadata.tsv',
    sprite: { imagePath: 'sprite.png', singleImageDim: [t, t] },
  };
  return JSON.stringify({ embeddings: [embedding] }, null, 1) + '\n';
}

export async function exportProjector(o: ProjectorExportOptions, opts: SessionOptions = {}): Promise<ProjectorExportReport> {
  // An unwritable folder fails now, not after encoding the dataset.
  await prepareExportFolder(o.outDir);
  const s = await latentSession(o.runDir, o.dataset, opts);
  const { latents, dataset } = s;
  const t = thumbnailSize(latents.count, dataset.index.size, o.thumbnail);
  const sprite = await spriteImage(dataset, t, opts.signal);
  throwIfCancelled(opts.signal);
  const files = await writeExportFiles(
    o.outDir,
    [
      { name: 'vectors.tsv', data: vectorsTsv(latents) },
      { name: 'metadata.tsv', data: metadataTsv(dataset, latents) },
      { name: 'sprite.png', data: sprite.png },
      { name: 'projector_config.json', data: projectorConfig(o.runDir, latents.count, latents.latentDim, t) },
    ],
    o.overwrite,
    { signal: opts.signal },
  );
  return { outDir: path.resolve(o.outDir), files, count: latents.count, latentDim: latents.latentDim, singleImageDim: [t, t], spriteGrid: sprite.grid };
}
