import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import type { DecodedImage, DecodeOptions } from './decode';
import type { SkipCode } from './skips';

/**
 * Decoded-image cache: re-importing an unchanged folder reads RGBA from the cache instead of
 * decoding again. Keyed by the source's content hash and every option that changes the decoded
 * pixels (one subfolder per option set).
 *
 * Each import appends what it decodes to its own pack file (`<id>.pack`) and, when it ends,
 * writes that pack's index (`<id>.index.json`, atomically). One append stream and one index per
 * import instead of a file per image keeps 100k-image imports off the file system's slow path,
 * and two imports sharing the cache never write the same file. A pack without an index (a crash)
 * is ignored; an entry whose bytes cannot be read is a miss.
 */

/** Bump when decode.ts changes its output, so stale pixels are never reused. */
const CACHE_FORMAT = 3;
const FLUSH_BYTES = 1 << 20;

/** A file that failed to decode: remembered so a re-import does not decode it again. */
export interface CachedFailure {
  failure: { code: SkipCode; reason: string };
}

export interface DecodeCache {
  get(contentHash: string): Promise<DecodedImage | CachedFailure | null>;
  put(contentHash: string, image: DecodedImage): Promise<void>;
  putFailure(contentHash: string, code: SkipCode, reason: string): void;
  /** Flush this import's pack and write its index; safe to call more than once. */
  close(): Promise<void>;
}

/** [offset, frame count, width, height, per-frame flags (bit 0 hasAlpha, bit 1 isGray), failure code, reason] */
type IndexEntry = [number, number, number, number, number[], SkipCode?, string?];
interface PackIndex {
  format: number;
  frameBytes: number;
  entries: Record<string, IndexEntry>;
}

export function openDecodeCache(dir: string, o: DecodeOptions): DecodeCache {
  const optionsKey = createHash('sha256')
    .update(JSON.stringify([CACHE_FORMAT, o.size, o.fit, o.resampling, o.frames, o.maxPixels]))
    .digest('hex')
    .slice(0, 16);
  const root = path.join(dir, `decoded-${optionsKey}`);
  const frameBytes = o.size * o.size * 4;
  const id = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const packPath = path.join(root, `${id}.pack`);

  // Known entries from earlier packs, loaded once on first use.
  let known: Promise<Map<string, { pack: string; entry: IndexEntry }>> | null = null;
  const handles = new Map<string, Promise<fs.FileHandle | null>>();
  const load = () =>
    (known ??= (async () => {
      const map = new Map<string, { pack: string; entry: IndexEntry }>();
      let names: string[] = [];
      try {
        names = await fs.readdir(root);
      } catch {
        return map;
      }
      // Packs left without an index by a crash more than a day ago are garbage.
      for (const name of names.filter((n) => n.endsWith('.pack') && !names.includes(n.replace(/\.pack$/, '.index.json')))) {
        const file = path.join(root, name);
        const st = await fs.stat(file).catch(() => null);
        if (st && Date.now() - st.mtimeMs > 86_400_000) await fs.rm(file, { force: true }).catch(() => {});
      }
      for (const name of names.filter((n) => n.endsWith('.index.json')).sort()) {
        try {
          const idx = JSON.parse(await fs.readFile(path.join(root, name), 'utf8')) as PackIndex;
          if (idx.format !== CACHE_FORMAT || idx.frameBytes !== frameBytes) continue;
          const pack = path.join(root, name.replace(/\.index\.json$/, '.pack'));
          for (const [hash, entry] of Object.entries(idx.entries)) map.set(hash, { pack, entry });
        } catch {
          // An unreadable index only costs decodes.
        }
      }
      return map;
    })());
  const handleFor = (pack: string) => {
    let h = handles.get(pack);
    if (!h) {
      h = fs.open(pack, 'r').catch(() => null);
      handles.set(pack, h);
    }
    return h;
  };

  // This import's pack: appended in memory, written in ~1 MB pieces.
  let out: fs.FileHandle | null = null;
  let outFailed = false;
  let written = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let writing: Promise<void> = Promise.resolve();
  const entries: Record<string, IndexEntry> = {};
  let closed = false;

  const flush = (): Promise<void> => {
    if (pendingBytes === 0 || outFailed) return writing;
    const data = Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    writing = writing.then(async () => {
      if (outFailed) return;
      try {
        if (!out) {
          await fs.mkdir(root, { recursive: true });
          out = await fs.open(packPath, 'wx');
        }
        await out.write(data);
      } catch {
        // The cache is an optimisation: a full disk or read-only folder must not fail the import.
        outFailed = true;
      }
    });
    return writing;
  };

  return {
    async get(hash) {
      const hit = (await load()).get(hash);
      if (!hit) return null;
      const [offset, count, width, height, flags, code, reason] = hit.entry;
      if (code) return { failure: { code, reason: reason ?? '' } };
      const handle = await handleFor(hit.pack);
      if (!handle) return null;
      const buf = Buffer.allocUnsafe(count * frameBytes);
      try {
        const { bytesRead } = await handle.read(buf, 0, buf.length, offset);
        if (bytesRead !== buf.length) return null;
      } catch {
        return null;
      }
      return {
        width,
        height,
        frames: flags.map((f, k) => ({
          hasAlpha: (f & 1) !== 0,
          isGray: (f & 2) !== 0,
          rgba: new Uint8Array(buf.buffer, buf.byteOffset + k * frameBytes, frameBytes),
        })),
      };
    },
    async put(hash, image) {
      if (closed || outFailed || entries[hash]) return;
      const offset = written;
      for (const f of image.frames) {
        pending.push(Buffer.from(f.rgba.buffer, f.rgba.byteOffset, f.rgba.byteLength));
        pendingBytes += f.rgba.byteLength;
        written += f.rgba.byteLength;
      }
      entries[hash] = [offset, image.frames.length, image.width, image.height, image.frames.map((f) => (f.hasAlpha ? 1 : 0) | (f.isGray ? 2 : 0))];
      if (pendingBytes >= FLUSH_BYTES) await flush();
    },
    putFailure(hash, code, reason) {
      if (closed || entries[hash]) return;
      entries[hash] = [0, 0, 0, 0, [], code, reason];
    },
    async close() {
      if (closed) return;
      closed = true;
      await flush();
      const outHandle = out as fs.FileHandle | null;
      await outHandle?.close().catch(() => {});
      if (outHandle || Object.keys(entries).length > 0) {
        if (!outFailed) {
          const index: PackIndex = { format: CACHE_FORMAT, frameBytes, entries };
          const target = path.join(root, `${id}.index.json`);
          const tmp = `${target}.tmp`;
          try {
            await fs.mkdir(root, { recursive: true });
            await fs.writeFile(tmp, JSON.stringify(index));
            await fs.rename(tmp, target);
          } catch {
            await fs.rm(tmp, { force: true }).catch(() => {});
          }
        } else {
          await fs.rm(packPath, { force: true }).catch(() => {});
        }
      }
      for (const h of handles.values()) await (await h)?.close().catch(() => {});
      handles.clear();
    },
  };
}
