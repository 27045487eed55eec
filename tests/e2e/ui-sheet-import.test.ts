import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { sheetOptionsSchema } from '../../src/contract';
import { spriteSheet } from '../../src/export/sprite-sheet';
import { screenshot } from '../helpers/browser';
import { openApp, startUiSession, type UiSession } from '../helpers/ui-app';

/**
 * Importing a sprite sheet through the real Dataset panel in web mode: the preview draws the
 * frames found on the sheet (count and sizes), a grid that does not fit is refused with the
 * file named, and the import's report names the sheet and cell of every frame.
 */
let session: UiSession;
beforeAll(async () => {
  session = await startUiSession();
});
afterAll(() => session?.close());

/** Shaded round sprites of several sizes, loosely packed off any grid on a transparent sheet. */
const SPRITES = [
  { x: 6, y: 5, r: 12, hue: 0 },
  { x: 40, y: 9, r: 9, hue: 40 },
  { x: 70, y: 4, r: 14, hue: 90 },
  { x: 110, y: 12, r: 8, hue: 150 },
  { x: 136, y: 6, r: 13, hue: 200 },
  { x: 10, y: 44, r: 10, hue: 250 },
  { x: 42, y: 40, r: 15, hue: 300 },
  { x: 84, y: 48, r: 9, hue: 20 },
  { x: 112, y: 42, r: 12, hue: 120 },
  { x: 146, y: 50, r: 7, hue: 180 },
] as const;
const SHEET_W = 170;
const SHEET_H = 80;

function hsl(h: number, l: number): [number, number, number] {
  const c = (1 - Math.abs(2 * l - 1)) * 0.8;
  const x = c * (1 - Math.abs(((h / 60) % 2) - 1));
  const [r, g, b] = h < 60 ? [c, x, 0] : h < 120 ? [x, c, 0] : h < 180 ? [0, c, x] : h < 240 ? [0, x, c] : h < 300 ? [x, 0, c] : [c, 0, x];
  const m = l - c / 2;
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

async function writeSheet(file: string): Promise<void> {
  const rgba = new Uint8Array(SHEET_W * SHEET_H * 4);
  for (const s of SPRITES) {
    const cx = s.x + s.r;
    const cy = s.y + s.r;
    for (let y = s.y; y < s.y + 2 * s.r + 1; y++)
      for (let x = s.x; x < s.x + 2 * s.r + 1; x++) {
        const d = Math.hypot(x - cx, y - cy);
        if (d > s.r) continue;
        // Lit from the top left, with a dark outline: reads as a sprite, not a flat disc.
        const light = d > s.r - 1 ? 0.18 : 0.35 + 0.4 * Math.max(0, 1 - Math.hypot(x - cx + s.r / 3, y - cy + s.r / 3) / s.r);
        rgba.set([...hsl(s.hue, light), 255], (y * SHEET_W + x) * 4);
      }
  }
  await sharp(rgba, { raw: { width: SHEET_W, height: SHEET_H, channels: 4 } })
    .png()
    .toFile(file);
}

describe('sprite-sheet import in the Dataset panel', () => {
  it('previews the frames found on a sheet, refuses a grid that does not fit, imports and reports every cell', async () => {
    const dir = path.join(session.tmp, 'sheets');
    mkdirSync(dir, { recursive: true });
    const sheet = path.join(dir, 'orbs.png');
    await writeSheet(sheet);
    const { page, errors } = await openApp(session);
    await page.getByTestId('rail-dataset').click();
    await page.getByTestId('import-kind-sheet').check();
    // Ctrl+O (the app's import shortcut) goes to the sheet's path in sheet mode; Enter previews.
    await page.locator('body').press('Control+o');
    await expect.poll(() => page.getByTestId('sheet-path').evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement)).toBe(true);
    await page.keyboard.type(sheet);
    await page.keyboard.press('Enter');

    // The preview: one box per sprite, drawn over the sheet, with the count and the sizes.
    const preview = page.getByTestId('sheet-preview');
    await preview.waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('sheet-frame-count').textContent()).toBe(String(SPRITES.length));
    expect(await preview.locator('svg rect').count()).toBe(SPRITES.length);
    expect(await page.getByTestId('sheet-sizes').textContent()).toContain('25×25 (2)');
    // The boxes lie where the sprites are, in sheet pixels.
    const boxes = await preview.locator('svg rect').evaluateAll((rects) => rects.map((r) => [Number(r.getAttribute('x')), Number(r.getAttribute('y'))]));
    expect(boxes.map(([x, y]) => [x - 0.5, y - 0.5]).sort((a, b) => a[1] - b[1] || a[0] - b[0])).toEqual(SPRITES.map((s) => [s.x, s.y]).sort((a, b) => a[1] - b[1] || a[0] - b[0]));
    await page.getByRole('radio', { name: '2×' }).click();
    await screenshot(page, 'ui-sheet-01-preview');

    // A grid that does not divide the sheet: the error names the file and what to do.
    await page.getByTestId('sheet-mode-grid').check();
    await page.getByTestId('sheet-cell-width').fill('32');
    await page.getByTestId('sheet-cell-height').fill('16');
    await page.getByTestId('sheet-preview-button').click();
    const error = page.getByTestId('sheet-error');
    await error.waitFor({ timeout: 30_000 });
    expect(await error.textContent()).toContain(`orbs.png is ${SHEET_W} pixels wide, which 32-pixel cells`);
    expect(await error.textContent()).toContain('cell widths that fit');
    await screenshot(page, 'ui-sheet-02-grid-does-not-fit');

    // A grid that fits previews its cells, the empty ones dashed and left out of the count.
    await page.getByTestId('sheet-cell-width').fill('17');
    await page.getByTestId('sheet-cell-height').fill('16');
    await page.getByTestId('sheet-preview-button').click();
    await expect.poll(() => preview.locator('svg rect').count(), { timeout: 30_000 }).toBe(50);
    const emptyCells = await preview.locator('svg rect.empty').count();
    expect(emptyCells).toBeGreaterThan(0);
    expect(await page.getByTestId('sheet-frame-count').textContent()).toBe(String(50 - emptyCells));

    // Back to automatic slicing, then import.
    await page.getByTestId('sheet-mode-auto').check();
    await page.getByTestId('sheet-preview-button').click();
    await expect.poll(() => page.getByTestId('sheet-frame-count').textContent(), { timeout: 30_000 }).toBe(String(SPRITES.length));
    await page.getByTestId('sheet-import-button').click();
    await page.locator('[data-testid="import-report"], [data-testid="import-error"]').first().waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('import-error').count(), (await page.getByTestId('import-error').allTextContents()).join()).toBe(0);
    await expect.poll(() => page.getByTestId('import-imported').textContent(), { timeout: 60_000 }).toBe(String(SPRITES.length));
    const report = page.getByTestId('sheet-report');
    expect(await report.getByTestId('sheet-report-imported').textContent()).toBe(String(SPRITES.length));
    const rows = report.getByTestId('sheet-frame');
    expect(await rows.count()).toBe(SPRITES.length);
    expect(await rows.first().textContent()).toContain('orbs.png#1');
    expect(await rows.first().textContent()).toContain(`${SPRITES[0].x}, ${SPRITES[0].y}, 25×25`);
    expect(await report.locator('[data-status="imported"]').count()).toBe(SPRITES.length);
    // The frames are the dataset now: one thumbnail each.
    await expect.poll(() => page.getByTestId('thumb-cell').count(), { timeout: 60_000 }).toBe(SPRITES.length);
    // Imported: the preview makes room for the report and the grid.
    expect(await preview.count()).toBe(0);
    await report.scrollIntoViewIfNeeded();
    await screenshot(page, 'ui-sheet-03-imported-report');
    expect(errors).toEqual([]);
    await page.close();
    // Longer than the sum of the waits above, so a step that hangs on a loaded machine fails
    // with its own timeout error, naming the element it waited for, not the test's.
  }, 400_000);

  it('uploads a sheet with its Aseprite JSON (web mode), slices it by the atlas and labels frames by its tags', async () => {
    // A sheet as the app's export writes it: 6 frames of 24x24, two tags.
    const count = 6;
    const size = 24;
    const data = new Uint8Array(count * size * size * 4);
    for (let f = 0; f < count; f++)
      for (let y = 3; y < size - 3; y++) for (let x = 3 + f; x < size - 3; x++) data.set([40 * f, 255 - 30 * f, (x * 9 + y * 5) % 256, 255], ((f * size + y) * size + x) * 4);
    const sheet = await spriteSheet(
      { count, width: size, height: size, data },
      {
        sheetName: 'walker',
        columns: 3,
        names: [...Array(count).keys()].map((i) => `walker-${i}`),
        tags: [
          { name: 'walk', from: 0, to: 3 },
          { name: 'jump', from: 4, to: 5 },
        ],
        pingPong: false,
        delayMs: 100,
        loop: 0,
        options: sheetOptionsSchema.parse({ layout: 'aseprite' }),
      },
    );
    const dir = path.join(session.tmp, 'upload-sheet');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'walker.png'), sheet.png);
    writeFileSync(path.join(dir, sheet.atlas.name), sheet.atlas.data);

    const { page, errors } = await openApp(session);
    await page.getByTestId('rail-dataset').click();
    await page.getByTestId('import-kind-sheet').check();
    await page.getByTestId('sheet-mode-atlas').check();
    await page.getByTestId('sheet-upload').setInputFiles([path.join(dir, 'walker.png'), path.join(dir, sheet.atlas.name)]);
    const preview = page.getByTestId('sheet-preview');
    await preview.waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('sheet-frame-count').textContent()).toBe(String(count));
    expect(await preview.textContent()).toContain('aseprite-array');
    expect(await page.getByTestId('sheet-sizes').textContent()).toContain(`${size}×${size} (${count})`);
    await page.getByTestId('sheet-import-button').click();
    await page.locator('[data-testid="import-report"], [data-testid="import-error"]').first().waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('import-error').count(), (await page.getByTestId('import-error').allTextContents()).join()).toBe(0);
    await expect.poll(() => page.getByTestId('import-imported').textContent(), { timeout: 60_000 }).toBe(String(count));
    const rows = page.getByTestId('sheet-report').getByTestId('sheet-frame');
    expect(await rows.count()).toBe(count);
    expect(await rows.nth(0).textContent()).toContain('walker.png#0');
    expect(await rows.nth(0).textContent()).toContain('walk');
    expect(await rows.nth(5).textContent()).toContain('jump');
    expect(await page.getByTestId('import-report').textContent()).toContain('2 labels');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows a grid preview in the light theme', async () => {
    const sheet = path.join(session.tmp, 'sheets', 'orbs.png');
    const { page, errors } = await openApp(session, { colorScheme: 'light' });
    await page.getByTestId('rail-dataset').click();
    await page.getByTestId('import-kind-sheet').check();
    await page.getByTestId('sheet-mode-grid').check();
    await page.getByTestId('sheet-cell-width').fill('34');
    await page.getByTestId('sheet-cell-height').fill('40');
    await page.getByTestId('sheet-path').fill(sheet);
    await page.getByTestId('sheet-preview-button').click();
    const preview = page.getByTestId('sheet-preview');
    await preview.waitFor({ timeout: 60_000 });
    // 170x80 in 34x40 cells: 5 columns, 2 rows; every cell holds part of a sprite.
    expect(await preview.locator('svg rect').count()).toBe(10);
    expect(await page.getByTestId('sheet-sizes').textContent()).toContain('34×40 (10)');
    await page.getByRole('radio', { name: '2×' }).click();
    await screenshot(page, 'ui-sheet-04-grid-light');
    expect(errors).toEqual([]);
    await page.close();
  });
});
