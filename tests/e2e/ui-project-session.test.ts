import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { screenshot } from '../helpers/browser';
import { openApp, startUiSession, writeImageFolder, type UiSession } from '../helpers/ui-app';
import { chartPoints, importSmall, readProject, recordTitles, reloadApp, setSmallTraining, waitForTitle } from '../helpers/ui-project';

/**
 * A project over a working session: settings save themselves, a reloaded page finds the
 * training still running in the engine and follows it, and Save As copies the project.
 */
let session: UiSession;
beforeAll(async () => {
  session = await startUiSession();
});
afterAll(() => session?.close());

const stepOf = async (page: Page) => Number(/step (\d+)/.exec((await page.getByTestId('train-progress').textContent()) ?? '')?.[1] ?? NaN);

describe('a project across reloads', () => {
  it('autosaves settings, follows a running training after a reload, and saves a copy with Save As', { timeout: 300_000 }, async () => {
    const folder = path.join(session.tmp, 'live-images');
    const { good } = await writeImageFolder(folder, 48, 16);
    const { page, errors } = await openApp(session);
    await page.getByTestId('first-run-project-name').fill('Live');
    await page.getByTestId('first-run-import').click();
    await waitForTitle(page, 'Live — Latent Atlas');
    const dir = path.join(session.workspace, 'projects', 'live');
    await importSmall(page, folder);

    // A settings change saves itself once the typing stops: the dot comes and goes, no Ctrl+S.
    await waitForTitle(page, 'Live — Latent Atlas');
    const titles = await recordTitles(page);
    await setSmallTraining(page, 300);
    await waitForTitle(page, 'Live — Latent Atlas', 30_000);
    // (Typing may pause long enough for an autosave in between: the dot comes and goes, ending saved.)
    expect(await titles()).toContain('• Live — Latent Atlas');
    expect((await titles()).at(-1)).toBe('Live — Latent Atlas');
    expect(readProject(dir).trainSettings.epochs).toBe(300);

    await page.getByTestId('train-start').click();
    await expect.poll(async () => (await chartPoints(page)).val, { timeout: 120_000, interval: 250 }).toBeGreaterThanOrEqual(1);

    // Reload mid-training: the engine keeps training; the new page shows it and polls it.
    await reloadApp(page);
    await expect.poll(() => page.getByTestId('train-status').getAttribute('data-status'), { timeout: 20_000 }).toBe('running');
    await page.getByTestId('train-progress').waitFor({ timeout: 20_000 });
    const first = await stepOf(page);
    await expect.poll(() => stepOf(page), { timeout: 30_000, interval: 250 }).toBeGreaterThan(first);
    await expect.poll(async () => (await chartPoints(page)).val, { timeout: 60_000, interval: 250 }).toBeGreaterThanOrEqual(1);
    expect(await page.getByTestId('status-task').textContent()).toContain('Training');
    await screenshot(page, 'ui-project-12-reattached');

    // Open the project meanwhile: its running run is not offered for resuming.
    await page.getByTestId('project-open').click();
    await page.getByTestId('project-dialog').getByTestId('recent-item').filter({ hasText: 'Live' }).click();
    await waitForTitle(page, 'Live — Latent Atlas');
    expect(await page.getByTestId('resume-banner').count()).toBe(0);
    await page.getByTestId('train-stop').click();
    await expect.poll(() => page.getByTestId('train-status').getAttribute('data-status'), { timeout: 60_000 }).toBe('stopped');
    await expect.poll(() => readProject(dir).runs[0]?.status, { timeout: 30_000 }).toBe('stopped');
    expect(readProject(dir).runs[0].epoch).toBeGreaterThanOrEqual(1);
    await screenshot(page, 'ui-project-13-stopped-after-reload');

    // Save As (Ctrl+Shift+S): a copy with its dataset and run, opened in place of the original.
    await page.locator('body').press('Control+Shift+S');
    const target = page.getByTestId('project-folder');
    expect(await target.inputValue()).toBe(`${dir}-copy`);
    await page.getByTestId('project-submit').click();
    await expect.poll(() => page.getByTestId('project-name-label').getAttribute('title'), { timeout: 30_000 }).toBe(`${dir}-copy`);
    expect(readProject(`${dir}-copy`).runs).toHaveLength(1);
    expect(existsSync(path.join(`${dir}-copy`, 'dataset', 'index.json'))).toBe(true);
    await page.getByTestId('rail-dataset').click();
    await expect.poll(() => page.getByTestId('dataset-count').textContent()).toContain(`${good.length} images`);
    await screenshot(page, 'ui-project-14-saved-as');
    expect(errors).toEqual([]);
    await page.close();
  });
});
