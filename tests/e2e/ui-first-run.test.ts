import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { screenshot } from '../helpers/browser';
import { nonBackgroundShare } from '../helpers/pixels';
import { openApp, startUiSession, writeImageFolder, type UiSession } from '../helpers/ui-app';
import { readProject, waitForTitle } from '../helpers/ui-project';
import type { PageGlobals } from '../helpers/ui-dom';

/**
 * A new user's first minutes: the welcome card offers the sample set (when the build bundles
 * it) or a folder import, starts a project for it, trains a Quick model and lands on the
 * latent scatter with one point per image, with the dataset and the run saved in the project.
 */
let session: UiSession;
beforeAll(async () => {
  session = await startUiSession();
});
afterAll(() => session?.close());

describe('first run', () => {
  it('goes from the welcome card to a trained latent scatter with one point per image', { timeout: 480_000 }, async () => {
    const { page, errors } = await openApp(session);
    const card = page.getByTestId('first-run');
    await card.waitFor();
    await expect.poll(() => card.textContent()).toContain('Work is saved in');
    expect(await page.getByTestId('first-run-project-name').inputValue()).toBe('My project');
    const projectDir = path.join(session.workspace, 'projects', 'my-project');
    expect(await page.getByTestId('first-run-folder').textContent()).toBe(projectDir);
    await screenshot(page, 'ui-first-run-01-welcome');

    let expected: number;
    const started = Date.now();
    if ((await page.getByTestId('first-run-sample').count()) > 0) {
      // The sample set is CC-BY: the card that offers it credits it.
      expect(await page.getByTestId('sample-attribution').textContent()).toMatch(/Twemoji.*CC-BY 4\.0/s);
      await page.getByTestId('first-run-sample').click();
      // The sample set goes straight to Quick training; its size is on the Train panel.
      await page.getByTestId('panel-train').waitFor();
      const text = (await page.getByTestId('panel-train').textContent()) ?? '';
      const m = /([\d,]+) train, ([\d,]+) validation/.exec(text)!;
      expected = Number(m[1].replace(/,/g, '')) + Number(m[2].replace(/,/g, ''));
    } else {
      // No sample set in this build: the card says so and offers the folder import.
      expect(await page.getByTestId('first-run-no-sample').textContent()).toContain('import a folder');
      const folder = path.join(session.tmp, 'my-sprites');
      const { good } = await writeImageFolder(folder, 40, 24);
      expected = good.length;
      await page.getByTestId('first-run-import').click();
      // The path field has the focus, ready to type into.
      await expect.poll(() => page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.getAttribute('data-testid'))).toBe('folder-path');
      await page.keyboard.type(folder);
      await page.keyboard.press('Enter');
      await page.getByTestId('import-report').waitFor({ timeout: 60_000 });
      await expect.poll(() => page.getByTestId('thumb-cell').count()).toBe(expected);
      await screenshot(page, 'ui-first-run-02-imported');
      // Ctrl+Enter trains with the Quick preset (the default).
      await page.locator('body').press('Control+Enter');
      await page.getByTestId('panel-train').waitFor();
    }

    await page.getByTestId('train-progress').waitFor({ timeout: 60_000 });
    await screenshot(page, 'ui-first-run-03-training');
    const count = page.getByTestId('scatter-count');
    // Quick is a 2-minute time budget on the sample set (an estimate: allow it twice over).
    await count.waitFor({ timeout: 360_000 });
    const seconds = (Date.now() - started) / 1000;
    expect(Number((await count.textContent())!.replace(/,/g, ''))).toBe(expected);
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).window.__latentAtlas.points as number)).toBe(expected);
    expect(await page.getByTestId('train-status').getAttribute('data-status')).toBe('completed');
    // The default model is the hierarchy: the Train panel reports the KL of its three latent
    // layers (z1, the 8x8 z2, the fine 16x16 z3), each in use (a layer near 0 nats would be named
    // in a collapse warning instead).
    const klLayers = (await page.getByTestId('train-kl-layers').textContent())!;
    expect(klLayers).toMatch(/^KL per layer: z1 [\d.]+ · z2 [\d.]+ · z3 [\d.]+ nats$/);
    for (const m of klLayers.matchAll(/z\d ([\d.]+)/g)) expect(Number(m[1])).toBeGreaterThan(0.1);
    expect(await page.getByTestId('train-warning').count()).toBe(0);
    await screenshot(page, 'ui-first-run-03b-trained');

    // The first choice started a project: its title, its dataset, its completed run.
    await waitForTitle(page, 'My project — Latent Atlas');
    await expect.poll(() => readProject(projectDir).runs[0]?.status, { timeout: 30_000 }).toBe('completed');
    const project = readProject(projectDir);
    expect(project.name).toBe('My project');
    expect(project.dataset?.count).toBe(expected);
    // The project holds its own dataset (the sample set is copied in), so it survives app updates.
    expect(project.dataset?.dir).toBe('dataset');
    expect(project.runs).toHaveLength(1);
    expect(project.runs[0].history.length).toBe(project.runs[0].epoch);
    expect(project.trainSettings).toMatchObject({ epochs: 8, latentDim: 16, architecture: 'hvae', likelihood: 'gaussian-calibrated' });

    // The scatter is drawn: the view has more non-background pixels than the bare sphere.
    await expect.poll(async () => nonBackgroundShare(await page.getByTestId('latent-canvas').screenshot())).toBeGreaterThan(0.005);
    await screenshot(page, 'ui-first-run-04-latent-scatter');
    console.log(`first run: trained latent space with ${expected} points after ${seconds.toFixed(0)} s`);
    expect(errors).toEqual([]);
    await page.close();
  });
});
