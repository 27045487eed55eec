import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { screenshot } from '../helpers/browser';
import { importSmall, openApp, setSmallTraining, startUiSession, writeImageFolder, type UiSession } from '../helpers/ui-app';

/**
 * Training from the Train panel in the real UI: the charts gain points each epoch,
 * pause holds the step count, resume continues it, and stop leaves a checkpoint.
 */
let session: UiSession;
beforeAll(async () => {
  session = await startUiSession();
});
afterAll(() => session?.close());

const stepOf = async (page: Page) => Number(/step (\d+)/.exec((await page.getByTestId('train-progress').textContent()) ?? '')?.[1] ?? NaN);
const points = async (page: Page, attr: 'data-points' | 'data-val-points') => Number(await page.getByTestId('loss-charts').getAttribute(attr));

describe('training in the UI', () => {
  it('trains two epochs with live charts, pauses, resumes and stops with a checkpoint', { timeout: 300_000 }, async () => {
    const folder = path.join(session.tmp, 'images');
    await writeImageFolder(folder, 64, 16);
    const { page, errors } = await openApp(session);
    await importSmall(page, folder);
    await setSmallTraining(page, 200);
    await page.getByTestId('train-start').click();

    // Two epochs: validation points on the charts, training points in between.
    await expect.poll(() => points(page, 'data-val-points'), { timeout: 180_000, interval: 500 }).toBeGreaterThanOrEqual(2);
    const trainPoints = await points(page, 'data-points');
    expect(trainPoints).toBeGreaterThan(2);
    await page.getByTestId('kl-bars').waitFor();
    await page.getByTestId('train-preview').waitFor();
    expect(await page.getByTestId('train-progress').textContent()).toMatch(/img\/s/);
    expect(await page.getByTestId('status-task').textContent()).toContain('Training');
    await screenshot(page, 'ui-train-01-two-epochs');

    // Pause with the keyboard (Space): the step count holds still.
    await page.locator('body').press('Space');
    await expect.poll(() => page.getByTestId('train-status').getAttribute('data-status'), { timeout: 30_000 }).toBe('paused');
    // The engine stops at the next step boundary; a step already on its way may still land.
    await expect
      .poll(
        async () => {
          const before = await stepOf(page);
          await page.waitForTimeout(1000);
          return before === (await stepOf(page));
        },
        { timeout: 30_000 },
      )
      .toBe(true);
    const pausedAt = await stepOf(page);
    const pointsAtPause = await points(page, 'data-points');
    await page.waitForTimeout(2000);
    expect(await stepOf(page)).toBe(pausedAt);
    expect(await points(page, 'data-points')).toBe(pointsAtPause);
    await screenshot(page, 'ui-train-02-paused');

    // Resume with the button: steps continue and the chart grows again.
    await page.getByTestId('train-resume').click();
    await expect.poll(() => stepOf(page), { timeout: 60_000, interval: 250 }).toBeGreaterThan(pausedAt);
    await expect.poll(() => points(page, 'data-points'), { timeout: 60_000 }).toBeGreaterThan(pointsAtPause);

    // Stop: the run ends at a step boundary and writes a checkpoint into the run folder.
    await page.getByTestId('train-stop').click();
    await page.getByTestId('train-result').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('train-status').getAttribute('data-status')).toBe('stopped');
    const checkpoint = (await page.getByTestId('train-checkpoint').textContent())!.trim();
    const runDir = path.dirname(checkpoint);
    expect(runDir.startsWith(path.join(session.workspace, 'runs'))).toBe(true);
    expect(readdirSync(runDir).filter((f) => f.startsWith('ckpt-')).length).toBeGreaterThan(0);
    expect(readdirSync(checkpoint)).toContain('weights.bin');

    // A trained run unlocks the part-2 panels.
    expect(await page.getByTestId('rail-explore').getAttribute('aria-disabled')).toBe('false');
    await page.getByTestId('run-result').waitFor();
    await screenshot(page, 'ui-train-03-stopped');
    expect(errors).toEqual([]);
    await page.close();
  });
});
