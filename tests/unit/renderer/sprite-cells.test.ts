import { describe, expect, it } from 'vitest';
import { cellBackground } from '../../../renderer/lib/explore-strip';

/** A strip of `count` cells in `columns` columns of `cell` pixels, as the engine lays them out (row-major). */
const sheet = (count: number, columns: number, cell: number) => ({ url: 'blob:x', columns, cell, width: columns * cell, height: Math.ceil(count / columns) * cell });

/** The cell's top-left corner in sheet pixels, read back from the CSS background position at scale 1. */
const corner = (css: { position: string }) => css.position.split(' ').map((p) => 0 - Number.parseFloat(p));

describe('a strip cell as a CSS sprite', () => {
  it('lays cells out row-major from the top left', () => {
    const strip = sheet(10, 4, 32);
    expect([0, 1, 3, 4, 9].map((i) => corner(cellBackground(strip, i, 32)))).toEqual([
      [0, 0],
      [32, 0],
      [96, 0],
      [0, 32],
      [32, 64],
    ]);
  });

  it("at the strip's own size shows the sheet at its size, shifted by minus the cell's corner", () => {
    expect(cellBackground(sheet(10, 4, 32), 6, 32)).toEqual({ image: 'url("blob:x")', size: '128px 96px', position: '-64px -32px' });
  });

  it('scales the whole sheet and the offset by the shown size over the cell size', () => {
    // Cell 5 of a 4-column strip of 32 px cells shown 96 px wide: scale 3.
    expect(cellBackground(sheet(8, 4, 32), 5, 96)).toEqual({ image: 'url("blob:x")', size: '384px 192px', position: '-96px -96px' });
    // Half size.
    expect(cellBackground(sheet(8, 4, 32), 3, 16)).toEqual({ image: 'url("blob:x")', size: '64px 32px', position: '-48px 0px' });
  });

  it('counts from `first`, as a page of thumbnails starting at image 512 does', () => {
    expect(cellBackground(sheet(8, 4, 32), 13, 32, 8)).toEqual(cellBackground(sheet(8, 4, 32), 5, 32));
    expect(corner(cellBackground(sheet(256, 16, 48), 512 + 17, 48, 512))).toEqual([48, 48]);
  });

  it('puts every cell at its own place inside the sheet', () => {
    const strip = sheet(37, 6, 20);
    const seen = new Set<string>();
    for (let i = 0; i < 37; i++) {
      const [x, y] = corner(cellBackground(strip, i, 20));
      expect(x % 20).toBe(0);
      expect(y % 20).toBe(0);
      expect(x + 20).toBeLessThanOrEqual(strip.width);
      expect(y + 20).toBeLessThanOrEqual(strip.height);
      seen.add(`${x},${y}`);
    }
    expect(seen.size).toBe(37);
  });
});
