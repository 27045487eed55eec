/**
 * A selection of dataset images as a file list: CSV "file,label,index", one row per image in
 * the order given (file = path relative to the import root; label empty when none).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { SelectionCsvReport } from '../contract';
import { AtlasError } from '../errors';
import { writeFileAtomic } from '../util/atomic-write';
import type { DatasetIndex } from './store';

/** One CSV field (RFC 4180): quoted when it holds a comma, quote, or line break. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The CSV text of `indices` of a dataset (CRLF line ends, as RFC 4180 and spreadsheets expect). */
export function selectionCsv(index: Pick<DatasetIndex, 'items' | 'count'>, indices: readonly number[]): string {
  const rows = ['file,label,index'];
  for (const i of indices) {
    const item = index.items[i];
    if (!item) throw new AtlasError('invalid_input', `The selection names image ${i}, but the dataset has ${index.count} images. Make the selection again on this dataset.`);
    rows.push(`${csvField(item.source)},${csvField(item.label ?? '')},${i}`);
  }
  return rows.join('\r\n') + '\r\n';
}

/** Writes the CSV of `indices` to `file` (atomically); an existing file is replaced only when `overwrite`. */
export async function writeSelectionCsv(index: Pick<DatasetIndex, 'items' | 'count'>, indices: readonly number[], file: string, overwrite: boolean): Promise<SelectionCsvReport> {
  const text = selectionCsv(index, indices);
  const target = path.resolve(file);
  if (
    !overwrite &&
    (await fs.lstat(target).then(
      () => true,
      () => false,
    ))
  )
    throw new AtlasError('invalid_input', `${target} already exists; choose another name, or allow replacing it.`, { existing: [target] });
  try {
    await fs.mkdir(path.dirname(target), { recursive: true });
  } catch (err) {
    throw new AtlasError('io_error', `Could not create the folder ${path.dirname(target)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`, { path: path.dirname(target) });
  }
  await writeFileAtomic(target, text);
  return { path: target, rows: indices.length };
}
