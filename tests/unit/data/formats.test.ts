import { describe, it, expect } from 'vitest';
import sharp from 'sharp';
import { looksTruncated, sniffFormat } from '../../../src/data/sniff';
import { apngFrames, isApng } from '../../../src/data/apng';
import { chunk, encodeApng, encodePng, ihdr, PNG_SIGNATURE, scanlines, solid } from '../../fixtures/png-bytes';
import { deflateSync } from 'node:zlib';

const raw = (w: number, h: number, c: [number, number, number, number]) => sharp(solid(w, h, c), { raw: { width: w, height: h, channels: 4 } });

describe('sniffFormat decides by content', () => {
  it('recognises every format sharp reads', async () => {
    const img = raw(8, 8, [1, 2, 3, 255]);
    expect(sniffFormat(await img.clone().png().toBuffer())).toEqual({ kind: 'image', format: 'png' });
    expect(sniffFormat(await img.clone().jpeg().toBuffer())).toEqual({ kind: 'image', format: 'jpeg' });
    expect(sniffFormat(await img.clone().gif().toBuffer())).toEqual({ kind: 'image', format: 'gif' });
    expect(sniffFormat(await img.clone().webp().toBuffer())).toEqual({ kind: 'image', format: 'webp' });
    expect(sniffFormat(await img.clone().tiff().toBuffer())).toEqual({ kind: 'image', format: 'tiff' });
    expect(sniffFormat(await img.clone().avif().toBuffer())).toEqual({ kind: 'image', format: 'avif' });
    expect(sniffFormat(Buffer.from('\uFEFF<?xml version="1.0"?>\n<!-- drawn by hand -->\n<svg xmlns="http://www.w3.org/2000/svg"/>'))).toEqual({ kind: 'image', format: 'svg' });
  });

  it('names image formats sharp cannot read', () => {
    const heic = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic'), Buffer.alloc(4), Buffer.from('mif1heic')]);
    expect(sniffFormat(heic)).toEqual({ kind: 'unsupported', format: 'HEIC' });
    expect(sniffFormat(Buffer.concat([Buffer.from('BM'), Buffer.alloc(40)]))).toEqual({ kind: 'unsupported', format: 'BMP' });
    expect(sniffFormat(Buffer.from('8BPS\u0000\u0001'))).toEqual({ kind: 'unsupported', format: 'PSD' });
    expect(sniffFormat(Buffer.from('%PDF-1.7'))).toEqual({ kind: 'unsupported', format: 'PDF' });
  });

  it('calls text, HTML and short junk unknown', () => {
    expect(sniffFormat(Buffer.from('hello'))).toEqual({ kind: 'unknown' });
    expect(sniffFormat(Buffer.from('<html><body>no svg here</body></html>'))).toEqual({ kind: 'unknown' });
    expect(sniffFormat(new Uint8Array([0x89, 0x50]))).toEqual({ kind: 'unknown' });
  });

  it('spots files that end early', async () => {
    const png = await raw(8, 8, [1, 2, 3, 255]).png().toBuffer();
    const jpg = await raw(8, 8, [1, 2, 3, 255]).jpeg().toBuffer();
    expect(looksTruncated(png, 'png')).toBe(false);
    expect(looksTruncated(png.subarray(0, png.length - 5), 'png')).toBe(true);
    expect(looksTruncated(jpg, 'jpeg')).toBe(false);
    expect(looksTruncated(jpg.subarray(0, jpg.length - 2), 'jpeg')).toBe(true);
  });
});

describe('APNG frames', () => {
  it('tells APNG from plain PNG', () => {
    expect(isApng(encodeApng(4, 4, [solid(4, 4, [1, 1, 1, 255])]))).toBe(true);
    expect(isApng(encodePng({ width: 4, height: 4, bitDepth: 8, colorType: 6, samples: solid(4, 4, [1, 1, 1, 255]) }))).toBe(false);
  });

  it('composites sub-rectangle frames with blend over and dispose to background', async () => {
    // Frame 0: 4x4 red. Frame 1: 2x2 half-transparent blue at (2,2), blended over, then disposed.
    // Frame 2: 1x1 green at (0,0), source.
    const parts = [PNG_SIGNATURE, ihdr(4, 4, 8, 6)];
    const actl = Buffer.alloc(8);
    actl.writeUInt32BE(3, 0);
    parts.push(chunk('acTL', actl));
    let seq = 0;
    const fctl = (w: number, h: number, x: number, y: number, dispose: number, blend: number) => {
      const b = Buffer.alloc(26);
      b.writeUInt32BE(seq++, 0);
      b.writeUInt32BE(w, 4);
      b.writeUInt32BE(h, 8);
      b.writeUInt32BE(x, 12);
      b.writeUInt32BE(y, 16);
      b[24] = dispose;
      b[25] = blend;
      return chunk('fcTL', b);
    };
    const fdat = (w: number, h: number, rgba: Uint8Array) => {
      const s = Buffer.alloc(4);
      s.writeUInt32BE(seq++, 0);
      return chunk('fdAT', Buffer.concat([s, deflateSync(scanlines(w, h, 8, 6, rgba))]));
    };
    parts.push(fctl(4, 4, 0, 0, 0, 0), chunk('IDAT', deflateSync(scanlines(4, 4, 8, 6, solid(4, 4, [255, 0, 0, 255])))));
    parts.push(fctl(2, 2, 2, 2, 1, 1));
    parts.push(fdat(2, 2, solid(2, 2, [0, 0, 255, 128])));
    parts.push(fctl(1, 1, 0, 0, 0, 0));
    parts.push(fdat(1, 1, solid(1, 1, [0, 255, 0, 255])));
    parts.push(chunk('IEND'));
    const anim = await apngFrames(Buffer.concat(parts), 10, 1e6);
    expect(anim).not.toBeNull();
    const px = (f: number, x: number, y: number) => Array.from(anim!.frames[f].subarray((y * 4 + x) * 4, (y * 4 + x) * 4 + 4));
    expect(anim!.frames.length).toBe(3);
    expect(px(0, 3, 3)).toEqual([255, 0, 0, 255]);
    expect(px(1, 0, 0)).toEqual([255, 0, 0, 255]);
    const blended = px(1, 3, 3);
    expect(blended[3]).toBe(255);
    expect(Math.abs(blended[0] - 127)).toBeLessThanOrEqual(1);
    expect(Math.abs(blended[2] - 128)).toBeLessThanOrEqual(1);
    // Frame 1 was disposed to background: its area is transparent in frame 2.
    expect(px(2, 3, 3)).toEqual([0, 0, 0, 0]);
    expect(px(2, 0, 0)).toEqual([0, 255, 0, 255]);
    expect(px(2, 1, 1)).toEqual([255, 0, 0, 255]);
  });
});
