/**
 * Nonlinear layouts take seconds to minutes, so each is kept: in memory (the last few) and in
 * <runDir>/layouts/<method>-seed<seed>.json, written atomically. The key names the model's
 * weights (modelKey changes with every checkpoint a training run saves), the dataset, the
 * method, its parameters and the seed; anything else means "compute again".
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-write';
import type { LatentsKey } from './latents-file';
import type { NonlinearLayout } from './layouts';

const VERSION = 1;
export const LAYOUTS_DIR = 'layouts';
/** Layouts kept in memory (each is count x 3 floats). */
const MEMORY_SLOTS = 4;

export interface LayoutKey extends LatentsKey {
  method: NonlinearLayout;
  seed: number;
  /** The method's parameters, so a change of defaults invalidates old files. */
  params: Record<string, number>;
}

interface LayoutFile {
  schemaVersion: number;
  key: LayoutKey;
  seconds: number;
  writtenAt: string;
  /** f32 count x 3, base64 of little-endian bytes. */
  points: string;
}

export interface CachedLayout {
  points: Float32Array;
  /** Seconds the computation took when it ran. */
  seconds: number;
}

const memory = new Map<string, CachedLayout>();

const keyText = (runDir: string, key: LayoutKey) => JSON.stringify([path.resolve(runDir), key.modelKey, key.datasetHash, key.count, key.latentDim, key.method, key.seed, key.params]);

export function layoutFile(runDir: string, key: Pick<LayoutKey, 'method' | 'seed'>): string {
  return path.join(runDir, LAYOUTS_DIR, `${key.method}-seed${key.seed}.json`);
}

function remember(text: string, layout: CachedLayout): void {
  memory.delete(text);
  memory.set(text, layout);
  while (memory.size > MEMORY_SLOTS) memory.delete(memory.keys().next().value as string);
}

/** The stored layout for exactly this key, or null (missing, unreadable or computed from something else). */
export async function readLayout(runDir: string, key: LayoutKey): Promise<CachedLayout | null> {
  const text = keyText(runDir, key);
  const inMemory = memory.get(text);
  if (inMemory) return inMemory;
  let file: LayoutFile;
  try {
    file = JSON.parse(await fs.readFile(layoutFile(runDir, key), 'utf8')) as LayoutFile;
  } catch {
    return null;
  }
  if (file.schemaVersion !== VERSION || keyText(runDir, file.key) !== text) return null;
  const bytes = Buffer.from(file.points, 'base64');
  if (bytes.length !== key.count * 12) return null;
  const points = new Float32Array(key.count * 3);
  for (let i = 0; i < points.length; i++) points[i] = bytes.readFloatLE(i * 4);
  const layout = { points, seconds: file.seconds };
  remember(text, layout);
  return layout;
}

export async function writeLayout(runDir: string, key: LayoutKey, layout: CachedLayout): Promise<void> {
  remember(keyText(runDir, key), layout);
  const bytes = Buffer.alloc(layout.points.length * 4);
  layout.points.forEach((v, i) => bytes.writeFloatLE(v, i * 4));
  const file: LayoutFile = { schemaVersion: VERSION, key, seconds: layout.seconds, writtenAt: new Date().toISOString(), points: bytes.toString('base64') };
  await fs.mkdir(path.join(runDir, LAYOUTS_DIR), { recursive: true });
  await writeFileAtomic(layoutFile(runDir, key), JSON.stringify(file));
}

/** Forget the in-memory layouts (tests: prove the file alone is read back). */
export function forgetLayouts(): void {
  memory.clear();
}
