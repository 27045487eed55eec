/**
 * "Train on this selection only": an ImageSource that shows training only the images of a
 * saved selection (its training-split images train, its validation-split ones validate). The
 * dataset's hash stays the same, so the model explores and resumes with the whole dataset.
 * The selection is kept in the run folder, so a resumed run goes on with the same images.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { TrainSelectionNote } from '../contract';
import { AtlasError } from '../errors';
import { writeFileAtomic } from '../util/atomic-write';
import type { ImageSource } from './data';

export interface TrainingSelection {
  name: string;
  indices: number[];
}

/** Where a selection run keeps its images, inside the run folder. */
export const SELECTION_FILE = 'selection.json';

/** `source` restricted to `selection`: indicesOf() keeps only the selection's images of each split. */
export function restrictToSelection(source: ImageSource, selection: TrainingSelection): { source: ImageSource; note: TrainSelectionNote } {
  const members = new Set<number>();
  for (const i of selection.indices) {
    if (!Number.isInteger(i) || i < 0 || i >= source.count)
      throw new AtlasError('invalid_input', `The selection “${selection.name}” names image ${i}, but the dataset has ${source.count} images. Make the selection again on this dataset.`);
    members.add(i);
  }
  const train = source.indicesOf('train').filter((i) => members.has(i));
  const val = source.indicesOf('val').filter((i) => members.has(i));
  if (train.length === 0)
    throw new AtlasError(
      'invalid_input',
      `The selection “${selection.name}” has no images in the training split (its ${members.size} image${members.size === 1 ? ' is' : 's are'} all held out for validation). Add more images to it.`,
    );
  const restricted: ImageSource = { ...source, indicesOf: (split) => (split === 'train' ? train.slice() : val.slice()) };
  return { source: restricted, note: { name: selection.name, images: members.size, trainImages: train.length, valImages: val.length } };
}

/** Remember the selection a run trains on (atomic), so resuming it needs nothing more. */
export async function saveRunSelection(runDir: string, selection: TrainingSelection): Promise<void> {
  await fs.mkdir(runDir, { recursive: true });
  await writeFileAtomic(path.join(runDir, SELECTION_FILE), JSON.stringify({ name: selection.name, indices: selection.indices }) + '\n');
}

/** The selection a run was started with, or null for a run on the whole dataset. */
export async function readRunSelection(runDir: string): Promise<TrainingSelection | null> {
  const file = path.join(runDir, SELECTION_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new AtlasError('io_error', `Could not read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`, { path: file });
  }
  try {
    const parsed = JSON.parse(text) as { name?: unknown; indices?: unknown };
    if (typeof parsed.name === 'string' && Array.isArray(parsed.indices) && parsed.indices.every((i) => Number.isInteger(i))) return { name: parsed.name, indices: parsed.indices as number[] };
  } catch {
    // Reported below.
  }
  throw new AtlasError('invalid_input', `${file} is damaged: it should list the selection this run trains on. Start a new run with the selection.`, { path: file });
}
