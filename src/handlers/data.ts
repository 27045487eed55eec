/**
 * The dataset channels of the contract, as engine handlers over src/data.
 */
import path from 'node:path';
import type { DatasetImportReport, DatasetSummary } from '../contract';
import type { EngineHandler } from '../host/handler';
import { importImages, type ImportResult } from '../data/import';
import { importSheets } from '../data/sheet-import';
import { previewSheet } from '../data/sheet-preview';
import { openDatasetCached } from '../data/dataset-cache';
import { writeDataset, type Dataset } from '../data/store';
import { thumbnailAtlas } from '../data/thumbnail-atlas';
import { removeStaging, safeRelativeName, stageFiles, stagingDir } from '../data/staging';

export function summarise(dataset: Dataset): DatasetSummary {
  const { index } = dataset;
  return {
    dir: dataset.dir,
    count: index.count,
    size: index.size,
    channels: index.channels,
    labels: index.labels,
    train: dataset.indicesOf('train').length,
    val: dataset.indicesOf('val').length,
    datasetHash: index.datasetHash,
    createdAt: index.createdAt,
  };
}

/** A sheet on the engine's disk, or one uploaded into a staging area (its name there). */
function sheetPath(source: { sheet: string } | { staged: string; sheetName: string }): string {
  return 'sheet' in source ? source.sheet : path.join(stagingDir(source.staged), safeRelativeName(source.sheetName));
}

export const importDataset: EngineHandler<'dataset.import'> = async ({ source, output, options }, ctx) => {
  try {
    const common = {
      output,
      options,
      signal: ctx.signal,
      onProgress: (p: Parameters<NonNullable<Parameters<typeof importImages>[0]['onProgress']>>[0]) => {
        const done = p.imported + p.skipped;
        ctx.progress({
          phase: p.phase,
          done,
          total: p.total,
          rate: p.rate,
          etaSeconds: p.etaMs === null ? undefined : p.etaMs / 1000,
          message: p.current ?? undefined,
          data: { scanned: p.scanned, decoded: p.decoded, fromCache: p.fromCache, imported: p.imported, skipped: p.skipped },
        });
      },
    };
    let result: ImportResult;
    if ('slicing' in source) result = await importSheets({ ...common, sheets: [sheetPath(source)], slicing: source.slicing });
    else result = await importImages({ ...common, source: { folder: 'folder' in source ? source.folder : stagingDir(source.staged) } });
    const { options: _resolved, ...report } = result;
    return report satisfies DatasetImportReport;
  } finally {
    if ('staged' in source) await removeStaging(source.staged);
  }
};

export const previewDatasetSheet: EngineHandler<'dataset.sheetPreview'> = async (payload) => previewSheet(sheetPath(payload), payload.slicing, payload.maxPixels);

export const stageDatasetFiles: EngineHandler<'dataset.stageFiles'> = async ({ staged, files }) => ({ staged, ...(await stageFiles(staged, files)) });

export const copyDataset: EngineHandler<'dataset.copy'> = async ({ from, to }) => {
  const source = await openDatasetCached(from);
  const { size, channels, options, items, labels } = source.index;
  await writeDataset(to, { size, channels }, { options, items, labels }, source.pixels);
  return summarise(await openDatasetCached(to));
};

export const datasetInfo: EngineHandler<'dataset.info'> = async ({ path: dir }) => summarise(await openDatasetCached(dir));

export const datasetItem: EngineHandler<'dataset.item'> = async ({ path: dir, index }) => {
  const dataset = await openDatasetCached(dir);
  dataset.image(index); // throws a clear 'invalid_input' when out of range
  const { source, label, split, hash, width, height, frame } = dataset.index.items[index];
  return { index, source, label, split, hash, width, height, ...(frame === undefined ? {} : { frame }) };
};

export const datasetItems: EngineHandler<'dataset.items'> = async ({ path: dir, from, count }) => {
  const { index } = await openDatasetCached(dir);
  const items = index.items.slice(from, from + count).map(({ source, label, split, hash, width, height, frame }, k) => ({
    index: from + k,
    source,
    label,
    split,
    hash,
    width,
    height,
    ...(frame === undefined ? {} : { frame }),
  }));
  return { items, total: index.count };
};

export const datasetThumbnails: EngineHandler<'dataset.thumbnails'> = async ({ path: dir, page, perPage }) => {
  const atlas = await thumbnailAtlas(await openDatasetCached(dir), page, perPage);
  return { ...atlas, png: Buffer.from(atlas.png).toString('base64') };
};
