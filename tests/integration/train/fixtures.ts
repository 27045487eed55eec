import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { openDataset, writeDataset, type Channels, type Dataset, type DatasetItem } from '../../../src/data/store';
import { Rng } from '../../../src/model/rng';

/**
 * A small dataset of real rendered images: SVG circles and squares of random colour, size and
 * position, rasterised to PNG by sharp, decoded back to raw pixels and stored with the dataset
 * store. One in five goes to the validation split.
 */
export async function makeShapesDataset(dir: string, opts: { count: number; size: number; channels: Channels; seed?: number }): Promise<Dataset> {
  const { count, size, channels } = opts;
  const rng = new Rng(opts.seed ?? 1);
  const stride = size * size * channels;
  const pixels = new Uint8Array(count * stride);
  const items: DatasetItem[] = [];
  for (let i = 0; i < count; i++) {
    const r = Math.round(size * (0.15 + 0.25 * rng.uniform()));
    const cx = Math.round(r + rng.uniform() * (size - 2 * r));
    const cy = Math.round(r + rng.uniform() * (size - 2 * r));
    const colour = `rgb(${Math.floor(rng.uniform() * 256)},${Math.floor(rng.uniform() * 256)},${Math.floor(rng.uniform() * 256)})`;
    const shape = rng.uniform() < 0.5 ? `<circle cx="${cx}" cy="${cy}" r="${r}" fill="${colour}"/>` : `<rect x="${cx - r}" y="${cy - r}" width="${2 * r}" height="${2 * r}" fill="${colour}"/>`;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">${shape}</svg>`;
    const png = await sharp(Buffer.from(svg)).png().toBuffer();
    let img = sharp(png).ensureAlpha();
    if (channels === 1) img = sharp(png).flatten({ background: '#000' }).grayscale();
    else if (channels === 3) img = sharp(png).flatten({ background: '#000' });
    const raw = await img.raw().toBuffer({ resolveWithObject: true });
    if (raw.info.channels !== channels) throw new Error(`fixture: got ${raw.info.channels} channels, wanted ${channels}`);
    pixels.set(raw.data, i * stride);
    items.push({ source: `shape-${i}.png`, label: null, hash: createHash('sha256').update(png).digest('hex'), width: size, height: size, split: i % 5 === 4 ? 'val' : 'train' });
  }
  await writeDataset(dir, { size, channels }, { options: {}, items, labels: [] }, pixels);
  return openDataset(dir);
}
