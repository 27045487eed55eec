import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { screenshot } from '../helpers/browser';
import { importSmall, openApp, setSmallTraining, startUiSession, writeImageFolder, type UiSession } from '../helpers/ui-app';
import type { PageGlobals } from '../helpers/ui-dom';
import { waitForTitle } from '../helpers/ui-project';

/**
 * Everything derived from a model belongs to that model and its images: a new project, an
 * opened one and an import into a trained project take the old scatter, legend, hover,
 * samples and A/B ends off screen, and the import asks first.
 */
let session: UiSession;
beforeAll(async () => {
  session = await startUiSession();
});
afterAll(() => session?.close());

type Hooks = { points: number; screenPosition(i: number): { x: number; y: number } | null; pick(x: number, y: number): number };
const pointCount = (page: Page) => page.evaluate(() => ((globalThis as unknown as PageGlobals).window.__latentAtlas as Hooks).points);

/** A point a hover lands on unambiguously, in page coordinates. */
async function pickablePoint(page: Page): Promise<{ index: number; x: number; y: number }> {
  const box = (await page.getByTestId('latent-canvas').boundingBox())!;
  const found = await page.evaluate(() => {
    const h = (globalThis as unknown as PageGlobals).window.__latentAtlas as Hooks;
    for (let i = 0; i < h.points; i++) {
      const p = h.screenPosition(i);
      if (p && p.x > 40 && p.y > 140 && p.x < 600 && p.y < 600 && h.pick(p.x, p.y) === i) return { index: i, x: p.x, y: p.y };
    }
    return null;
  });
  expect(found).not.toBeNull();
  return { index: found!.index, x: box.x + found!.x, y: box.y + found!.y };
}

async function setEnd(page: Page, which: 'a' | 'b', imageNumber: number) {
  const field = page.getByTestId(`end-${which}-index`);
  await field.fill(String(imageNumber));
  await field.blur();
}

describe('what a model leaves on screen', () => {
  it('goes away with a new project, comes back with its own project, and an import into a trained project asks first', { timeout: 480_000 }, async () => {
    const first = path.join(session.tmp, 'first-images');
    const second = path.join(session.tmp, 'second-images');
    await writeImageFolder(first, 48, 16);
    await writeImageFolder(second, 30, 16);
    const { page, errors } = await openApp(session);
    await page.getByTestId('first-run-project-name').fill('Scope A');
    await page.getByTestId('first-run-import').click();
    await waitForTitle(page, 'Scope A — Latent Atlas');
    await importSmall(page, first);
    await setSmallTraining(page, 2);
    await page.getByTestId('train-start').click();
    await page.getByTestId('scatter-count').waitFor({ timeout: 300_000 });
    expect(await pointCount(page)).toBe(48);

    // Samples, A/B ends and a hover: all of them belong to this model and these images.
    await page.getByTestId('rail-generate').click();
    await page.getByTestId('gen-sample').click();
    await page.getByTestId('gen-grid').waitFor({ timeout: 60_000 });
    await page.getByTestId('rail-interpolate').click();
    await setEnd(page, 'a', 1);
    await setEnd(page, 'b', 5);
    await page.getByTestId('rail-explore').click();
    const point = await pickablePoint(page);
    await page.mouse.move(point.x, point.y);
    await page.getByTestId('hover-tooltip').waitFor();
    await page.mouse.move(5, 5);
    expect(await page.getByTestId('legend').count()).toBe(1);

    // New project: an empty scene that says what to do next; no points to hover, no legend.
    await page.getByTestId('project-new').click();
    await page.getByTestId('project-name').fill('Scope B');
    await page.getByTestId('project-submit').click();
    await waitForTitle(page, 'Scope B — Latent Atlas');
    await expect.poll(() => pointCount(page), { timeout: 10_000 }).toBe(0);
    expect(await page.getByTestId('legend').count()).toBe(0);
    expect(await page.getByTestId('run-result').count()).toBe(0);
    expect(await page.getByTestId('scene-empty').getAttribute('data-state')).toBe('empty');
    expect(await page.getByTestId('scene-empty').textContent()).toContain('Import images in Dataset (1)');
    await page.mouse.move(point.x, point.y);
    await page.mouse.move(point.x + 1, point.y + 1);
    await page.waitForTimeout(300); // hover is handled on the next frame; there is nothing under the pointer
    expect(await page.getByTestId('hover-tooltip').count()).toBe(0);
    await page.mouse.move(5, 5);
    await screenshot(page, 'ui-scope-01-new-project-empty');

    // Back to the trained project: its own map again, none of the old samples or ends.
    await page.getByTestId('project-open').click();
    await page.getByTestId('project-dialog').getByTestId('recent-item').filter({ hasText: 'Scope A' }).click();
    await waitForTitle(page, 'Scope A — Latent Atlas');
    await page.getByTestId('scatter-count').waitFor({ timeout: 120_000 });
    expect(await pointCount(page)).toBe(48);
    await page.getByTestId('rail-generate').click();
    expect(await page.getByTestId('gen-grid').count()).toBe(0);
    await page.getByTestId('rail-interpolate').click();
    expect(await page.getByTestId('end-a-index').inputValue()).toBe('');
    await setEnd(page, 'a', 2);
    await setEnd(page, 'b', 40);
    await page.getByTestId('rail-generate').click();
    await page.getByTestId('gen-sample').click();
    await page.getByTestId('gen-grid').waitFor({ timeout: 60_000 });

    // Importing other images into the trained project asks first; Cancel changes nothing.
    await page.getByTestId('rail-dataset').click();
    await page.getByTestId('folder-path').fill(second);
    await page.getByTestId('import-path').click();
    const dialog = page.getByTestId('confirm-dialog');
    await dialog.waitFor();
    expect(await page.getByTestId('confirm-message').textContent()).toMatch(
      /trained model \(run run-[\w-]+, 2 epochs\).*The model stays in the project, but its map, neighbours, samples and paths belong to the old images/,
    );
    await screenshot(page, 'ui-scope-02-import-confirm');
    await page.emulateMedia({ colorScheme: 'light' });
    await screenshot(page, 'ui-scope-02b-import-confirm-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.getByTestId('confirm-cancel').click();
    expect(await dialog.count()).toBe(0);
    expect(await page.getByTestId('dataset-count').textContent()).toContain('48 images');
    expect(await pointCount(page)).toBe(48);
    expect(await page.getByTestId('run-result').count()).toBe(1);
    // Esc answers Cancel too.
    await page.getByTestId('import-path').click();
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    expect(await dialog.count()).toBe(0);
    expect(await pointCount(page)).toBe(48);

    // Going ahead: the new images, and nothing of the old model's map, samples or ends.
    await page.getByTestId('import-path').click();
    await page.getByTestId('confirm-ok').click();
    await page.getByTestId('import-report').waitFor({ timeout: 60_000 });
    await expect.poll(() => page.getByTestId('dataset-count').textContent(), { timeout: 20_000 }).toContain('30 images');
    await expect.poll(() => pointCount(page), { timeout: 10_000 }).toBe(0);
    expect(await page.getByTestId('run-result').count()).toBe(0);
    expect(await page.getByTestId('legend').count()).toBe(0);
    expect(await page.getByTestId('scene-empty').getAttribute('data-state')).toBe('untrained');
    expect(await page.getByTestId('rail-generate').getAttribute('aria-disabled')).toBe('true');
    await screenshot(page, 'ui-scope-03-imported-untrained');

    // Reopened, the project still shows no map: its model was trained on the old images.
    await page.getByTestId('project-new').click();
    await page.getByTestId('project-name').fill('Scope C');
    await page.getByTestId('project-submit').click();
    await waitForTitle(page, 'Scope C — Latent Atlas');
    await page.getByTestId('project-open').click();
    await page.getByTestId('project-dialog').getByTestId('recent-item').filter({ hasText: 'Scope A' }).click();
    await waitForTitle(page, 'Scope A — Latent Atlas');
    await page.getByTestId('rail-dataset').click();
    await expect.poll(() => page.getByTestId('dataset-count').textContent(), { timeout: 20_000 }).toContain('30 images');
    expect(await page.getByTestId('scene-empty').getAttribute('data-state')).toBe('untrained');
    expect(await page.getByTestId('scatter-error').count()).toBe(0);
    expect(await pointCount(page)).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });
});
