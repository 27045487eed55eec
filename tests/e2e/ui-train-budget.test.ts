import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { screenshot } from '../helpers/browser';
import { importSmall, openApp, startUiSession, writeImageFolder, type UiSession } from '../helpers/ui-app';

/**
 * Presets are time budgets, and the Train panel says what they mean here before a run
 * ("About 2 min on 48 images") and when it starts (its plan); while it trains, a quality
 * line (validation PSNR) sits beside the ELBO and in the numbers.
 */
let session: UiSession;
beforeAll(async () => {
  session = await startUiSession();
});
afterAll(() => session?.close());

describe('training for a time budget in the UI', () => {
  it('shows the estimate before the run, the plan at its start, and the validation PSNR after an epoch', { timeout: 300_000 }, async () => {
    const folder = path.join(session.tmp, 'images');
    const { good } = await writeImageFolder(folder, 48, 16);
    const { page, errors } = await openApp(session);
    await importSmall(page, folder);
    await page.getByTestId('rail-train').click();

    // Quick is chosen: the engine measures the model here and says how long, on how many images.
    expect(await page.getByTestId('preset-quick').getAttribute('aria-checked')).toBe('true');
    expect(await page.getByTestId('preset-quick').textContent()).toContain('≈ 2 min');
    const estimate = page.getByTestId('train-estimate');
    await expect.poll(() => estimate.getAttribute('data-status'), { timeout: 120_000, interval: 250 }).toBe('ready');
    expect(await estimate.textContent()).toMatch(new RegExp(`About \\d+ (s|min) on ${good.length} images \\(\\d+ epochs? at \\d+ img/s\\)`));
    await screenshot(page, 'ui-train-budget-01-estimate');

    // A shorter budget (15 s) under Advanced settings: measured again, and the epochs follow it.
    await page.getByTestId('train-advanced').locator('summary').click();
    await page.getByTestId('set-budget').fill('0.25');
    expect(await page.getByTestId('preset-quick').getAttribute('aria-checked')).toBe('false');
    await expect.poll(() => estimate.getAttribute('data-status'), { timeout: 120_000, interval: 250 }).toBe('ready');
    await expect.poll(() => estimate.textContent(), { timeout: 60_000 }).toMatch(new RegExp(`About \\d+ s on ${good.length} images`));

    await page.getByTestId('train-start').click();
    const plan = page.getByTestId('train-plan');
    await plan.waitFor({ timeout: 120_000 });
    const planText = (await plan.textContent()) ?? '';
    expect(planText).toMatch(new RegExp(`^Plan: about \\d+ s on ${good.length} images \\((\\d+) epochs? at \\d+ img/s\\)`));
    const planned = Number(/\((\d+) epochs?/.exec(planText)![1]);

    // After an epoch: the quality chart has a point, and the numbers say the PSNR.
    const charts = page.getByTestId('loss-charts');
    await expect.poll(async () => Number(await charts.getAttribute('data-psnr-points')), { timeout: 120_000, interval: 250 }).toBeGreaterThanOrEqual(1);
    await page.getByTestId('chart-psnr').waitFor();
    expect(await page.getByTestId('chart-psnr').textContent()).toContain('Quality: validation PSNR (dB');
    const psnr = Number(await charts.getAttribute('data-psnr'));
    expect(psnr).toBeGreaterThan(3);
    expect(psnr).toBeLessThan(60);
    expect(await page.getByTestId('train-psnr').textContent()).toMatch(/^\d+\.\d dB$/);
    await page.getByTestId('train-preview').waitFor();

    // The run trains exactly the planned epochs: one validation point (and PSNR) per epoch. A run
    // that measured itself faster than its probe raised them, and the plan line says so.
    await expect.poll(() => page.getByTestId('train-status').getAttribute('data-status'), { timeout: 180_000, interval: 500 }).toBe('completed');
    const finalText = (await plan.textContent()) ?? '';
    const final = Number(/\((\d+) epochs?/.exec(finalText)![1]);
    if (final !== planned) expect(finalText).toMatch(/(raised|lowered) from \d+ after epoch \d+, (faster than first measured|slower than measured earlier)\)/);
    expect(final).toBeGreaterThanOrEqual(planned);
    expect(Number(await charts.getAttribute('data-psnr-points'))).toBe(final);
    expect(Number(await charts.getAttribute('data-val-points'))).toBe(final);
    // The run's plan stands in for the estimate until the settings change.
    expect(await estimate.count()).toBe(0);
    await page.getByTestId('chart-psnr').scrollIntoViewIfNeeded();
    await screenshot(page, 'ui-train-budget-02-trained');
    await page.getByTestId('preset-balanced').click();
    await expect.poll(() => estimate.getAttribute('data-status'), { timeout: 120_000, interval: 250 }).toBe('ready');
    expect(await estimate.textContent()).toMatch(new RegExp(`About \\d+ min on ${good.length} images`));
    expect(errors).toEqual([]);
    await page.close();
  });
});
