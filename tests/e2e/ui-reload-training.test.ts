import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { screenshot } from '../helpers/browser';
import { openApp, startUiSession, writeImageFolder, type UiSession } from '../helpers/ui-app';
import type { PageGlobals } from '../helpers/ui-dom';
import { chartPoints, importSmall, readProject, reloadApp, setSmallTraining, waitForTitle } from '../helpers/ui-project';

/**
 * A page reloaded mid-training shows exactly what the engine has: the project it had open,
 * its settings, the earlier model, the running run with its epochs and previews, and at the
 * end the run's real outcome.
 */
let session: UiSession;
beforeAll(async () => {
  session = await startUiSession();
});
afterAll(() => session?.close());

const status = (page: Page) => page.getByTestId('train-status').getAttribute('data-status');
const pointCount = (page: Page) => page.evaluate(() => ((globalThis as unknown as PageGlobals).window.__latentAtlas as { points: number }).points);
const checkedPreset = (page: Page) => page.locator('[data-testid^="preset-"][aria-checked="true"]').getAttribute('data-testid');

describe('reloading the page mid-training', () => {
  it('reopens the project and follows the run, its previews and the earlier model, to its real end', { timeout: 480_000 }, async () => {
    const folder = path.join(session.tmp, 'images');
    await writeImageFolder(folder, 48, 16);
    const { page, errors } = await openApp(session);
    await page.getByTestId('first-run-project-name').fill('Reloaded');
    await page.getByTestId('first-run-import').click();
    await waitForTitle(page, 'Reloaded — Latent Atlas');
    const dir = path.join(session.workspace, 'projects', 'reloaded');
    await importSmall(page, folder);

    // A first model, then a second run that is paused after its first epoch.
    await setSmallTraining(page, 2);
    await page.getByTestId('train-start').click();
    await page.getByTestId('scatter-count').waitFor({ timeout: 300_000 });
    await setSmallTraining(page, 8);
    await page.getByTestId('train-start').click();
    await expect.poll(() => status(page), { timeout: 60_000 }).toBe('running');
    await page.getByTestId('train-preview').waitFor({ timeout: 120_000 });
    await page.getByTestId('train-pause').click();
    await expect.poll(() => status(page), { timeout: 60_000 }).toBe('paused');
    const epochsBefore = (await chartPoints(page)).val;
    const presetBefore = await checkedPreset(page).catch(() => null);
    await expect.poll(() => readProject(dir).trainSettings.epochs, { timeout: 30_000 }).toBe(8);

    await reloadApp(page);
    // The project, its settings, the earlier model and the paused run, as the engine has them.
    await waitForTitle(page, 'Reloaded — Latent Atlas', 30_000);
    await expect.poll(() => status(page), { timeout: 30_000 }).toBe('paused');
    const advanced = page.getByTestId('train-advanced');
    if (!(await advanced.evaluate((el) => (el as unknown as { open: boolean }).open))) await advanced.locator('summary').click();
    expect(await page.getByTestId('set-epochs').inputValue()).toBe('8');
    expect(await checkedPreset(page).catch(() => null)).toBe(presetBefore);
    expect((await chartPoints(page)).val).toBeGreaterThanOrEqual(epochsBefore);
    await page.getByTestId('train-preview').waitFor({ timeout: 20_000 });
    await page.getByTestId('scatter-count').waitFor({ timeout: 120_000 });
    expect(await pointCount(page)).toBe(48);
    expect(await page.getByTestId('run-result').textContent()).toContain('2 epochs');
    const earlier = readProject(dir).runs[0];
    expect(await page.getByTestId('inspector-run').textContent()).toContain(`completed, 2 epochs`);
    expect(await page.getByTestId('inspector-run').textContent()).toContain(earlier.dir.split('/').at(-1));
    await screenshot(page, 'ui-reload-01-after-reload-paused');

    // Resumed, it runs to its last epoch and says so (not "stopped" an epoch short).
    await page.getByTestId('train-resume').click();
    await expect.poll(() => status(page), { timeout: 300_000, interval: 500 }).toBe('completed');
    expect(await page.getByTestId('train-result').textContent()).toContain('Training finished after 8 epochs');
    await expect.poll(() => readProject(dir).runs.map((r) => r.status), { timeout: 30_000 }).toEqual(['completed', 'completed']);
    expect(readProject(dir).runs[1].epoch).toBe(8);
    expect((await chartPoints(page)).val).toBe(8);
    // The new model replaces the earlier one in the view.
    await expect.poll(async () => page.getByTestId('run-result').textContent(), { timeout: 120_000 }).toContain('8 epochs');
    await screenshot(page, 'ui-reload-02-completed');
    expect(errors).toEqual([]);
    await page.close();
  });
});
