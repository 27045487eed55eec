import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { artifactsDir, screenshot } from '../helpers/browser';
import { importSmall, openApp, setSmallTraining, startUiSession, type UiSession } from '../helpers/ui-app';
import { Rng } from '../../src/model/rng';

/**
 * The Export panel's atlas layouts and sheet options in the real UI: the layout select, the
 * "Sheet options" disclosure (defaults shown, changed by the user), indexed PNGs, and the
 * latent map for the Embedding Projector; screenshots in both themes.
 */
let session: UiSession;
beforeAll(async () => {
  session = await startUiSession();
});
afterAll(() => session?.close());

async function writeSprites(dir: string, n: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const colours = ['#d83a3a', '#3a7bd8', '#f2c230', '#3fae5a', '#8a4fc0', '#2b2b2b'];
  const rng = new Rng(9);
  for (let i = 0; i < n; i++) {
    const r = 3 + Math.floor(rng.uniform() * 4);
    const x = r + Math.floor(rng.uniform() * (16 - 2 * r));
    const y = r + Math.floor(rng.uniform() * (16 - 2 * r));
    const shape = i % 2 ? `<circle cx="${x}" cy="${y}" r="${r}" fill="${colours[i % 6]}"/>` : `<rect x="${x - r}" y="${y - r}" width="${2 * r}" height="${2 * r}" fill="${colours[i % 6]}"/>`;
    await sharp(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16">${shape}</svg>`))
      .png()
      .toFile(path.join(dir, `s-${String(i).padStart(2, '0')}.png`));
  }
}

describe('Export panel: atlas layouts, sheet options, indexed PNG, Embedding Projector', () => {
  it('writes the layout and options chosen, and the latent map', { timeout: 480_000 }, async () => {
    const folder = path.join(session.tmp, 'sprites');
    await writeSprites(folder, 40);
    const { page, errors } = await openApp(session);
    await importSmall(page, folder);
    await setSmallTraining(page, 4);
    await page.getByTestId('train-start').click();
    await page.getByTestId('scatter-count').waitFor({ timeout: 300_000 });

    await page.getByTestId('rail-generate').click();
    await page.getByTestId('gen-count').fill('6');
    await page.getByTestId('gen-sample').click();
    await expect.poll(() => page.getByTestId('gen-cell').count(), { timeout: 60_000 }).toBe(6);
    await page.getByTestId('gen-to-export').click();

    // Defaults: TexturePacker Hash, options folded away with TexturePacker's 2 px padding and 1 px extrusion.
    expect(await page.getByTestId('export-layout').inputValue()).toBe('texturepacker-hash');
    expect(await page.getByTestId('export-sheet-options').getAttribute('open')).toBeNull();
    await page.getByTestId('export-sheet-options').locator('summary').click();
    expect(await page.getByTestId('export-padding').inputValue()).toBe('2');
    expect(await page.getByTestId('export-extrude').inputValue()).toBe('1');
    expect(await page.getByTestId('export-pivot').locator('option:checked').textContent()).toBe('Centre-bottom');

    // Aseprite, trimmed, 1 px padding, indexed.
    await page.getByTestId('export-layout').selectOption('aseprite');
    expect(await page.getByTestId('export-layout-hint').textContent()).toContain('Excalibur');
    await page.getByTestId('export-padding').fill('1');
    await page.getByTestId('export-trim').check();
    // Indexed PNGs take the palette of pixel-art finishing: offered once it is ticked.
    expect(await page.getByTestId('export-indexed').isDisabled()).toBe(true);
    await page.getByTestId('export-pixel-art').check();
    await page.getByTestId('export-indexed').check();
    await page.getByTestId('export-scale').selectOption('2');
    const out = path.join(session.tmp, 'export-aseprite');
    await page.getByTestId('export-dir').fill(out);
    await page.getByTestId('panel-export').scrollIntoViewIfNeeded();
    await screenshot(page, 'ui-export-layouts-01-options-dark');
    await page.getByTestId('export-run').click();
    await page.getByTestId('export-summary').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('export-sheet-report').textContent()).toMatch(/^Sheet \d+×\d+ px, atlas sheet\.json \(Aseprite JSON\)\.$/);
    const atlas = JSON.parse(readFileSync(path.join(out, 'sheet.json'), 'utf8'));
    expect(atlas.frames).toHaveLength(6);
    expect(atlas.meta.frameTags).toHaveLength(1);
    expect(atlas.frames.every((f: { duration: number }) => f.duration === 100)).toBe(true);
    expect(atlas.frames[0].frame.x).toBe(1 + 1); // 1 px padding + 1 px extrusion
    expect(atlas.frames.some((f: { trimmed: boolean }) => f.trimmed)).toBe(true);
    for (const png of ['sheet.png', 'frame-0.png']) expect(readFileSync(path.join(out, png))[25], png).toBe(3);

    // Grid and Kaplay layouts need whole frames: trimming is greyed out.
    await page.getByTestId('export-layout').selectOption('grid');
    expect(await page.getByTestId('export-trim').isDisabled()).toBe(true);

    // The latent map for the Embedding Projector.
    const projectorDir = path.join(session.tmp, 'projector');
    await page.getByTestId('export-projector-dir').fill(projectorDir);
    await page.getByTestId('export-projector-run').click();
    await page.getByTestId('export-projector-summary').waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('export-projector-summary').textContent()).toContain('40 images');
    expect(readFileSync(path.join(projectorDir, 'vectors.tsv'), 'utf8').trimEnd().split('\n')).toHaveLength(40);
    await page.getByTestId('export-projector').scrollIntoViewIfNeeded();
    await screenshot(page, 'ui-export-layouts-02-projector-dark');
    // The light theme follows the system's colour scheme.
    await page.emulateMedia({ colorScheme: 'light' });
    await page.getByTestId('panel-export').scrollIntoViewIfNeeded();
    await page.getByTestId('panel-export').screenshot({ path: path.join(artifactsDir, 'ui-export-layouts-03-panel-light.png') });
    expect(errors).toEqual([]);
    await page.close();
  });
});
