import sharp from 'sharp';

/**
 * APNG frames. libvips reads only an APNG's default image, so every frame is cut out here
 * as a standalone PNG, decoded with sharp and composited (blend and dispose ops) onto the
 * canvas, as a browser would show it.
 */

interface Chunk {
  type: string;
  data: Buffer;
}

interface FrameControl {
  width: number;
  height: number;
  x: number;
  y: number;
  dispose: number; // 0 none, 1 background, 2 previous
  blend: number; // 0 source, 1 over
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const crcTable = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = crcTable[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function readChunks(png: Buffer): Chunk[] {
  const chunks: Chunk[] = [];
  for (let off = 8; off + 12 <= png.length; ) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    if (off + 12 + len > png.length) throw new Error(`truncated ${type} chunk`);
    chunks.push({ type, data: png.subarray(off + 8, off + 8 + len) });
    off += 12 + len;
    if (type === 'IEND') break;
  }
  return chunks;
}

function writeChunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** True when the PNG carries an animation control chunk before its image data. */
export function isApng(png: Uint8Array): boolean {
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  for (let off = 8; off + 8 <= buf.length; ) {
    const type = buf.toString('latin1', off + 4, off + 8);
    if (type === 'acTL') return true;
    if (type === 'IDAT' || type === 'IEND') return false;
    off += 12 + buf.readUInt32BE(off);
  }
  return false;
}

/**
 * Full-canvas RGBA frames of an APNG (at most `maxFrames`), or null when the file has no
 * usable animation. Throws on malformed frame data so the caller can report the file.
 */
export async function apngFrames(png: Uint8Array, maxFrames: number, limitInputPixels: number): Promise<{ width: number; height: number; frames: Uint8Array[] } | null> {
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  const chunks = readChunks(buf);
  const header = chunks.find((c) => c.type === 'IHDR');
  if (!header || !chunks.some((c) => c.type === 'acTL')) return null;
  const width = header.data.readUInt32BE(0);
  const height = header.data.readUInt32BE(4);
  if (width * height > limitInputPixels) throw new Error('Input image exceeds pixel limit');

  const shared: Buffer[] = []; // PLTE, tRNS, colour chunks: every frame PNG needs them
  const frames: Array<{ fc: FrameControl; data: Buffer[] }> = [];
  let seenIdat = false;
  for (const c of chunks) {
    if (c.type === 'fcTL') {
      if (c.data.length < 26) throw new Error('bad fcTL chunk');
      frames.push({
        fc: {
          width: c.data.readUInt32BE(4),
          height: c.data.readUInt32BE(8),
          x: c.data.readUInt32BE(12),
          y: c.data.readUInt32BE(16),
          dispose: c.data[24],
          blend: c.data[25],
        },
        data: [],
      });
    } else if (c.type === 'IDAT') {
      seenIdat = true;
      // IDAT belongs to the animation only when an fcTL came before it.
      if (frames.length) frames[frames.length - 1].data.push(c.data);
    } else if (c.type === 'fdAT') {
      if (frames.length) frames[frames.length - 1].data.push(c.data.subarray(4));
    } else if (!seenIdat && !['IHDR', 'acTL', 'IEND'].includes(c.type)) {
      shared.push(writeChunk(c.type, c.data));
    }
    if (frames.length > maxFrames) break;
  }
  const usable = frames.slice(0, maxFrames).filter((f) => f.data.length > 0);
  if (usable.length === 0) return null;

  const canvas = new Uint8Array(width * height * 4);
  const out: Uint8Array[] = [];
  for (let k = 0; k < usable.length; k++) {
    const { fc, data } = usable[k];
    if (fc.width < 1 || fc.height < 1 || fc.x + fc.width > width || fc.y + fc.height > height) throw new Error('frame outside the canvas (corrupt fcTL)');
    const ihdr = Buffer.from(header.data);
    ihdr.writeUInt32BE(fc.width, 0);
    ihdr.writeUInt32BE(fc.height, 4);
    const framePng = Buffer.concat([SIGNATURE, writeChunk('IHDR', ihdr), ...shared, writeChunk('IDAT', Buffer.concat(data)), writeChunk('IEND', new Uint8Array(0))]);
    const rgba = await sharp(framePng, { failOn: 'error', limitInputPixels }).toColourspace('srgb').ensureAlpha().raw({ depth: 'uchar' }).toBuffer();
    const saved = fc.dispose === 2 && k > 0 ? canvas.slice() : null;
    for (let y = 0; y < fc.height; y++) {
      for (let x = 0; x < fc.width; x++) {
        const s = (y * fc.width + x) * 4;
        const d = ((fc.y + y) * width + fc.x + x) * 4;
        const sa = rgba[s + 3];
        if (fc.blend === 0 || sa === 255 || canvas[d + 3] === 0) {
          canvas[d] = rgba[s];
          canvas[d + 1] = rgba[s + 1];
          canvas[d + 2] = rgba[s + 2];
          canvas[d + 3] = sa;
        } else if (sa > 0) {
          // Porter-Duff "over" on straight (non-premultiplied) alpha.
          const da = canvas[d + 3];
          const outA = sa + (da * (255 - sa)) / 255;
          for (let ch = 0; ch < 3; ch++) canvas[d + ch] = Math.round((rgba[s + ch] * sa + (canvas[d + ch] * da * (255 - sa)) / 255) / outA);
          canvas[d + 3] = Math.round(outA);
        }
      }
    }
    out.push(canvas.slice());
    if (fc.dispose === 1 || (fc.dispose === 2 && !saved)) {
      for (let y = 0; y < fc.height; y++) canvas.fill(0, ((fc.y + y) * width + fc.x) * 4, ((fc.y + y) * width + fc.x + fc.width) * 4);
    } else if (saved) {
      canvas.set(saved);
    }
  }
  return { width, height, frames: out };
}
