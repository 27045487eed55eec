import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { screenshot } from '../helpers/browser';
import { importSmall, openApp, setSmallTraining, startUiSession, writeImageFolder, type UiSession } from '../helpers/ui-app';
import type { PageGlobals } from '../helpers/ui-dom';

/**
 * Layouts on a really trained model: Explore switches from PCA to UMAP (computed by the engine,
 * with progress), the points move there, the ellipsoid controls give way to the reason they
 * are gone, and the prior sphere is hidden; switching back to PCA puts every point back where
 * it was and brings the ellipsoids back.
 */
let session: UiSession;
beforeAll(async () => {
  session = await startUiSession();
});
afterAll(() => session?.close());

type Hooks = {
  position(i: number): [number, number, number];
  priorVisible(): boolean;
  layoutState(): { layout: string; pending: string | null; count: number };
  points: number;
};
const hooks = <T>(page: Page, fn: (h: Hooks) => T) =>
  page.evaluate((body) => new Function('h', `return (${body})(h)`)((globalThis as unknown as PageGlobals).window.__latentAtlas), fn.toString()) as Promise<T>;

const allPositions = (page: Page) => hooks(page, (h) => Array.from({ length: h.points }, (_, i) => h.position(i)));

describe('layouts in the explorer', () => {
  it('switches to UMAP and back to PCA', { timeout: 480_000 }, async () => {
    const folder = `${session.tmp}/layout-sprites`;
    await writeImageFolder(folder, 40, 16);
    const { page, errors } = await openApp(session, { colorScheme: 'light' });
    await importSmall(page, folder);
    await setSmallTraining(page, 2);
    await page.getByTestId('train-start').click();
    await page.getByTestId('scatter-count').waitFor({ timeout: 300_000 });
    await page.getByTestId('rail-explore').click();
    await page.getByTestId('panel-explore').waitFor();
    expect(await page.getByTestId('layout-pca').getAttribute('aria-checked')).toBe('true');
    await page.getByTestId('ellipsoids-0').click();
    const pca = await allPositions(page);
    expect(await hooks(page, (h) => h.priorVisible())).toBe(true);

    await page.getByTestId('layout-umap').click();
    await page.getByTestId('layout-info').waitFor({ timeout: 180_000 });
    expect(await page.getByTestId('layout-info').textContent()).toMatch(/^UMAP of the 40 posterior means, seed 0, computed in [\d.]+ s/);
    expect(await page.getByTestId('layout-umap').getAttribute('aria-checked')).toBe('true');
    // Ellipsoids give way to the reason; the prior sphere goes.
    expect(await page.getByTestId('ellipsoids-unavailable').textContent()).toContain('no honest shape');
    expect(await page.getByTestId('ellipsoids-0').count()).toBe(0);
    expect(await hooks(page, (h) => h.priorVisible())).toBe(false);
    expect(await page.getByTestId('layout-note').textContent()).toContain('UMAP layout');
    // The points animate to the UMAP map: centred at RMS radius 2, unlike the PCA cloud.
    const rms = (ps: [number, number, number][]) => Math.sqrt(ps.reduce((a, p) => a + p[0] ** 2 + p[1] ** 2 + p[2] ** 2, 0) / ps.length);
    await expect.poll(async () => rms(await allPositions(page)), { timeout: 30_000 }).toBeCloseTo(2, 2);
    const umap = await allPositions(page);
    expect(umap.some((p, i) => Math.hypot(p[0] - pca[i][0], p[1] - pca[i][1], p[2] - pca[i][2]) > 0.1)).toBe(true);
    await page.mouse.move(5, 5);
    await page.waitForTimeout(300);
    await screenshot(page, 'ui-explore-layouts-01-umap');

    // Back to PCA: every point returns to where it was, ellipsoids and the prior come back.
    await page.getByTestId('layout-pca').click();
    await page.getByTestId('explore-explained').waitFor({ timeout: 60_000 });
    await expect
      .poll(
        async () => {
          const now = await allPositions(page);
          return Math.max(...now.map((p, i) => Math.hypot(p[0] - pca[i][0], p[1] - pca[i][1], p[2] - pca[i][2])));
        },
        { timeout: 30_000 },
      )
      .toBeLessThan(1e-4);
    expect(await page.getByTestId('ellipsoids-unavailable').count()).toBe(0);
    await page.getByTestId('ellipsoids-0').waitFor();
    expect(await hooks(page, (h) => h.priorVisible())).toBe(true);

    // UMAP again comes from the cache: same seed, same weights, same map.
    await page.getByTestId('layout-umap').click();
    await expect.poll(() => page.getByTestId('layout-info').textContent(), { timeout: 60_000 }).toContain('kept from an earlier run');
    await expect
      .poll(
        async () => {
          const now = await allPositions(page);
          return Math.max(...now.map((p, i) => Math.hypot(p[0] - umap[i][0], p[1] - umap[i][1], p[2] - umap[i][2])));
        },
        { timeout: 30_000 },
      )
      .toBeLessThan(1e-4);
    await page.getByTestId('layout-pca').click();
    await page.getByTestId('explore-explained').waitFor({ timeout: 60_000 });
    await screenshot(page, 'ui-explore-layouts-02-back-to-pca');

    // Chosen dimensions: a linear layout too (ellipsoids stay); the axes can be changed.
    await page.getByTestId('layout-dims').click();
    await expect.poll(() => page.getByTestId('explore-explained').textContent(), { timeout: 60_000 }).toMatch(/Axes are latent dimensions z0, z1, z2/);
    await page.getByTestId('layout-dim-x').selectOption('3');
    await expect.poll(() => page.getByTestId('explore-explained').textContent(), { timeout: 60_000 }).toMatch(/Axes are latent dimensions z3, z1, z2/);
    await page.getByTestId('ellipsoids-0').waitFor();
    await page.getByTestId('layout-pca').click();
    await expect.poll(() => page.getByTestId('explore-explained').textContent(), { timeout: 60_000 }).toMatch(/^PCA of 4 latent dimensions/);

    // Images as sprites: legible at the default framing, and the size slider scales them.
    await page.getByTestId('show-sprites').click();
    await expect.poll(() => page.getByTestId('sprite-atlases').textContent(), { timeout: 30_000 }).toContain('40 images in 1 texture atlas');
    const slider = page.getByTestId('sprite-size');
    expect(Number(await slider.inputValue())).toBe(32);
    await page.waitForTimeout(300);
    await screenshot(page, 'ui-explore-layouts-03-sprites-32px');
    await slider.fill('64');
    await expect.poll(() => page.getByTestId('panel-explore').textContent()).toContain('64 px');
    await page.waitForTimeout(300);
    await screenshot(page, 'ui-explore-layouts-04-sprites-64px');
    expect(errors).toEqual([]);
    await page.close();
  });
});
