import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import type { DecodedImage, DecodeOptions } from './decode';

/**
 * Decoded-image cache: re-importing an unchanged folder reads small RGBA files instead of
 * decoding again. Keyed by the source's content hash and every option that changes the
 * decoded pixels; an entry that is missing, short or unreadable is simply a miss.
 * Entry layout: uint32 LE header length, JSON header, then the frames' RGBA bytes.
 */

/** Bump when decode.ts changes its output, so stale pixels are never reused. */
const CACHE_FORMAT = 1;

export interface DecodeCache {
  get(contentHash: string): Promise<DecodedImage | null>;
  put(contentHash: string, image: DecodedImage): Promise<void>;
}

interface EntryHeader {
  width: number;
  height: number;
  frames: Array<{ hasAlpha: boolean; isGray: boolean }>;
}

export function openDecodeCache(dir: string, o: DecodeOptions): DecodeCache {
  const optionsKey = createHash('sha256')
    .update(JSON.stringify([CACHE_FORMAT, o.size, o.fit, o.resampling, o.frames, o.maxPixels]))
    .digest('hex')
    .slice(0, 16);
  const root = path.join(dir, `decoded-${optionsKey}`);
  const frameBytes = o.size * o.size * 4;
  const madeDirs = new Set<string>();
  const entryPath = (hash: string) => path.join(root, hash.slice(0, 2), `${hash}.bin`);

  return {
    async get(hash) {
      let buf: Buffer;
      try {
        buf = await fs.readFile(entryPath(hash));
      } catch {
        return null;
      }
      try {
        const headerLen = buf.readUInt32LE(0);
        const header = JSON.parse(buf.subarray(4, 4 + headerLen).toString('utf8')) as EntryHeader;
        const body = 4 + headerLen;
        if (!Array.isArray(header.frames) || header.frames.length === 0 || buf.length !== body + header.frames.length * frameBytes) return null;
        return {
          width: header.width,
          height: header.height,
          frames: header.frames.map((f, k) => ({
            hasAlpha: f.hasAlpha,
            isGray: f.isGray,
            rgba: new Uint8Array(buf.buffer, buf.byteOffset + body + k * frameBytes, frameBytes),
          })),
        };
      } catch {
        return null;
      }
    },
    async put(hash, image) {
      const header: EntryHeader = {
        width: image.width,
        height: image.height,
        frames: image.frames.map((f) => ({ hasAlpha: f.hasAlpha, isGray: f.isGray })),
      };
      const headerBytes = Buffer.from(JSON.stringify(header));
      const len = Buffer.alloc(4);
      len.writeUInt32LE(headerBytes.length, 0);
      const target = entryPath(hash);
      const sub = path.dirname(target);
      const tmp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
      try {
        if (!madeDirs.has(sub)) {
          await fs.mkdir(sub, { recursive: true });
          madeDirs.add(sub);
        }
        // No fsync: a torn entry fails the length check and is decoded again.
        await fs.writeFile(tmp, Buffer.concat([len, headerBytes, ...image.frames.map((f) => f.rgba)]));
        await fs.rename(tmp, target);
      } catch {
        // The cache is an optimisation; a full disk or read-only folder must not fail the import.
        await fs.rm(tmp, { force: true }).catch(() => {});
      }
    },
  };
}
