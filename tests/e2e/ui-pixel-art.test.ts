import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { artifactsDir, screenshot } from '../helpers/browser';
import { importSmall, openApp, setSmallTraining, startUiSession, type UiSession } from '../helpers/ui-app';
import { imagePixels } from '../helpers/ui-dom';
import { Rng } from '../../src/model/rng';

/**
 * Pixel-art finishing in the real UI: off by default; ticked in Generate it shows the raw
 * samples and, labelled below them, the finished ones (every opaque pixel a colour of the
 * dataset palette shown beside them, alpha 0 or 1); sent to Export, the frames are written
 * finished.
 */
let session: UiSession;
beforeAll(async () => {
  session = await startUiSession();
});
afterAll(() => session?.close());

/** `n` sprites: circles and squares of a few flat colours on a transparent background (soft edges). */
async function writeShapeSprites(dir: string, n: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const colours = ['#d83a3a', '#3a7bd8', '#f2c230', '#3fae5a', '#8a4fc0', '#f08a24', '#2b2b2b', '#e8e8e8'];
  const rng = new Rng(5);
  for (let i = 0; i < n; i++) {
    const c = colours[i % colours.length];
    const r = 4 + Math.floor(rng.uniform() * 4);
    const x = r + Math.floor(rng.uniform() * (16 - 2 * r));
    const y = r + Math.floor(rng.uniform() * (16 - 2 * r));
    const shape = i % 2 ? `<circle cx="${x}" cy="${y}" r="${r}" fill="${c}"/>` : `<rect x="${x - r}" y="${y - r}" width="${2 * r}" height="${2 * r}" fill="${c}" stroke="#222" stroke-width="1"/>`;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16">${shape}</svg>`;
    await sharp(Buffer.from(svg))
      .png()
      .toFile(path.join(dir, `sprite-${String(i).padStart(2, '0')}.png`));
  }
}

/** The CSS background URL of the first element with this test id. */
async function stripUrl(page: Page, testid: string): Promise<string> {
  const style = (await page.getByTestId(testid).first().getAttribute('style')) ?? '';
  return /url\("?([^")]+)"?\)/.exec(style)?.[1] ?? '';
}

/** Every pixel of an image the page shows: '#rrggbb/alpha'. */
async function pixelsOf(page: Page, url: string): Promise<string[]> {
  const data = await imagePixels(page, url);
  const hex = (v: number) => v.toString(16).padStart(2, '0');
  const out: string[] = [];
  for (let i = 0; i < data.length; i += 4) out.push(`#${hex(data[i])}${hex(data[i + 1])}${hex(data[i + 2])}/${data[i + 3]}`);
  return out;
}

describe('pixel-art finishing in the UI', () => {
  it('shows finished samples under the raw ones in Generate, finished frames beside raw in Interpolate, and exports finished frames', { timeout: 420_000 }, async () => {
    const folder = path.join(session.tmp, 'shapes');
    await writeShapeSprites(folder, 48);
    const { page, errors } = await openApp(session);
    await importSmall(page, folder);
    await setSmallTraining(page, 6);
    await page.getByTestId('train-start').click();
    await page.getByTestId('scatter-count').waitFor({ timeout: 300_000 });

    await page.getByTestId('rail-generate').click();
    // Off by default: a plain grid, no finished strip, the colour count disabled.
    expect(await page.getByTestId('gen-pixel-art').isChecked()).toBe(false);
    expect(await page.getByTestId('gen-pixel-colors').isDisabled()).toBe(true);
    // A count beyond the field's range (the contract's, narrowed to the grid's 64) is named in the panel and nothing is drawn.
    expect(await page.getByTestId('gen-count').getAttribute('max')).toBe('64');
    await page.getByTestId('gen-count').fill('65');
    await page.getByTestId('gen-sample').click();
    expect(await page.getByTestId('generate-error').textContent()).toContain('Count must be a whole number from 1 to 64, got 65.');
    expect(await page.getByTestId('gen-cell').count()).toBe(0);
    await page.getByTestId('panel-generate').screenshot({ path: path.join(artifactsDir, 'ui-pixel-art-00-count-refused.png') });
    await page.getByTestId('gen-count').fill('8');
    await page.getByTestId('gen-sample').click();
    await expect.poll(() => page.getByTestId('gen-cell').count(), { timeout: 60_000 }).toBe(8);
    expect(await page.getByTestId('gen-finished').count()).toBe(0);
    const rawBefore = await pixelsOf(page, await stripUrl(page, 'gen-cell'));

    // On, with 16 colours: the raw grid stays, the finished grid appears below it, labelled.
    await page.getByTestId('gen-pixel-art').check();
    await page.getByTestId('gen-pixel-colors').fill('16');
    await page.getByTestId('gen-sample').click();
    await page.getByTestId('gen-finished').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('gen-finished-cell').count()).toBe(8);
    expect(await page.getByTestId('gen-cell').count()).toBe(8);
    expect(await page.getByTestId('gen-raw-label').textContent()).toBe('Raw');
    expect(await page.getByTestId('gen-finished-label').textContent()).toMatch(/^Pixel-art finished · \d+ colours, alpha cut at 0\.5$/);
    const palette = await page
      .getByTestId('gen-palette')
      .locator('span')
      .evaluateAll((els) => els.map((e) => e.getAttribute('title') ?? ''));
    expect(palette.length).toBeGreaterThan(1);
    expect(palette.length).toBeLessThanOrEqual(16);
    expect(Number(await page.getByTestId('gen-palette').getAttribute('data-count'))).toBe(palette.length);
    // The same seed: the raw samples are the ones shown before.
    const rawPixels = await pixelsOf(page, await stripUrl(page, 'gen-cell'));
    expect(rawPixels).toEqual(rawBefore);
    const finished = await pixelsOf(page, await stripUrl(page, 'gen-finished-cell'));
    expect(finished).toHaveLength(rawPixels.length);
    const allowed = new Set(palette);
    const wrong = finished.filter((p) => (p.endsWith('/255') ? !allowed.has(p.slice(0, 7)) : p !== '#000000/0'));
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(finished.filter((p) => p.endsWith('/255')).length).toBeGreaterThan(0);
    // Finishing flattens colours: fewer distinct colours than the raw decoder output.
    expect(new Set(finished).size).toBeLessThan(new Set(rawPixels).size);
    await page.getByTestId('panel-generate').scrollIntoViewIfNeeded();
    await screenshot(page, 'ui-pixel-art-01-generate');
    await page.getByTestId('gen-grid').screenshot({ path: path.join(artifactsDir, 'ui-pixel-art-02-raw-and-finished.png') });

    // Send to Export: finishing stays on there, and the frames on disk are the finished ones.
    await page.getByTestId('gen-to-export').click();
    expect(await page.getByTestId('export-pixel-art').isChecked()).toBe(true);
    expect(await page.getByTestId('export-pixel-colors').inputValue()).toBe('16');
    const out = path.join(session.tmp, 'export-finished');
    await page.getByTestId('export-dir').fill(out);
    await page.getByTestId('export-run').click();
    await page.getByTestId('export-summary').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('export-pixel-art-report').textContent()).toContain(`${palette.length} colours of the dataset palette`);
    const frames = readdirSync(out).filter((f) => /^frame-\d+\.png$/.test(f));
    expect(frames).toHaveLength(8);
    for (const f of frames) {
      const { data } = await sharp(readFileSync(path.join(out, f)))
        .ensureAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      for (let o = 0; o < data.length; o += 4) {
        if (data[o + 3] === 0) continue;
        expect(data[o + 3]).toBe(255);
        expect(allowed.has('#' + [data[o], data[o + 1], data[o + 2]].map((v) => v.toString(16).padStart(2, '0')).join(''))).toBe(true);
      }
    }
    await screenshot(page, 'ui-pixel-art-03-exported');

    // Interpolate: the raw and the finished frame side by side, the two strips one above the other.
    await page.getByTestId('rail-interpolate').click();
    await page.getByTestId('end-a-index').fill('2');
    await page.getByTestId('end-a-index').press('Tab');
    await page.getByTestId('end-b-index').fill('7');
    await page.getByTestId('end-b-index').press('Tab');
    await page.getByTestId('interp-frames').fill('8');
    await page.getByTestId('interp-method').selectOption('linear');
    expect(await page.getByTestId('interp-pixel-art').isChecked()).toBe(false);
    await page.getByTestId('interp-pixel-art').check();
    await page.getByTestId('interp-run').click();
    await page.getByTestId('interp-finished').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('interp-finished-cell').count()).toBe(8);
    expect(await page.getByTestId('interp-cell').count()).toBe(8);
    await page.getByTestId('interp-finished-cell').nth(3).click();
    expect(await page.getByTestId('interp-scrubber').inputValue()).toBe('3');
    const pathPalette = new Set(
      await page
        .getByTestId('interp-palette')
        .locator('span')
        .evaluateAll((els) => els.map((e) => e.getAttribute('title') ?? '')),
    );
    expect(pathPalette.size).toBeLessThanOrEqual(32);
    const frameUrl = /url\("?([^")]+)"?\)/.exec((await page.getByTestId('interp-finished-frame').getAttribute('style')) ?? '')?.[1] ?? '';
    expect(frameUrl).toBe(await stripUrl(page, 'interp-finished-cell'));
    const pathPixels = await pixelsOf(page, frameUrl);
    expect(pathPixels.filter((p) => (p.endsWith('/255') ? !pathPalette.has(p.slice(0, 7)) : p !== '#000000/0')).slice(0, 5)).toEqual([]);
    await screenshot(page, 'ui-pixel-art-04-interpolate');
    expect(errors).toEqual([]);
  });
});
