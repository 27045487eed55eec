import { describe, it, expect } from 'vitest';
import { convertRgba, resolveChannels } from '../../../src/data/channels';
import { resampleRgba } from '../../../src/data/resample';
import { assignSplits } from '../../../src/data/split';
import { resolveImportOptions, DEFAULT_IMPORT_OPTIONS } from '../../../src/data/options';
import { displayName } from '../../../src/data/walk';
import { AtlasError } from '../../../src/errors';

describe('channels', () => {
  it('resolves auto from alpha and colour', () => {
    expect(resolveChannels('auto', true, true)).toBe(4);
    expect(resolveChannels('auto', false, true)).toBe(1);
    expect(resolveChannels('auto', false, false)).toBe(3);
    expect(resolveChannels('rgb', true, true)).toBe(3);
  });

  it('keeps gray values exact and composites alpha over the background', () => {
    const px = new Uint8Array([77, 77, 77, 255, 255, 0, 0, 0, 200, 100, 0, 128]);
    expect(Array.from(convertRgba(px, 1, [0, 0, 0]))).toEqual([77, 0, 57]); // (100, 50, 0) after compositing: (54*100 + 183*50 + 128) >> 8
    expect(Array.from(convertRgba(px, 3, [10, 20, 30]))).toEqual([77, 77, 77, 10, 20, 30, 105, 60, 15]);
  });
});

describe('resampleRgba', () => {
  it('keeps flat colour exact, including faint alpha', () => {
    const src = new Uint8Array(64 * 64 * 4);
    for (let i = 0; i < src.length; i += 4) src.set([12, 34, 56, 10], i);
    const r = resampleRgba(src, 64, 64, 32, 'contain', 'lanczos');
    expect([r.width, r.height]).toEqual([32, 32]);
    expect(Array.from(r.rgba.subarray(0, 4))).toEqual([12, 34, 56, 10]);
  });

  it('does not bleed the colour of transparent pixels into visible ones', () => {
    // Left half transparent *white*, right half opaque black: premultiplication keeps the edge dark.
    const src = new Uint8Array(16 * 16 * 4);
    for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) src.set(x < 8 ? [255, 255, 255, 0] : [0, 0, 0, 255], (y * 16 + x) * 4);
    const r = resampleRgba(src, 16, 16, 8, 'contain', 'lanczos');
    for (let x = 0; x < 8; x++) {
      const a = r.rgba[(4 * 8 + x) * 4 + 3];
      if (a > 0) expect(r.rgba[(4 * 8 + x) * 4]).toBeLessThanOrEqual(2);
    }
  });

  it('sizes contain, cover and stretch results', () => {
    const src = new Uint8Array(40 * 10 * 4).fill(255);
    expect([resampleRgba(src, 40, 10, 16, 'contain', 'nearest')].map((r) => [r.width, r.height])).toEqual([[16, 4]]);
    expect([resampleRgba(src, 40, 10, 16, 'cover', 'nearest')].map((r) => [r.width, r.height])).toEqual([[16, 16]]);
    expect([resampleRgba(src, 1000, 1, 16, 'contain', 'lanczos')].map((r) => [r.width, r.height])).toEqual([[16, 1]]);
  });
});

describe('assignSplits', () => {
  it('is seeded, sized by valFraction and keeps groups whole', () => {
    const keys = Array.from({ length: 100 }, (_, i) => `k${Math.floor(i / 2)}`); // 50 groups of 2
    const a = assignSplits(keys, 0.1, 1);
    expect(a.filter((s) => s === 'val').length).toBe(10);
    expect(assignSplits(keys, 0.1, 1)).toEqual(a);
    expect(assignSplits(keys, 0.1, 2)).not.toEqual(a);
    for (let i = 0; i < 100; i += 2) expect(a[i]).toBe(a[i + 1]);
  });

  it('leaves tiny sets at least one training image', () => {
    expect(assignSplits(['a'], 0.5, 1)).toEqual(['train']);
    expect(assignSplits(['a', 'b'], 0.1, 1).sort()).toEqual(['train', 'val']);
    expect(assignSplits(['a', 'b', 'c'], 0, 1)).toEqual(['train', 'train', 'train']);
  });
});

describe('options and names', () => {
  it('fills defaults and rejects bad values with the option name', () => {
    expect(resolveImportOptions({})).toEqual(DEFAULT_IMPORT_OPTIONS);
    expect(resolveImportOptions({ size: 64, fit: 'cover' })).toMatchObject({ size: 64, fit: 'cover', channels: 'auto' });
    for (const bad of [{ size: 30 }, { fit: 'zoom' }, { valFraction: 0.9 }, { maxImages: 0 }, { include: [''] }, { background: [0, 0] }]) {
      let err: unknown;
      try {
        resolveImportOptions(bad as never);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AtlasError);
      expect((err as AtlasError).message).toContain(Object.keys(bad)[0]);
    }
  });

  it('shows names that are not UTF-8 with %XX escapes', () => {
    expect(displayName(Buffer.from('café.png'))).toBe('café.png');
    expect(displayName(Buffer.from([0x63, 0xe9, 0x2e, 0x70]))).toBe('c%E9.p');
  });
});
