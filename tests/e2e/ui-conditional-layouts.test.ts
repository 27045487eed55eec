import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { writeTwoKinds } from '../fixtures/two-kinds';
import { screenshot } from '../helpers/browser';
import { importSmall, openApp, setSmallTraining, startUiSession, type UiSession } from '../helpers/ui-app';
import { waitForTitle } from '../helpers/ui-project';
import { imagePixels, type PageGlobals } from '../helpers/ui-dom';

/**
 * Issue 15's last pieces on one conditional model trained in the real UI: the attribute strip is
 * decoded as the label chosen (the image's own by default); "Model trained" names the layout
 * shown; click-to-decode works under both linear layouts (PCA, chosen dimensions) and, under
 * UMAP and t-SNE, says why a click on empty space cannot be decoded instead of doing nothing.
 */
let session: UiSession;
let page: Page;
let errors: string[];
beforeAll(async () => {
  session = await startUiSession();
});
afterAll(() => session?.close());

type Hooks = { screenPosition(i: number): { x: number; y: number } | null; points: number };
const screenPositions = (p: Page) =>
  p.evaluate(() => {
    const h = (globalThis as unknown as PageGlobals).window.__latentAtlas as Hooks;
    return Array.from({ length: h.points }, (_, i) => h.screenPosition(i));
  });

/** A spot in the middle of the canvas (away from the overlays at its edges) as far as possible from every point on screen. */
async function emptySpot(p: Page): Promise<{ x: number; y: number }> {
  const box = (await p.getByTestId('latent-canvas').boundingBox())!;
  const points = (await screenPositions(p)).filter((q): q is { x: number; y: number } => q !== null);
  let best = { x: box.width / 2, y: box.height / 2, d: -1 };
  for (let gx = 0.35; gx <= 0.65; gx += 0.025)
    for (let gy = 0.35; gy <= 0.65; gy += 0.025) {
      const x = box.width * gx;
      const y = box.height * gy;
      const d = Math.min(...points.map((q) => Math.hypot(q.x - x, q.y - y)));
      if (d > best.d) best = { x, y, d };
    }
  expect(best.d).toBeGreaterThan(8); // far enough from any point that the click cannot pick one
  return { x: box.x + best.x, y: box.y + best.y };
}

/** The blob URL of the attribute strip (every cell shows part of it). */
async function stripUrl(p: Page): Promise<string> {
  const style = (await p.getByTestId('attribute-cell').first().getAttribute('style')) ?? '';
  return /url\("?([^")]+)"?\)/.exec(style)?.[1] ?? '';
}

describe('a conditional model across layouts', () => {
  it('trains conditional in a project; the attribute strip is decoded as the chosen label, by default the image’s own', { timeout: 600_000 }, async () => {
    const folder = path.join(session.tmp, 'kinds');
    await writeTwoKinds(folder, 20);
    ({ page, errors } = await openApp(session));
    await page.getByTestId('first-run-project-name').fill('Labels');
    await page.getByTestId('first-run-import').click();
    await waitForTitle(page, 'Labels — Latent Atlas');
    await importSmall(page, folder);
    await setSmallTraining(page, 4);
    await page.getByTestId('set-conditional').check();
    await page.getByTestId('train-start').click();
    await page.getByTestId('scatter-count').waitFor({ timeout: 300_000 });
    await expect.poll(() => page.getByTestId('conditional-map-note').textContent()).toContain('Conditional on 2 labels');

    // Two selections by file name: the shields and the plain ones.
    await page.getByTestId('rail-explore').click();
    for (const kind of ['shield', 'plain']) {
      await page.getByTestId('explore-search').fill(kind);
      await expect.poll(() => page.getByTestId('selection-save').textContent(), { timeout: 30_000 }).toBe('Save all 20 matches as a selection');
      await page.getByTestId('selection-save').click();
    }
    await expect.poll(() => page.getByTestId('saved-selections-item').count()).toBe(2);
    // A plain image to apply "shield minus plain" to: the first match. The list keeps its height
    // in a panel this full (it was squashed to nothing, its items under the search field).
    expect((await page.getByTestId('search-results').boundingBox())!.height).toBeGreaterThan(200);
    await page.getByTestId('search-result').first().click();
    await screenshot(page, 'ui-conditional-layouts-00-search-results');
    await expect.poll(() => page.getByTestId('attribute-apply').textContent()).toMatch(/Apply to image #\d+/);
    await page.getByTestId('attribute-with').selectOption({ label: '“shield” (20)' });
    await page.getByTestId('attribute-without').selectOption({ label: '“plain” (20)' });

    // The label choice: the image's own by default, then each of the model's labels.
    const labelSelect = page.getByTestId('attribute-label');
    expect(await labelSelect.locator('option').allTextContents()).toEqual(['its own label (plain)', 'plain', 'shield']);
    await page.getByTestId('attribute-apply').click();
    await expect.poll(() => page.getByTestId('attribute-decoded-as').textContent(), { timeout: 60_000 }).toBe('its own label');
    const ownStrip = await imagePixels(page, await stripUrl(page));

    await labelSelect.selectOption('shield');
    await page.getByTestId('attribute-apply').click();
    await expect.poll(() => page.getByTestId('attribute-decoded-as').textContent(), { timeout: 60_000 }).toBe('shield');
    const shieldStrip = await imagePixels(page, await stripUrl(page));
    expect(await page.getByTestId('attribute-cell').count()).toBe(8);
    await page.getByTestId('attribute-result').scrollIntoViewIfNeeded();
    await screenshot(page, 'ui-conditional-layouts-01-attribute-as-shield');

    await labelSelect.selectOption('plain');
    await page.getByTestId('attribute-apply').click();
    await expect.poll(() => page.getByTestId('attribute-decoded-as').textContent(), { timeout: 60_000 }).toBe('plain');
    const plainStrip = await imagePixels(page, await stripUrl(page));
    // The same z path decoded as two labels gives different pictures; the image's own label is "plain".
    expect(shieldStrip.length).toBe(plainStrip.length);
    expect(shieldStrip.filter((v, k) => Math.abs(v - plainStrip[k]) > 2).length).toBeGreaterThan(shieldStrip.length / 50);
    expect(ownStrip).toEqual(plainStrip);
    expect(errors).toEqual([]);
  });

  it('"Model trained" names the layout shown, and click-to-decode works under PCA and chosen dimensions and says why not under UMAP and t-SNE', { timeout: 600_000 }, async () => {
    const layoutText = () => page.getByTestId('scatter-layout').textContent();
    expect(await layoutText()).toMatch(/^PCA, \d+% of the variance$/);
    expect(await page.getByTestId('scatter-status').textContent()).toContain('the sphere is the prior');

    // Explore: switch the layout; the card follows.
    await page.getByTestId('rail-explore').click();
    await page.getByTestId('layout-umap').click();
    await page.getByTestId('layout-info').waitFor({ timeout: 180_000 });
    await expect.poll(layoutText).toBe('UMAP layout: nearby points are similar images');
    expect(await page.getByTestId('scatter-status').textContent()).not.toContain('sphere');
    await screenshot(page, 'ui-conditional-layouts-02-card-umap');

    // Generate under UMAP: the note says why a click cannot be decoded, and a click on empty space decodes nothing.
    await page.getByTestId('rail-generate').click();
    await page.getByTestId('gen-decode-click').check();
    expect(await page.getByTestId('gen-decode-note').textContent()).toContain('UMAP is a nonlinear map with no inverse, so a click on empty space cannot be decoded');
    const umapSpot = await emptySpot(page);
    await page.mouse.click(umapSpot.x, umapSpot.y);
    await page.getByTestId('gen-decode-note').scrollIntoViewIfNeeded();
    await screenshot(page, 'ui-conditional-layouts-03-generate-umap-note');
    expect(await page.getByTestId('gen-decoded').count()).toBe(0);

    // t-SNE: the card and the note name it.
    await page.getByTestId('rail-explore').click();
    await page.getByTestId('layout-tsne').click();
    await expect.poll(layoutText, { timeout: 180_000 }).toBe('t-SNE layout: nearby points are similar images');
    await page.getByTestId('rail-generate').click();
    expect(await page.getByTestId('gen-decode-note').textContent()).toContain('t-SNE is a nonlinear map with no inverse');

    // Chosen dimensions: linear, so a click maps back (the other dimensions at their mean) and decodes.
    await page.getByTestId('rail-explore').click();
    await page.getByTestId('layout-dims').click();
    await expect.poll(layoutText, { timeout: 60_000 }).toBe('latent dimensions z0, z1, z2');
    await page.getByTestId('layout-dim-x').selectOption('3');
    await expect.poll(layoutText, { timeout: 60_000 }).toBe('latent dimensions z3, z1, z2');
    await page.getByTestId('rail-generate').click();
    expect(await page.getByTestId('gen-decode-note').textContent()).toContain('The click sets z3, z1, z2; the other dimensions stay at their mean.');
    const dimsSpot = await emptySpot(page);
    await page.mouse.click(dimsSpot.x, dimsSpot.y);
    await page.getByTestId('gen-decoded').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('gen-decoded').textContent()).toMatch(/at \(-?[\d.]+, -?[\d.]+, -?[\d.]+\)/);
    await page.getByTestId('gen-decoded').scrollIntoViewIfNeeded();
    await screenshot(page, 'ui-conditional-layouts-04-generate-dims-decoded');

    // Back under UMAP the note offers PCA; taking it makes a click decode again.
    await page.getByTestId('rail-explore').click();
    await page.getByTestId('layout-umap').click();
    await expect.poll(layoutText, { timeout: 60_000 }).toBe('UMAP layout: nearby points are similar images');
    await page.getByTestId('rail-generate').click();
    const before = await page.getByTestId('gen-decoded').textContent();
    await page.getByTestId('gen-decode-use-pca').click();
    await expect.poll(layoutText, { timeout: 60_000 }).toMatch(/^PCA, \d+% of the variance$/);
    expect(await page.getByTestId('gen-decode-note').textContent()).toContain('along the 3 PCA directions');
    const pcaSpot = await emptySpot(page);
    await page.mouse.click(pcaSpot.x, pcaSpot.y);
    await expect.poll(() => page.getByTestId('gen-decoded').textContent(), { timeout: 60_000 }).not.toBe(before);
    await page.getByTestId('gen-decoded').scrollIntoViewIfNeeded();
    await page.emulateMedia({ colorScheme: 'light' });
    await screenshot(page, 'ui-conditional-layouts-05-generate-pca-light');
    expect(errors).toEqual([]);
  });
});
