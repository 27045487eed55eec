import { describe, expect, it } from 'vitest';
import { parseAtlas } from '../../../src/data/sheet-atlas';
import { gridSlices } from '../../../src/data/sheet-grid';
import { islandSlices } from '../../../src/data/sheet-islands';
import { cropSlice, isTransparent, sliceSizes, type SheetPixels, type SheetRect } from '../../../src/data/sheet-slices';
import { AtlasError } from '../../../src/errors';

/** A frame whose every pixel is distinct from every other frame's: (seed, x, y, alpha). */
function frame(w: number, h: number, seed: number): Uint8Array {
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.set([seed, x * 7 + 1, y * 5 + 2, 128 + ((x + y + seed) % 128)], (y * w + x) * 4);
  return out;
}

function blank(width: number, height: number): SheetPixels {
  return { width, height, rgba: new Uint8Array(width * height * 4) };
}

function paste(sheet: SheetPixels, rgba: Uint8Array, w: number, h: number, x0: number, y0: number): void {
  for (let y = 0; y < h; y++) sheet.rgba.set(rgba.subarray(y * w * 4, (y + 1) * w * 4), ((y0 + y) * sheet.width + x0) * 4);
}

/** Opaque pixels in the shape `mask` ('#' opaque) at (x0, y0). */
function draw(sheet: SheetPixels, x0: number, y0: number, mask: string[]): SheetRect {
  mask.forEach((row, y) => [...row].forEach((c, x) => c === '#' && sheet.rgba.set([200, 100, 50, 255], ((y0 + y) * sheet.width + x0 + x) * 4)));
  return { x: x0, y: y0, w: Math.max(...mask.map((r) => r.length)), h: mask.length };
}

function error(fn: () => unknown): AtlasError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AtlasError);
    return err as AtlasError;
  }
  throw new Error('expected an AtlasError');
}

describe('grid slicing', () => {
  it('gives back every cell of a synthetic sheet exactly, with margin and spacing, and finds the empty ones', () => {
    const [cw, ch, margin, spacing, cols, rows] = [12, 10, 2, 3, 5, 3];
    const sheet = blank(2 * margin + cols * cw + (cols - 1) * spacing, 2 * margin + rows * ch + (rows - 1) * spacing);
    const empty = new Set([3, 11]);
    for (let i = 0; i < cols * rows; i++) {
      if (empty.has(i)) continue;
      paste(sheet, frame(cw, ch, i + 1), cw, ch, margin + (i % cols) * (cw + spacing), margin + Math.floor(i / cols) * (ch + spacing));
    }
    // Noise in the margin and the spacing must not reach any cell.
    sheet.rgba.fill(255, 0, 4 * sheet.width);
    const slices = gridSlices('sheet.png', sheet.width, sheet.height, { cellWidth: cw, cellHeight: ch, margin, spacing });
    expect(slices).toHaveLength(cols * rows);
    expect(slices.slice(0, 2).map((s) => s.name)).toEqual(['r1c1', 'r1c2']);
    expect(slices[7].name).toBe('r2c3');
    slices.forEach((s, i) => {
      expect(isTransparent(sheet, s)).toBe(empty.has(i));
      const crop = cropSlice(sheet, s);
      expect([crop.width, crop.height]).toEqual([cw, ch]);
      if (!empty.has(i)) expect(Buffer.from(crop.rgba).equals(Buffer.from(frame(cw, ch, i + 1)))).toBe(true);
    });
    expect(sliceSizes(slices)).toEqual([{ w: cw, h: ch, count: cols * rows }]);
  });

  it('refuses a grid that does not divide the sheet, naming the file, the leftover and sizes that fit', () => {
    const e = error(() => gridSlices('tiles.png', 100, 64, { cellWidth: 32, cellHeight: 32, margin: 0, spacing: 0 }));
    expect(e.code).toBe('invalid_input');
    expect(e.message).toContain('tiles.png is 100 pixels wide');
    expect(e.message).toContain('4 pixels left over');
    expect(e.message).toMatch(/cell widths that fit: 25, 50, 100|cell widths that fit: [\d, ]+/);
    const tall = error(() => gridSlices('tiles.png', 68, 70, { cellWidth: 32, cellHeight: 32, margin: 1, spacing: 2 }));
    expect(tall.message).toContain('70 pixels high');
  });
});

describe('alpha islands', () => {
  it('finds each sprite of an irregular synthetic sheet exactly, merges pieces closer than the gap and drops dust', () => {
    const sheet = blank(120, 60);
    const expected: SheetRect[] = [];
    expected.push(draw(sheet, 3, 4, ['.##.', '####', '#..#']));
    // A sprite in two pieces with one empty column between them: one island with gap 2.
    const left = draw(sheet, 20, 2, ['##', '##', '##']);
    draw(sheet, 23, 3, ['#', '#']);
    expected.push({ x: left.x, y: left.y, w: 4, h: 3 });
    // Diagonal pixels are connected (8-connectivity).
    expected.push(draw(sheet, 40, 10, ['#....', '.#...', '..#..', '...##']));
    expected.push(draw(sheet, 70, 30, ['##########', '##########', '##########', '##########', '##########', '##########']));
    expected.push(draw(sheet, 5, 40, ['###', '###', '###']));
    // Dust: two single pixels far from everything.
    draw(sheet, 100, 5, ['#']);
    draw(sheet, 110, 50, ['#']);
    const { slices, dust } = islandSlices(sheet, { alphaThreshold: 0, gap: 2, minArea: 2, splitWidth: 0, splitHeight: 0 });
    expect(dust).toBe(2);
    const byPos = (a: SheetRect, b: SheetRect) => a.y - b.y || a.x - b.x;
    expect(slices.map(({ x, y, w, h }) => ({ x, y, w, h })).sort(byPos)).toEqual([...expected].sort(byPos));
    // Numbered in reading order: rows by their top edge (a box starting below the first box's middle starts a new row).
    expect(slices.map((s) => s.name)).toEqual(['1', '2', '3', '4', '5']);
    expect(slices.map((s) => [s.x, s.y])).toEqual([
      [20, 2],
      [3, 4],
      [40, 10],
      [70, 30],
      [5, 40],
    ]);
  });

  it('keeps pieces apart when the gap is smaller than the space between them', () => {
    const sheet = blank(20, 10);
    draw(sheet, 1, 1, ['##', '##']);
    draw(sheet, 5, 1, ['##', '##']);
    expect(islandSlices(sheet, { alphaThreshold: 0, gap: 2, minArea: 1, splitWidth: 0, splitHeight: 0 }).slices).toHaveLength(2);
    expect(islandSlices(sheet, { alphaThreshold: 0, gap: 3, minArea: 1, splitWidth: 0, splitHeight: 0 }).slices).toHaveLength(1);
  });

  it('ignores faint pixels under the alpha threshold', () => {
    const sheet = blank(10, 4);
    draw(sheet, 1, 1, ['##']);
    draw(sheet, 6, 1, ['##']);
    // A faint bridge (alpha 10) joins the two sprites unless the threshold is above it.
    for (let x = 3; x < 6; x++) sheet.rgba.set([0, 0, 0, 10], (1 * 10 + x) * 4);
    expect(islandSlices(sheet, { alphaThreshold: 0, gap: 0, minArea: 1, splitWidth: 0, splitHeight: 0 }).slices).toHaveLength(1);
    expect(islandSlices(sheet, { alphaThreshold: 10, gap: 0, minArea: 1, splitWidth: 0, splitHeight: 0 }).slices).toHaveLength(2);
  });

  it('cuts touching sprites of a packed sheet apart at the emptiest line', () => {
    // Three 8x8 sprites side by side, off any grid (x = 5, 13, 21), joined by one pixel row each.
    const sheet = blank(40, 16);
    const sprite = ['..####..', '.######.', '########', '########', '########', '########', '.######.', '..####..'];
    const xs = [5, 13, 21];
    for (const x of xs) draw(sheet, x, 3, sprite);
    const joined = islandSlices(sheet, { alphaThreshold: 0, gap: 1, minArea: 4, splitWidth: 0, splitHeight: 0 });
    expect(joined.slices).toHaveLength(1);
    const cut = islandSlices(sheet, { alphaThreshold: 0, gap: 1, minArea: 4, splitWidth: 8, splitHeight: 8 });
    expect(cut.slices.map(({ x, y, w, h }) => ({ x, y, w, h }))).toEqual(xs.map((x) => ({ x, y: 3, w: 8, h: 8 })));
  });

  it('refuses bad numbers with the value named', () => {
    expect(error(() => islandSlices(blank(2, 2), { alphaThreshold: 300, gap: 1, minArea: 1, splitWidth: 0, splitHeight: 0 })).message).toContain('300');
    expect(error(() => islandSlices(blank(2, 2), { alphaThreshold: 0, gap: 1, minArea: 0, splitWidth: 0, splitHeight: 0 })).message).toContain('minimum area');
  });
});

describe('atlas formats', () => {
  const rect = (x: number, y: number, w: number, h: number) => ({ x, y, w, h });
  const tpFrame = (x: number, y: number, w: number, h: number) => ({ frame: rect(x, y, w, h), rotated: false, trimmed: false, spriteSourceSize: rect(0, 0, w, h), sourceSize: { w, h } });

  it('reads TexturePacker JSON Hash with PixiJS animations as tags', () => {
    const a = parseAtlas('hero.json', {
      frames: { walk_0: tpFrame(0, 0, 16, 16), walk_1: tpFrame(16, 0, 16, 16), idle: tpFrame(32, 0, 16, 16) },
      animations: { walk: ['walk_0', 'walk_1', 'walk_0'] },
      meta: { app: 'https://www.codeandweb.com/texturepacker', image: 'hero.png', size: { w: 48, h: 16 } },
    });
    expect(a.layout).toBe('texturepacker-hash');
    expect(a.image).toBe('hero.png');
    expect(a.size).toEqual({ w: 48, h: 16 });
    expect(a.slices.map((s) => [s.name, s.x, s.tag])).toEqual([
      ['walk_0', 0, 'walk'],
      ['walk_1', 16, 'walk'],
      ['idle', 32, null],
    ]);
  });

  it('reads TexturePacker JSON Array', () => {
    const a = parseAtlas('hero.json', {
      frames: [
        { filename: 'a.png', ...tpFrame(0, 0, 8, 8) },
        { filename: 'b.png', ...tpFrame(8, 0, 8, 4) },
      ],
      meta: { image: 'hero.png' },
    });
    expect(a.layout).toBe('texturepacker-array');
    expect(a.slices.map((s) => [s.name, s.w, s.h])).toEqual([
      ['a.png', 8, 8],
      ['b.png', 8, 4],
    ]);
  });

  it('reads Aseprite array and hash files with frameTags as tags', () => {
    const frames = [0, 1, 2, 3].map((i) => ({ filename: `sprite ${i}.aseprite`, ...tpFrame(i * 10, 0, 10, 12), duration: 100 }));
    const meta = {
      app: 'https://www.aseprite.org/',
      version: '1.3',
      image: 'sprite.png',
      size: { w: 40, h: 12 },
      frameTags: [{ name: 'run', from: 1, to: 2, direction: 'forward' }],
      layers: [],
      slices: [],
    };
    const arr = parseAtlas('sprite.json', { frames, meta });
    expect(arr.layout).toBe('aseprite-array');
    expect(arr.slices.map((s) => s.tag)).toEqual([null, 'run', 'run', null]);
    const hash = parseAtlas('sprite.json', { frames: Object.fromEntries(frames.map(({ filename, ...f }) => [filename, f])), meta });
    expect(hash.layout).toBe('aseprite-hash');
    expect(hash.slices.map((s) => [s.name, s.tag])).toEqual([
      ['sprite 0.aseprite', null],
      ['sprite 1.aseprite', 'run'],
      ['sprite 2.aseprite', 'run'],
      ['sprite 3.aseprite', null],
    ]);
  });

  it('turns rotated frames upright and puts trimmed frames back at their offset in the source size', () => {
    // The upright sprite is 3 wide, 2 high; packed turned clockwise it covers 2x3 of the sheet.
    const upright = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    const sheet = blank(4, 4);
    // Clockwise turn: packed column c, row r holds upright (row 1 - c, column r).
    for (let r = 0; r < 3; r++) for (let c = 0; c < 2; c++) sheet.rgba.set([upright[1 - c][r], 0, 0, 255], (r * 4 + c) * 4);
    const a = parseAtlas('t.json', {
      frames: { spin: { frame: rect(0, 0, 3, 2), rotated: true, trimmed: true, spriteSourceSize: rect(1, 2, 3, 2), sourceSize: { w: 5, h: 4 } } },
      meta: {},
    });
    expect(a.slices[0]).toMatchObject({ x: 0, y: 0, w: 2, h: 3, rotated: true, source: { w: 5, h: 4, x: 1, y: 2 } });
    const out = cropSlice(sheet, a.slices[0]);
    expect([out.width, out.height]).toEqual([5, 4]);
    const red = (x: number, y: number) => out.rgba[(y * 5 + x) * 4];
    const alpha = (x: number, y: number) => out.rgba[(y * 5 + x) * 4 + 3];
    expect([red(1, 2), red(2, 2), red(3, 2), red(1, 3), red(2, 3), red(3, 3)]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(alpha(0, 0)).toBe(0);
    expect(alpha(4, 3)).toBe(0);
  });

  it("reads the app's grid description", () => {
    const a = parseAtlas('s.grid.json', {
      image: 's.png',
      imageSize: { w: 40, h: 22 },
      frameCount: 5,
      cellSize: { w: 8, h: 8 },
      margin: { x: 2, y: 2 },
      spacing: { x: 2, y: 2 },
      columns: 4,
      rows: 2,
      animations: [{ name: 'path', from: 0, to: 4, direction: 'forward' }],
    });
    expect(a.layout).toBe('grid-description');
    expect(a.slices.map((s) => [s.name, s.x, s.y, s.tag])).toEqual([
      ['0', 2, 2, 'path'],
      ['1', 12, 2, 'path'],
      ['2', 22, 2, 'path'],
      ['3', 32, 2, 'path'],
      ['4', 2, 12, 'path'],
    ]);
  });

  it('refuses what is not an atlas, naming the file and the fault', () => {
    expect(error(() => parseAtlas('x.json', [1, 2])).message).toContain('x.json is not a sprite atlas');
    expect(error(() => parseAtlas('x.json', { meta: {} })).message).toContain('no "frames"');
    expect(error(() => parseAtlas('x.json', { frames: { a: { frame: { x: 0, y: 0, w: 'big', h: 1 } } } })).message).toContain('frame "a" has w = "big"');
    expect(error(() => parseAtlas('x.json', { frames: [tpFrame(0, 0, 1, 1)], meta: { frameTags: [{ name: 'run', from: 0, to: 3 }] } })).message).toContain('tag "run" spans frames 0 to 3');
    expect(error(() => parseAtlas('x.json', { frames: { a: tpFrame(0, 0, 1, 1) }, animations: { walk: ['b'] } })).message).toContain('names frame "b"');
  });
});
