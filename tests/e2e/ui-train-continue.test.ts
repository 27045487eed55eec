import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { screenshot } from '../helpers/browser';
import { openApp, startUiSession, writeImageFolder, type UiSession } from '../helpers/ui-app';
import { chartPoints, importSmall, readProject, setSmallTraining, waitForTitle } from '../helpers/ui-project';

/**
 * A run the user stopped keeps its checkpoint, and the Train panel offers to continue it: the
 * same run goes on from that checkpoint (its step, its epochs on the charts), as an
 * interrupted run resumes.
 */
let session: UiSession;
beforeAll(async () => {
  session = await startUiSession();
});
afterAll(() => session?.close());

const stepOf = async (page: Page) => Number(/step (\d+)/.exec((await page.getByTestId('train-progress').textContent()) ?? '')?.[1] ?? NaN);
const status = (page: Page) => page.getByTestId('train-status').getAttribute('data-status');

describe('a stopped run', () => {
  it('continues from its checkpoint as the same run', { timeout: 400_000 }, async () => {
    const folder = path.join(session.tmp, 'images');
    await writeImageFolder(folder, 48, 16);
    const { page, errors } = await openApp(session);
    await page.getByTestId('first-run-project-name').fill('Goes on');
    await page.getByTestId('first-run-import').click();
    await waitForTitle(page, 'Goes on — Latent Atlas');
    const dir = path.join(session.workspace, 'projects', 'goes-on');
    await importSmall(page, folder);
    await setSmallTraining(page, 300);
    await page.getByTestId('train-start').click();
    await expect.poll(async () => (await chartPoints(page)).val, { timeout: 120_000, interval: 250 }).toBeGreaterThanOrEqual(1);
    await page.getByTestId('train-stop').click();
    await expect.poll(() => status(page), { timeout: 60_000 }).toBe('stopped');
    await expect.poll(() => readProject(dir).runs[0]?.status, { timeout: 30_000 }).toBe('stopped');
    const stopped = readProject(dir).runs[0];
    expect(stopped.epoch).toBeGreaterThanOrEqual(1);
    expect(await page.getByTestId('train-status').textContent()).toBe('Stopped (checkpoint saved)');
    const continueButton = page.getByTestId('train-continue');
    await continueButton.waitFor({ timeout: 10_000 });
    await screenshot(page, 'ui-train-continue-01-stopped');

    await continueButton.click();
    await expect.poll(() => status(page), { timeout: 30_000 }).toBe('running');
    // It goes on from the checkpoint: never back to step 0, and the stopped epochs stay charted.
    await page.getByTestId('train-progress').waitFor({ timeout: 60_000 });
    expect(await stepOf(page)).toBeGreaterThanOrEqual(stopped.step);
    expect((await chartPoints(page)).val).toBeGreaterThanOrEqual(stopped.epoch);
    await expect.poll(() => readProject(dir).runs[0]?.epoch, { timeout: 120_000, interval: 500 }).toBeGreaterThan(stopped.epoch);
    await page.getByTestId('train-stop').click();
    await expect.poll(() => status(page), { timeout: 60_000 }).toBe('stopped');
    await expect.poll(() => readProject(dir).runs[0]?.status, { timeout: 30_000 }).toBe('stopped');
    const project = readProject(dir);
    // The same run, not a new one.
    expect(project.runs).toHaveLength(1);
    expect(project.runs[0].id).toBe(stopped.id);
    expect(project.runs[0].history.map((h) => h.epoch)).toEqual(Array.from({ length: project.runs[0].epoch }, (_, i) => i + 1));
    expect(await page.getByTestId('train-continue').count()).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });
});
