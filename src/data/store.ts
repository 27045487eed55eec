import { promises as fs } from 'node:fs';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes, type Hash } from 'node:crypto';
import sharp from 'sharp';
import { AtlasError } from '../errors';
import { fsyncDir } from '../util/atomic-write';

/**
 * The dataset store: a folder holding `index.json` and `pixels.bin`.
 * pixels.bin is count * size * size * channels uint8 values, image after image, each
 * row-major HWC. A dataset is written into a temp folder next to the target and renamed
 * into place, so a cancelled or crashed import never leaves half a dataset behind.
 */

export const DATASET_SCHEMA_VERSION = 1;
/** The marker a dataset's index carries (with schemaVersion): what makes a folder a dataset, not a file's name. */
export const DATASET_FORMAT = 'latent-atlas-dataset';
export const INDEX_FILE = 'index.json';
export const PIXELS_FILE = 'pixels.bin';
/** A process using a dataset (a training run) keeps a file `.in-use.<pid>.<random>.json` in it. */
const IN_USE_PREFIX = '.in-use.';

export type Channels = 1 | 3 | 4;
export type Split = 'train' | 'val';

export interface DatasetItem {
  /** Path relative to the import root (forward slashes), or the file name for uploaded files. */
  source: string;
  label: string | null;
  /** sha256 (hex) of the source file's bytes. */
  hash: string;
  /** Original size of the source image (of the frame, for animations). */
  width: number;
  height: number;
  split: Split;
  /** Frame number when every frame of an animation was imported as its own image. */
  frame?: number;
}

export interface DatasetIndex {
  /** Written since the marker was introduced; older datasets are recognised by their whole structure. */
  format?: typeof DATASET_FORMAT;
  schemaVersion: 1;
  size: number;
  channels: Channels;
  count: number;
  /** sha256 over pixels.bin, size, channels and the items: names the exact training data in checkpoints. */
  datasetHash: string;
  /** The import options used (after defaults were applied). */
  options: Record<string, unknown>;
  items: DatasetItem[];
  labels: string[];
  createdAt: string;
}

export interface Dataset {
  dir: string;
  index: DatasetIndex;
  pixels: Uint8Array;
  /** Bytes per image: size * size * channels. */
  stride: number;
  /** Image i as a view into `pixels` (no copy), HWC uint8. */
  image(i: number): Uint8Array;
  /** Indices of the items in a split, ascending. */
  indicesOf(split: Split): number[];
}

export interface DatasetMeta {
  options: Record<string, unknown>;
  items: DatasetItem[];
  labels: string[];
}

export interface DatasetWriter {
  readonly dir: string;
  readonly size: number;
  readonly channels: Channels;
  /** Images appended so far. */
  readonly count: number;
  /** The temp pixels file (readable after flush(); gone after commit or abort). */
  readonly pixelsPath: string;
  /** Write buffered pixels to the temp file. */
  flush(): Promise<void>;
  /** Append one or more whole images (a multiple of size*size*channels bytes). */
  append(pixels: Uint8Array): Promise<void>;
  /** Write index.json, fsync, and rename the temp folder into place; returns the index. */
  commit(meta: DatasetMeta): Promise<DatasetIndex>;
  /** Remove the temp folder; safe to call more than once and after a failed commit. */
  abort(): Promise<void>;
}

const FLUSH_BYTES = 1 << 20;

function checkShape(size: number, channels: number): void {
  if (!Number.isInteger(size) || size < 1 || size > 4096) {
    throw new AtlasError('invalid_input', `Dataset size must be a whole number of pixels between 1 and 4096, got ${size}.`);
  }
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new AtlasError('invalid_input', `Dataset channels must be 1, 3 or 4, got ${channels}.`);
  }
}

/** What an output folder holds: nothing yet, an empty folder, one of our datasets, or anything else. */
export type DatasetTarget = { kind: 'absent' } | { kind: 'empty' } | { kind: 'dataset'; count: number; foreign: string[] } | { kind: 'other'; entries: string[] };

/**
 * Look at a folder before writing a dataset there. A dataset is recognised by the marker in
 * its index (format name and schema version), or, for datasets written before the marker, by
 * its whole structure (a valid index and a pixels.bin of exactly the size it names); never by
 * a file's name. `foreign` lists entries of a dataset folder the app did not put there.
 */
export async function inspectDatasetTarget(dir: string): Promise<DatasetTarget> {
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'absent' };
    if (code === 'ENOTDIR') return { kind: 'other', entries: [path.basename(dir)] };
    throw new AtlasError('invalid_input', `The dataset output ${dir} exists but is not a folder that can be read (${code ?? (err as Error).message}).`, { path: dir });
  }
  if (entries.length === 0) return { kind: 'empty' };
  const count = await datasetImageCount(dir);
  if (count === null) return { kind: 'other', entries };
  return { kind: 'dataset', count, foreign: entries.filter((e) => e !== INDEX_FILE && e !== PIXELS_FILE && !e.startsWith(IN_USE_PREFIX)) };
}

/** The image count of the dataset in dir, or null when dir holds no dataset of ours. */
async function datasetImageCount(dir: string): Promise<number | null> {
  let raw: unknown;
  try {
    raw = JSON.parse(await fs.readFile(path.join(dir, INDEX_FILE), 'utf8'));
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const marked = raw as { format?: unknown; schemaVersion?: unknown; count?: unknown };
  if (marked.format === DATASET_FORMAT && typeof marked.schemaVersion === 'number') return typeof marked.count === 'number' ? marked.count : 0;
  if (marked.format !== undefined) return null;
  try {
    const index = validateIndex(raw, path.join(dir, INDEX_FILE));
    const st = await fs.stat(path.join(dir, PIXELS_FILE));
    return st.isFile() && st.size === index.size * index.size * index.channels * index.count ? index.count : null;
  } catch {
    return null;
  }
}

/** A file that marks a dataset as in use by a live run: never copied along with the dataset. */
export const isInUseMark = (name: string) => name.startsWith(IN_USE_PREFIX);

/** Mark a dataset as used by this process (a training run) until the returned release is called. */
export async function markDatasetInUse(dir: string, by: string): Promise<() => Promise<void>> {
  const file = path.join(path.resolve(dir), `${IN_USE_PREFIX}${process.pid}.${randomBytes(4).toString('hex')}.json`);
  try {
    await fs.writeFile(file, JSON.stringify({ pid: process.pid, by, since: new Date().toISOString() }), { flag: 'wx' });
  } catch {
    // A read-only dataset (the bundled sample set) cannot be replaced by an import anyway.
    return async () => {};
  }
  return () => fs.rm(file, { force: true }).catch(() => {});
}

/** Who is using a dataset right now: the runs of live processes that marked it (stale marks of killed processes are removed). */
export async function datasetUsers(dir: string): Promise<string[]> {
  const users: string[] = [];
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith(IN_USE_PREFIX)) continue;
    const file = path.join(dir, name);
    let mark: { pid?: unknown; by?: unknown };
    try {
      mark = JSON.parse(await fs.readFile(file, 'utf8'));
    } catch {
      continue; // being written right now, or damaged: not proof of use either way
    }
    if (typeof mark.pid === 'number' && processAlive(mark.pid)) users.push(`${String(mark.by)} (process ${mark.pid})`);
    else await fs.rm(file, { force: true }).catch(() => {});
  }
  return users;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Refuse to write over a folder that is not one of our datasets (the user may have picked the
 * wrong one), over files the app did not create, over a dataset a live run is using, and over
 * any dataset unless `replace` is set.
 */
async function checkTargetReplaceable(dir: string, replace: boolean): Promise<void> {
  const target = await inspectDatasetTarget(dir);
  if (target.kind === 'absent' || target.kind === 'empty') return;
  if (target.kind === 'other') {
    throw new AtlasError(
      'invalid_input',
      `The output folder ${dir} is not empty and is not a Latent Atlas dataset (it holds ${target.entries.slice(0, 3).join(', ')}${target.entries.length > 3 ? ', ...' : ''}); nothing was changed. Choose an empty or new folder.`,
      { path: dir, reason: 'not_a_dataset' },
    );
  }
  if (!replace) {
    throw new AtlasError('invalid_input', `${dir} already holds a dataset of ${target.count} images; it was not replaced. Choose another folder, or ask to replace it.`, {
      path: dir,
      reason: 'exists',
      count: target.count,
    });
  }
  if (target.foreign.length) {
    throw new AtlasError(
      'invalid_input',
      `The dataset folder ${dir} also holds files the app did not write (${target.foreign.slice(0, 3).join(', ')}); move them out before replacing the dataset, or choose another folder.`,
      { path: dir, reason: 'foreign_files', files: target.foreign },
    );
  }
  const users = await datasetUsers(dir);
  if (users.length) {
    throw new AtlasError('invalid_input', `The dataset at ${dir} is in use by ${users.join(', ')}; it was not replaced. Stop that run first, or import into another folder.`, {
      path: dir,
      reason: 'in_use',
      users,
    });
  }
}

function ioError(action: string, target: string, err: unknown): AtlasError {
  if (err instanceof AtlasError) return err;
  const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  return new AtlasError('io_error', `Could not ${action} ${target} (${reason}). Check free disk space and permissions.`, { path: target, reason });
}

function hashItems(hash: Hash, size: number, channels: Channels, items: DatasetItem[]): string {
  hash.update(JSON.stringify({ size, channels, items }));
  return hash.digest('hex');
}

/**
 * Start writing a dataset to `dir` (created or replaced on commit). Pixels are streamed to
 * a temp folder inside dir's parent, so memory stays bounded whatever the image count.
 */
export async function createDatasetWriter(dir: string, shape: { size: number; channels: Channels }, options: { replace?: boolean } = {}): Promise<DatasetWriter> {
  const { size, channels } = shape;
  checkShape(size, channels);
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  const replace = options.replace ?? true;
  await checkTargetReplaceable(target, replace);
  try {
    await fs.mkdir(parent, { recursive: true });
  } catch (err) {
    throw ioError('create the folder', parent, err);
  }
  await recoverTempDirs(parent, path.basename(target));
  // The writer's pid is in the name, so a later import can tell a crashed writer's leftovers
  // from the folder of an import still running.
  const tempDir = path.join(parent, `.${path.basename(target)}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  let handle: fs.FileHandle | undefined;
  try {
    await fs.mkdir(tempDir);
    handle = await fs.open(path.join(tempDir, PIXELS_FILE), 'wx');
  } catch (err) {
    await fs.rm(tempDir, { recursive: true, force: true }).catch(() => {});
    throw ioError('create a temporary dataset folder in', parent, err);
  }

  const stride = size * size * channels;
  const pixelHash = createHash('sha256');
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let count = 0;
  let finished = false;

  const flush = async (): Promise<void> => {
    if (pendingBytes === 0 || !handle) return;
    const chunk = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    await handle.write(chunk);
  };

  const abort = async (): Promise<void> => {
    finished = true;
    await handle?.close().catch(() => {});
    handle = undefined;
    await fs.rm(tempDir, { recursive: true, force: true }).catch(() => {});
  };

  return {
    dir: target,
    size,
    channels,
    get count() {
      return count;
    },
    pixelsPath: path.join(tempDir, PIXELS_FILE),
    async flush(): Promise<void> {
      try {
        await flush();
      } catch (err) {
        await abort();
        throw ioError('write', path.join(target, PIXELS_FILE), err);
      }
    },
    async append(pixels: Uint8Array): Promise<void> {
      if (finished) throw new AtlasError('internal', 'append() after commit() or abort().');
      if (pixels.length % stride !== 0) {
        throw new AtlasError('internal', `append() got ${pixels.length} bytes, not a multiple of ${stride} (one ${size}x${size}x${channels} image).`);
      }
      // Copy: callers may reuse their buffer once append returns.
      const copy = Uint8Array.from(pixels);
      pixelHash.update(copy);
      pending.push(copy);
      pendingBytes += copy.length;
      count += copy.length / stride;
      if (pendingBytes >= FLUSH_BYTES) {
        try {
          await flush();
        } catch (err) {
          await abort();
          throw ioError('write', path.join(target, PIXELS_FILE), err);
        }
      }
    },
    async commit(meta: DatasetMeta): Promise<DatasetIndex> {
      if (finished) throw new AtlasError('internal', 'commit() after commit() or abort().');
      if (meta.items.length !== count) {
        await abort();
        throw new AtlasError('internal', `Dataset has ${count} images but ${meta.items.length} index items.`);
      }
      const index: DatasetIndex = {
        format: DATASET_FORMAT,
        schemaVersion: DATASET_SCHEMA_VERSION,
        size,
        channels,
        count,
        datasetHash: hashItems(pixelHash, size, channels, meta.items),
        options: meta.options,
        items: meta.items,
        labels: meta.labels,
        createdAt: new Date().toISOString(),
      };
      try {
        await flush();
        await handle!.sync();
        await handle!.close();
        handle = undefined;
        const indexHandle = await fs.open(path.join(tempDir, INDEX_FILE), 'wx');
        try {
          await indexHandle.writeFile(JSON.stringify(index));
          await indexHandle.sync();
        } finally {
          await indexHandle.close();
        }
        await fsyncDir(tempDir);
        // Checked again at the last moment: a run may have started on the old dataset meanwhile.
        await checkTargetReplaceable(target, replace);
        await swapIntoPlace(tempDir, target);
        await fsyncDir(parent);
        finished = true;
        return index;
      } catch (err) {
        await abort();
        throw ioError('write the dataset', target, err);
      }
    },
    abort,
  };
}

/** Temp folders without a writer pid (older versions) older than this were left by a crash. */
const STALE_TEMP_MS = 6 * 3600 * 1000;

/**
 * Put right what a killed import of the same target left: its temp folder (never a dataset the
 * app opens) is removed; and if the kill fell between moving the old dataset aside
 * (<temp>.old) and moving the new one in, so the target is missing, the old dataset is moved
 * back first. Folders of a writer that is still running are left alone.
 */
export async function recoverTempDirs(parent: string, base: string): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(parent);
  } catch {
    return;
  }
  const prefix = `.${base}.`;
  const target = path.join(parent, base);
  const leftovers = names.filter((n) => n.startsWith(prefix) && /\.tmp(\.old)?$/.test(n));
  // .old first: restoring the old dataset must happen before anything is removed.
  leftovers.sort((a, b) => Number(b.endsWith('.old')) - Number(a.endsWith('.old')));
  for (const name of leftovers) {
    const full = path.join(parent, name);
    const pid = Number(/^\..*\.(\d+)-[0-9a-f]+\.tmp(\.old)?$/.exec(name)?.[1] ?? NaN);
    if (Number.isInteger(pid)) {
      if (processAlive(pid)) continue;
    } else {
      const st = await fs.stat(full).catch(() => null);
      if (!st || Date.now() - st.mtimeMs <= STALE_TEMP_MS) continue;
    }
    if (name.endsWith('.old') && !existsSync(target)) {
      await fs.rename(full, target).catch(() => {});
      continue;
    }
    await fs.rm(full, { recursive: true, force: true }).catch(() => {});
  }
}

/** Rename the finished temp folder onto the target, moving an older dataset out of the way first. */
async function swapIntoPlace(tempDir: string, target: string): Promise<void> {
  try {
    await fs.rename(tempDir, target);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EPERM') throw err;
  }
  // An older dataset (or an empty folder) is there: move it aside, put the new one in, drop the old.
  const old = `${tempDir}.old`;
  await fs.rename(target, old);
  try {
    await fs.rename(tempDir, target);
  } catch (err) {
    await fs.rename(old, target).catch(() => {});
    throw err;
  }
  await fs.rm(old, { recursive: true, force: true });
}

/** Write a whole dataset held in memory (small sets, tests, the sample builder). */
export async function writeDataset(dir: string, shape: { size: number; channels: Channels }, meta: DatasetMeta, pixels: Uint8Array, options: { replace?: boolean } = {}): Promise<DatasetIndex> {
  const writer = await createDatasetWriter(dir, shape, options);
  try {
    await writer.append(pixels);
  } catch (err) {
    await writer.abort();
    throw err;
  }
  return writer.commit(meta);
}

function corrupt(file: string, what: string): AtlasError {
  return new AtlasError('invalid_input', `${file} is not a valid Latent Atlas dataset: ${what}. Re-import the images to rebuild it.`, { path: file });
}

function validateIndex(raw: unknown, file: string): DatasetIndex {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw corrupt(file, 'the index is not a JSON object');
  const idx = raw as Record<string, unknown>;
  const version = idx.schemaVersion;
  if (typeof version !== 'number') throw corrupt(file, 'schemaVersion is missing');
  if (version > DATASET_SCHEMA_VERSION) {
    throw new AtlasError(
      'invalid_input',
      `${file} was written by a newer version of Latent Atlas (dataset schema ${version}, this version reads ${DATASET_SCHEMA_VERSION}). Update the app or re-import the images.`,
      { path: file, schemaVersion: version },
    );
  }
  if (version !== DATASET_SCHEMA_VERSION) throw corrupt(file, `unknown schemaVersion ${version}`);
  const { size, channels, count, items, labels } = idx;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) throw corrupt(file, `size ${String(size)} is not a positive whole number`);
  if (channels !== 1 && channels !== 3 && channels !== 4) throw corrupt(file, `channels ${String(channels)} is not 1, 3 or 4`);
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) throw corrupt(file, `count ${String(count)} is not a whole number`);
  if (!Array.isArray(items) || items.length !== count) throw corrupt(file, `it lists ${Array.isArray(items) ? items.length : 'no'} items but count is ${count}`);
  if (!Array.isArray(labels)) throw corrupt(file, 'labels is not a list');
  for (let i = 0; i < items.length; i++) {
    const it = items[i] as Partial<DatasetItem> | null;
    if (!it || typeof it.source !== 'string' || (it.split !== 'train' && it.split !== 'val') || typeof it.hash !== 'string') {
      throw corrupt(file, `item ${i} lacks a source, hash or split`);
    }
  }
  return raw as DatasetIndex;
}

/** A dataset folder's validated index (names, labels, splits) without reading its pixels. */
export async function readDatasetIndex(dir: string): Promise<DatasetIndex> {
  const root = path.resolve(dir);
  const indexPath = path.join(root, INDEX_FILE);
  let text: string;
  try {
    text = await fs.readFile(indexPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new AtlasError('not_found', `No dataset at ${root}: ${indexPath} does not exist. Import images first.`, { path: indexPath });
    }
    throw ioError('read', indexPath, err);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw corrupt(indexPath, `bad JSON (${(err as Error).message})`);
  }
  return validateIndex(raw, indexPath);
}

/** Open a dataset folder: validates the index and that pixels.bin has exactly the expected length. */
export async function openDataset(dir: string): Promise<Dataset> {
  const root = path.resolve(dir);
  // An import killed mid-swap may have left the dataset aside: put it back before reading.
  if (!existsSync(root)) await recoverTempDirs(path.dirname(root), path.basename(root));
  const pixelsPath = path.join(root, PIXELS_FILE);
  const index = await readDatasetIndex(root);
  const stride = index.size * index.size * index.channels;
  const expected = stride * index.count;
  let pixels: Uint8Array;
  try {
    const stat = await fs.stat(pixelsPath);
    if (stat.size !== expected) {
      throw corrupt(pixelsPath, `it holds ${stat.size} bytes but ${index.count} images of ${index.size}x${index.size}x${index.channels} need ${expected}`);
    }
    const buf = await fs.readFile(pixelsPath);
    pixels = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (err) {
    if (err instanceof AtlasError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new AtlasError('not_found', `The dataset at ${root} is incomplete: ${pixelsPath} does not exist. Re-import the images.`, { path: pixelsPath });
    }
    throw ioError('read', pixelsPath, err);
  }
  const splits = { train: [] as number[], val: [] as number[] };
  index.items.forEach((it, i) => splits[it.split].push(i));
  return {
    dir: root,
    index,
    pixels,
    stride,
    image(i: number): Uint8Array {
      if (!Number.isInteger(i) || i < 0 || i >= index.count) {
        throw new AtlasError('invalid_input', `Image ${i} is out of range: the dataset at ${root} has ${index.count} images.`);
      }
      return pixels.subarray(i * stride, (i + 1) * stride);
    },
    indicesOf(split: Split): number[] {
      return splits[split].slice();
    },
  };
}

/** PNG bytes of image i, enlarged `scale` times with nearest-neighbour so pixels stay crisp. */
export async function thumbnailPng(dataset: Dataset, i: number, scale = 1): Promise<Uint8Array> {
  if (!Number.isInteger(scale) || scale < 1 || scale > 64) {
    throw new AtlasError('invalid_input', `Thumbnail scale must be a whole number from 1 to 64, got ${scale}.`);
  }
  const { size, channels } = dataset.index;
  let img = sharp(dataset.image(i), { raw: { width: size, height: size, channels } });
  if (scale > 1) img = img.resize(size * scale, size * scale, { kernel: 'nearest' });
  const png = await img.png().toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}
