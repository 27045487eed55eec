import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { artifactsDir, screenshot } from '../helpers/browser';
import { importSmall, openApp, startUiSession, type UiSession } from '../helpers/ui-app';
import { SPRITE_CLASSES, writeLabelledSprites } from '../fixtures/labelled-sprites';

/**
 * Conditional generation in the real UI: a labelled folder (one subfolder per class) trained with
 * "Conditional on labels" ticked in Advanced settings; the map says what it shows; Generate makes
 * eight of one label, redraws a selected image as every label (a row per label) and blends two
 * labels at its z.
 */
let session: UiSession;
beforeAll(async () => {
  session = await startUiSession();
});
afterAll(() => session?.close());

describe('conditional generation in the UI', () => {
  it('trains conditional on a labelled folder, generates eight of one label and redraws an image as every label', { timeout: 600_000 }, async () => {
    const folder = path.join(session.tmp, 'items');
    await writeLabelledSprites(folder);
    const { page, errors } = await openApp(session);
    await importSmall(page, folder);

    await page.getByTestId('rail-train').click();
    const advanced = page.getByTestId('train-advanced');
    if (!(await advanced.evaluate((el) => (el as unknown as { open: boolean }).open))) await advanced.locator('summary').click();
    // Off by default; offered because the dataset has six labels.
    const conditional = page.getByTestId('set-conditional');
    expect(await conditional.isChecked()).toBe(false);
    expect(await conditional.isDisabled()).toBe(false);
    await conditional.check();
    await page.getByTestId('set-epochs').fill('40');
    await page.getByTestId('set-batch').fill('32');
    await page.getByTestId('set-latent').fill('8');
    await page.getByTestId('set-warmup').fill('50');
    await page.getByTestId('set-lr').fill('0.002');
    await advanced.screenshot({ path: path.join(artifactsDir, 'ui-conditional-00-advanced.png') });
    await page.getByTestId('train-start').click();
    await page.getByTestId('scatter-count').waitFor({ timeout: 480_000 });
    // Where the map is shown, one sentence says what it shows for a conditional model.
    await expect.poll(() => page.getByTestId('conditional-map-note').textContent()).toContain('Conditional on 6 labels');

    await page.getByTestId('rail-generate').click();
    const labelSelect = page.getByTestId('gen-label');
    expect(await labelSelect.locator('option').allTextContents()).toEqual(SPRITE_CLASSES.map((c) => c.label));
    await labelSelect.selectOption('gem');
    await page.getByTestId('gen-count').fill('8');
    expect(await page.getByTestId('gen-sample').textContent()).toBe('Generate 8 “gem”');
    await page.getByTestId('gen-sample').click();
    await expect.poll(() => page.getByTestId('gen-cell').count(), { timeout: 60_000 }).toBe(8);
    await expect.poll(() => page.getByTestId('gen-nearest').count()).toBe(8);
    await page.getByTestId('gen-grid').screenshot({ path: path.join(artifactsDir, 'ui-conditional-01-eight-gems.png') });

    // Select an apple in the dataset grid, then redraw it as every label.
    await page.getByTestId('rail-dataset').click();
    await page.locator('[data-testid="thumb-cell"][data-index="0"]').click();
    await page.getByTestId('rail-generate').click();
    await page.getByTestId('cond-relabel').click();
    await expect.poll(() => page.getByTestId('cond-relabel-row').count(), { timeout: 60_000 }).toBe(SPRITE_CLASSES.length);
    expect(await page.getByTestId('cond-relabel-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-label')))).toEqual(SPRITE_CLASSES.map((c) => c.label));
    await page.getByTestId('cond-from').selectOption('apple');
    await page.getByTestId('cond-to').selectOption('ring');
    await page.getByTestId('cond-path').click();
    await expect.poll(() => page.getByTestId('cond-path-cell').count(), { timeout: 60_000 }).toBe(8);
    await page.getByTestId('cond-relabel-rows').screenshot({ path: path.join(artifactsDir, 'ui-conditional-02-every-label.png') });
    await screenshot(page, 'ui-conditional-03-panel');
    await page.emulateMedia({ colorScheme: 'light' });
    await screenshot(page, 'ui-conditional-04-panel-light');
    expect(errors).toEqual([]);
  });

  it('refuses a label with fewer than 8 images when training starts, naming the label and its count', { timeout: 300_000 }, async () => {
    const folder = path.join(session.tmp, 'few');
    await writeLabelledSprites(folder, {
      classes: [
        { ...SPRITE_CLASSES[0], count: 12 },
        { ...SPRITE_CLASSES[1], count: 12 },
        { ...SPRITE_CLASSES[2], count: 4 },
      ],
    });
    const { page } = await openApp(session);
    await importSmall(page, folder);
    await page.getByTestId('rail-train').click();
    const advanced = page.getByTestId('train-advanced');
    if (!(await advanced.evaluate((el) => (el as unknown as { open: boolean }).open))) await advanced.locator('summary').click();
    await page.getByTestId('set-conditional').check();
    await page.getByTestId('set-epochs').fill('1');
    await page.getByTestId('train-start').click();
    const error = page.getByTestId('train-error');
    await error.waitFor({ timeout: 120_000 });
    expect(await error.textContent()).toMatch(/at least 8 training images per label: "gem" has [1-4]\./);
    await screenshot(page, 'ui-conditional-05-refused');
  });
});
