import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { AtlasError, throwIfCancelled } from '../errors';
import type { DatasetImportReport } from '../contract';
import { openDecodeCache, type DecodeCache } from './cache';
import { convertRgba, resolveChannels } from './channels';
import { decodeImage, decodeRawFrame, DecodeFailure, type DecodedImage } from './decode';
import { resolveImportOptions, type ImportOptions, type ResolvedImportOptions } from './options';
import { sniffFormat } from './sniff';
import type { SkipCode, SkippedFile } from './skips';
import { assignSplits } from './split';
import { createDatasetWriter, type Channels, type DatasetItem, type DatasetWriter } from './store';
import { listFiles, readSource, realOrNull, type SourceEntry } from './sources';
import { walkFolder } from './walk';

/** A folder walked recursively, or files handed over with their bytes (drag and drop, web upload). */
export type ImportSource =
  | { folder: string }
  /** `name` may hold a relative path (`cats/tom.png`), whose first folder becomes the label. */
  | { files: Array<{ name: string; bytes: Uint8Array }> }
  /** Frames already cut from sprite sheets (sheet-import.ts): pixels in hand, or a reason they are skipped. */
  | { frames: { count: number; entries: AsyncIterable<FrameEntry> } };

/** A frame cut from a sheet: `rel` names sheet and cell ("walk.png#r1c2"), `label` is final. */
export type FrameEntry = { kind: 'frame'; rel: string; label: string | null; rgba: Uint8Array; width: number; height: number } | { kind: 'skip'; rel: string; code: SkipCode; reason: string };

export interface ImportProgress {
  phase: 'importing' | 'writing' | 'done';
  /** Files and folders met so far (imported, skipped, hidden and excluded). */
  scanned: number;
  /** True once the import's own walk has listed the whole source. */
  scanDone: boolean;
  /** Files this import will finish in all (imported or skipped), once known; null while counting. */
  total: number | null;
  /** Files decoded by sharp in this import. */
  decoded: number;
  /** Files taken from the decode cache. */
  fromCache: number;
  /** Images written to the dataset so far. */
  imported: number;
  skipped: number;
  /** Files finished per second. */
  rate: number;
  /** Estimated time left in ms; null until the total is known. */
  etaMs: number | null;
  /** The file most recently finished. */
  current: string | null;
}

export interface ImportRequest {
  source: ImportSource;
  /** Dataset folder to write (created, or replaced if it holds a dataset and `replace` is not false). */
  output: string;
  /** Replace a dataset already in `output` (default true); never replaces anything that is not a dataset. */
  replace?: boolean;
  options?: ImportOptions;
  /** Decode cache folder; default `.cache` next to the output; null turns the cache off. */
  cacheDir?: string | null;
  /** Files decoded at the same time (sharp runs them on libuv's thread pool). */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (p: ImportProgress) => void;
}

/** The report the contract defines (dataset.import), plus the options used after defaults. */
export interface ImportResult extends DatasetImportReport {
  options: ResolvedImportOptions;
}

type Outcome = { kind: 'skip'; code: SkipCode; reason: string } | { kind: 'image'; hash: string; image: DecodedImage } | { kind: 'duplicate'; hash: string };

interface Task {
  rel: string;
  label: string | null;
  outcome: Promise<Outcome>;
}

const PROGRESS_EVERY_MS = 100;

function skip(code: SkipCode, reason: string): Outcome {
  return { kind: 'skip', code, reason };
}

/**
 * Import images into a dataset folder. Every file is either imported or listed in `skipped`
 * with its path and reason; the dataset is written atomically, so cancelling (signal) or a
 * crash leaves no half-written dataset. Throws AtlasError 'empty_dataset' when nothing imports,
 * 'cancelled' when aborted, 'not_found'/'invalid_input' for a bad source or options.
 */
export async function importImages(req: ImportRequest): Promise<ImportResult> {
  const started = Date.now();
  const o = resolveImportOptions(req.options);
  const concurrency = req.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new AtlasError('invalid_input', `Import concurrency must be a whole number from 1 to 64; got ${concurrency}.`);
  }
  const { signal } = req;
  throwIfCancelled(signal);
  const output = path.resolve(req.output);
  const cacheDir = req.cacheDir === null ? null : path.resolve(req.cacheDir ?? path.join(path.dirname(output), '.cache'));
  const decodeOpts = { size: o.size, fit: o.fit, resampling: o.resampling, frames: o.frames, maxPixels: o.maxPixels };
  const cache: DecodeCache | null = cacheDir ? openDecodeCache(cacheDir, decodeOpts) : null;

  let entries: AsyncGenerator<SourceEntry>;
  let counted: number | null = null;
  let finished = false;
  if ('folder' in req.source) {
    const skipDirs = (await Promise.all([output, cacheDir].filter((d): d is string => !!d).map(realOrNull))).filter((d): d is string => !!d);
    entries = walkFolder(req.source.folder, { ...o, skipDirs });
    // The walk above lists files as the decoders take them, so it finishes only near the end.
    // A second walk that only counts gives the total (and so an ETA) within moments.
    if (o.maxImages === null)
      void countFiles(walkFolder(req.source.folder, { ...o, skipDirs }), () => finished || !!signal?.aborted).then(
        (n) => (counted = n),
        () => {},
      );
  } else if ('files' in req.source && Array.isArray(req.source.files)) {
    entries = listFiles(req.source.files, o);
  } else if ('frames' in req.source) {
    entries = frameEntries(req.source.frames.entries);
    counted = req.source.frames.count;
  } else {
    throw new AtlasError('invalid_input', 'The import source must be { folder } or { files }.');
  }

  // With channels 'auto' the set's alpha and colour are known only at the end: write RGBA now
  // and convert in one streamed pass if fewer channels suffice.
  const writeChannels: Channels = o.channels === 'auto' ? 4 : resolveChannels(o.channels, false, false);
  const replace = req.replace ?? true;
  const writer = await createDatasetWriter(output, { size: o.size, channels: writeChannels }, { replace });
  let final: DatasetWriter = writer;
  let committed = false;

  const stats = { scanned: 0, decoded: 0, fromCache: 0, hidden: 0, excluded: 0, overLimit: 0, done: 0, files: 0 };
  const skipped: SkippedFile[] = [];
  const items: Array<Omit<DatasetItem, 'split'>> = [];
  const firstByHash = new Map<string, string>();
  const inflight = new Map<string, Promise<DecodedImage | Outcome>>();
  let anyAlpha = false;
  let allGray = true;
  let scanDone = false;
  let current: string | null = null;
  let lastProgress = 0;

  const progress = (phase: ImportProgress['phase'], force = false): void => {
    if (!req.onProgress) return;
    const now = Date.now();
    if (!force && now - lastProgress < PROGRESS_EVERY_MS) return;
    lastProgress = now;
    const secs = Math.max((now - started) / 1000, 1e-3);
    const rate = stats.done / secs;
    const total = scanDone ? stats.files : counted === null ? null : Math.max(counted, stats.files);
    const etaMs = total !== null && rate > 0 ? Math.round(((total - stats.done) / rate) * 1000) : null;
    req.onProgress({ phase, scanned: stats.scanned, scanDone, total, decoded: stats.decoded, fromCache: stats.fromCache, imported: items.length, skipped: skipped.length, rate, etaMs, current });
  };

  /** Decode (or fetch from cache) once per content hash, even when copies are in flight together. */
  const decodeShared = (hash: string, bytes: Uint8Array): Promise<DecodedImage | Outcome> => {
    let p = inflight.get(hash);
    if (!p) {
      p = (async () => {
        const cached = cache ? await cache.get(hash) : null;
        if (cached) {
          stats.fromCache++;
          return 'failure' in cached ? skip(cached.failure.code, cached.failure.reason) : cached;
        }
        const sniffed = sniffFormat(bytes);
        if (sniffed.kind === 'unknown') return skip('not_an_image', 'The file is not an image (its content matches no image format).');
        if (sniffed.kind === 'unsupported') return skip('unsupported_format', `${sniffed.format} images cannot be read; convert it to PNG, JPEG or WebP.`);
        try {
          const image = await decodeImage(bytes, sniffed.format, decodeOpts);
          stats.decoded++;
          if (cache) await cache.put(hash, image);
          return image;
        } catch (err) {
          if (!(err instanceof DecodeFailure)) return skip('decode_failed', `The image could not be decoded (${(err as Error).message}).`);
          // Only failures that depend on the bytes alone are remembered; 'decode_failed' may be transient.
          if (cache && err.code !== 'decode_failed') cache.putFailure(hash, err.code, err.message);
          return skip(err.code, err.message);
        }
      })();
      inflight.set(hash, p);
    }
    return p;
  };

  const startTask = (entry: SourceEntry & { kind: 'file' }): Task => {
    const { raw } = entry;
    if (raw) {
      // Sheet frames: hashed over size and pixels, brought to the training size without sharp's decode.
      const outcome = (async (): Promise<Outcome> => {
        const hash = createHash('sha256').update(`${raw.width}x${raw.height}:`).update(raw.rgba).digest('hex');
        if (o.dedupe && firstByHash.has(hash)) return { kind: 'duplicate', hash };
        const image = await decodeRawFrame(raw.rgba, raw.width, raw.height, decodeOpts);
        return { kind: 'image', hash, image };
      })().catch((err: unknown): Outcome => skip('decode_failed', `Unexpected error: ${(err as Error).message}`));
      return { rel: entry.rel, label: entry.label, outcome };
    }
    const outcome = (async (): Promise<Outcome> => {
      const bytes = entry.bytes ?? readSource(entry.path, o.maxFileBytes);
      if (!(bytes instanceof Uint8Array)) return bytes;
      if (bytes.length === 0) return skip('empty_file', 'The file is empty (0 bytes).');
      if (bytes.length > o.maxFileBytes) return skip('too_large', `The file is ${bytes.length} bytes, over the ${o.maxFileBytes}-byte limit.`);
      const hash = createHash('sha256').update(bytes).digest('hex');
      // A copy of a file already written needs no decode when copies are dropped anyway.
      if (o.dedupe && firstByHash.has(hash)) return { kind: 'duplicate', hash };
      const r = await decodeShared(hash, bytes);
      return 'frames' in r ? { kind: 'image', hash, image: r } : r;
    })().catch((err: unknown): Outcome => skip('decode_failed', `Unexpected error: ${(err as Error).message}`));
    return { rel: entry.rel, label: entry.label, outcome };
  };

  /** Take one finished task, in walk order, into the dataset or the skipped list. */
  const consume = async (task: Task): Promise<void> => {
    const out = await task.outcome;
    stats.done++;
    current = task.rel;
    if (out.kind === 'skip') {
      skipped.push({ path: task.rel, code: out.code, reason: out.reason });
      return;
    }
    inflight.delete(out.hash);
    const first = firstByHash.get(out.hash);
    if (o.dedupe && first !== undefined) {
      skipped.push({ path: task.rel, code: 'duplicate', reason: `Same content as ${first}.` });
      return;
    }
    if (out.kind === 'duplicate') throw new AtlasError('internal', `Lost the decoded image of ${task.rel}.`);
    if (first === undefined) firstByHash.set(out.hash, task.rel);
    const { image } = out;
    if (o.maxImages !== null && items.length >= o.maxImages) {
      stats.overLimit++;
      return;
    }
    for (let f = 0; f < image.frames.length; f++) {
      if (o.maxImages !== null && items.length >= o.maxImages) break;
      const frame = image.frames[f];
      anyAlpha ||= frame.hasAlpha;
      allGray &&= frame.isGray;
      await writer.append(convertRgba(frame.rgba, writeChannels, o.background));
      const item: Omit<DatasetItem, 'split'> = {
        source: task.rel,
        label: o.labels === 'folder' ? task.label : null,
        hash: out.hash,
        width: image.width,
        height: image.height,
      };
      if (o.frames === 'all') item.frame = f;
      items.push(item);
    }
  };

  const queue: Task[] = [];
  try {
    for await (const entry of entries) {
      throwIfCancelled(signal);
      stats.scanned++;
      if (entry.kind === 'ignored') {
        if (entry.why === 'hidden') stats.hidden++;
        else if (entry.why === 'excluded') stats.excluded++;
        continue;
      }
      if (entry.kind === 'skip') {
        stats.files++;
        queue.push({ rel: entry.rel, label: null, outcome: Promise.resolve(skip(entry.code, entry.reason)) });
      } else if (o.maxImages !== null && items.length >= o.maxImages) {
        stats.overLimit++;
        continue;
      } else {
        stats.files++;
        queue.push(startTask(entry));
      }
      while (queue.length >= concurrency) {
        await consume(queue.shift()!);
        throwIfCancelled(signal);
        progress('importing');
      }
    }
    scanDone = true;
    while (queue.length) {
      await consume(queue.shift()!);
      throwIfCancelled(signal);
      progress('importing');
    }

    if (items.length === 0) {
      const counts = new Map<string, number>();
      for (const s of skipped) counts.set(s.code, (counts.get(s.code) ?? 0) + 1);
      const summary = [...counts].map(([c, n]) => `${n} ${c}`).join(', ');
      const where = 'folder' in req.source ? req.source.folder : 'frames' in req.source ? 'the sheet' : 'the files given';
      throw new AtlasError(
        'empty_dataset',
        `No images could be imported from ${where}` +
          (skipped.length ? `: ${skipped.length} files were skipped (${summary}).` : ': it holds no image files.') +
          (stats.hidden ? ` ${stats.hidden} hidden files were passed over.` : ''),
        { skipped, hidden: stats.hidden, excluded: stats.excluded },
      );
    }

    progress('writing', true);
    const channels = resolveChannels(o.channels, anyAlpha, allGray);
    if (channels !== writeChannels) final = await reencode(writer, channels, o.background, replace, signal);
    const splits = assignSplits(
      items.map((it) => it.hash),
      o.valFraction,
      o.seed,
    );
    const fullItems: DatasetItem[] = items.map((it, i) => ({ ...it, split: splits[i] }));
    const labels = [...new Set(fullItems.map((it) => it.label).filter((l): l is string => l !== null))].sort();
    throwIfCancelled(signal);
    const index = await final.commit({ options: { ...o }, items: fullItems, labels });
    committed = true;
    const result: ImportResult = {
      imported: index.count,
      skipped,
      dataset: final.dir,
      decoded: stats.decoded,
      fromCache: stats.fromCache,
      channels,
      size: o.size,
      labels,
      train: splits.filter((s) => s === 'train').length,
      val: splits.filter((s) => s === 'val').length,
      hidden: stats.hidden,
      excluded: stats.excluded,
      overLimit: stats.overLimit,
      durationMs: Date.now() - started,
      options: o,
    };
    progress('done', true);
    return result;
  } finally {
    finished = true; // stops the counting walk if it is still going
    // Let in-flight decodes settle so nothing writes after we return; keep what was decoded in
    // the cache, even on cancel, so the next attempt starts from there.
    if (!committed) await Promise.allSettled(queue.map((t) => t.outcome));
    await cache?.close();
    if (!committed) {
      await writer.abort();
      if (final !== writer) await final.abort();
      await entries.return(undefined);
    }
  }
}

/** Sheet frames as walk entries: the same queue, dedupe, skips and report as files. */
async function* frameEntries(frames: AsyncIterable<FrameEntry>): AsyncGenerator<SourceEntry> {
  for await (const f of frames) {
    if (f.kind === 'skip') yield { kind: 'skip', rel: f.rel, code: f.code, reason: f.reason };
    else yield { kind: 'file', path: Buffer.alloc(0), rel: f.rel, label: f.label, raw: { rgba: f.rgba, width: f.width, height: f.height } };
  }
}

/** How many files (to import or to skip) a walk lists; gives up early when `stop()` says so. */
async function countFiles(walk: AsyncGenerator<SourceEntry>, stop: () => boolean): Promise<number | null> {
  let n = 0;
  for await (const entry of walk) {
    if (stop()) {
      await walk.return(undefined);
      return null;
    }
    if (entry.kind !== 'ignored') n++;
  }
  return n;
}

/** Stream the RGBA temp pixels into a new writer with fewer channels; the RGBA writer is dropped. */
async function reencode(rgbaWriter: DatasetWriter, channels: Channels, background: readonly [number, number, number], replace: boolean, signal?: AbortSignal): Promise<DatasetWriter> {
  await rgbaWriter.flush();
  const out = await createDatasetWriter(rgbaWriter.dir, { size: rgbaWriter.size, channels }, { replace });
  const stride = rgbaWriter.size * rgbaWriter.size * 4;
  const chunkImages = Math.max(1, Math.floor((4 << 20) / stride));
  const buf = Buffer.alloc(chunkImages * stride);
  const fh = await fs.open(rgbaWriter.pixelsPath, 'r');
  try {
    for (let done = 0; done < rgbaWriter.count; ) {
      throwIfCancelled(signal);
      const n = Math.min(chunkImages, rgbaWriter.count - done);
      const { bytesRead } = await fh.read(buf, 0, n * stride, done * stride);
      if (bytesRead !== n * stride) throw new AtlasError('io_error', `Short read from ${rgbaWriter.pixelsPath}.`);
      await out.append(convertRgba(buf.subarray(0, n * stride), channels, background));
      done += n;
    }
  } catch (err) {
    await out.abort();
    throw err;
  } finally {
    await fh.close();
    await rgbaWriter.abort();
  }
  return out;
}
