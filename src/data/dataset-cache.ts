/**
 * The datasets opened last, kept open: paging thumbnails, training, encoding and exporting read
 * the same dataset again and again, and re-reading pixels.bin each time would cost seconds.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { openDataset, INDEX_FILE, type Dataset } from './store';

/** How many datasets stay open (each holds its pixels.bin in memory). */
const OPEN_DATASETS = 2;
const openCache = new Map<string, { mtimeMs: number; dataset: Promise<Dataset> }>();

/** The dataset in `dir`, opened once until its index.json changes (a re-import). */
export async function openDatasetCached(dir: string): Promise<Dataset> {
  const root = path.resolve(dir);
  const mtimeMs = await fs.stat(path.join(root, INDEX_FILE)).then(
    (s) => s.mtimeMs,
    () => -1,
  );
  const hit = openCache.get(root);
  if (hit && hit.mtimeMs === mtimeMs) return hit.dataset;
  const dataset = openDataset(root);
  openCache.set(root, { mtimeMs, dataset });
  dataset.catch(() => openCache.delete(root));
  while (openCache.size > OPEN_DATASETS) openCache.delete(openCache.keys().next().value!);
  return dataset;
}
