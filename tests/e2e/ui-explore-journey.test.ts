import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWithPixi } from '../helpers/pixi';
import { nonBackgroundShare } from '../helpers/pixels';
import { existsSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { screenshot } from '../helpers/browser';
import { importSmall, openApp, setSmallTraining, startUiSession, writeImageFolder, type UiSession } from '../helpers/ui-app';
import { imagePixels, type PageGlobals } from '../helpers/ui-dom';

/**
 * The Explorer journey after training a small model: hover a point (the tooltip names its
 * file), toggle ellipsoids, colour by KL, select an image (neighbours in the inspector), show
 * sprites, pick A and B in 3D, interpolate with each method (frames appear, the path is
 * drawn), generate a grid and a traversal, decode a clicked point, export a sprite sheet,
 * check the files on disk, and load the atlas with PixiJS's Spritesheet.
 */
let session: UiSession;
beforeAll(async () => {
  session = await startUiSession();
});
afterAll(() => session?.close());

type Hooks = {
  screenPosition(i: number): { x: number; y: number } | null;
  pick(x: number, y: number): number;
  renderInfo(): { calls: number };
  pathCount(): number;
  setSpriteAtlasLimit(px: number): void;
  points: number;
};
const hooks = <T>(page: Page, fn: (h: Hooks, arg: number) => T, arg = 0) =>
  page.evaluate(({ body, arg }) => new Function('h', 'arg', `return (${body})(h, arg)`)((globalThis as unknown as PageGlobals).window.__latentAtlas, arg), { body: fn.toString(), arg }) as Promise<T>;

/** Two images that a click lands on unambiguously, well apart on screen, in page coordinates. */
async function twoPickablePoints(page: Page): Promise<{ index: number; x: number; y: number }[]> {
  const box = (await page.getByTestId('latent-canvas').boundingBox())!;
  const found = await hooks(page, (h) => {
    const out: { index: number; x: number; y: number }[] = [];
    for (let i = 0; i < h.points && out.length < 2; i++) {
      const p = h.screenPosition(i);
      if (!p || p.x < 40 || p.y < 140 || p.x > 600 || p.y > 600) continue;
      if (h.pick(p.x, p.y) !== i) continue;
      if (out.some((q) => Math.hypot(q.x - p.x, q.y - p.y) < 30)) continue;
      out.push({ index: i, x: p.x, y: p.y });
    }
    return out;
  });
  expect(found).toHaveLength(2);
  return found.map((p) => ({ index: p.index, x: box.x + p.x, y: box.y + p.y }));
}

describe('explorer journey', () => {
  it('explores, interpolates, generates and exports a sprite sheet that PixiJS loads', { timeout: 480_000 }, async () => {
    const folder = path.join(session.tmp, 'sprites');
    await writeImageFolder(folder, 48, 16);
    const { page, errors } = await openApp(session);
    await importSmall(page, folder);
    // A small model: a few epochs on 48 images of 16x16.
    await setSmallTraining(page, 4);
    await page.getByTestId('train-start').click();
    await page.getByTestId('scatter-count').waitFor({ timeout: 300_000 });
    expect(await hooks(page, (h) => h.points)).toBe(48);
    expect(await page.getByTestId('scatter-status').textContent()).toMatch(/^48 images as points \(PCA, \d+% of the variance\); the legend/);

    // Explore: hover a point; the tooltip shows its file, mu and sigma.
    await page.getByTestId('rail-explore').click();
    await page.getByTestId('panel-explore').waitFor();
    expect(await page.getByTestId('explore-explained').textContent()).toMatch(/explain [\d.]+% of the variance/);
    const [p1, p2] = await twoPickablePoints(page);
    await page.mouse.move(p1.x, p1.y);
    const tooltip = page.getByTestId('hover-tooltip');
    await tooltip.waitFor();
    expect(Number(await tooltip.getAttribute('data-index'))).toBe(p1.index);
    await expect.poll(() => page.getByTestId('hover-name').textContent()).toMatch(/^img-\d{3}\.png$/);
    expect(await page.getByTestId('hover-sigma').textContent()).toMatch(/σ axes [\d.]+, [\d.]+, [\d.]+/);
    expect(await page.getByTestId('hover-mu').textContent()).toMatch(/μ \(-?[\d.]+, -?[\d.]+, -?[\d.]+\)/);

    // Orbit by dragging moves the points on screen; Reset view (R) puts the camera back. Watched
    // on the point farthest from the view's centre (a point near the orbit's centre barely moves).
    const canvasBox = (await page.getByTestId('latent-canvas').boundingBox())!;
    const centre = { x: canvasBox.width / 2, y: canvasBox.height / 2 }; // screenPosition is in canvas pixels
    let watched = { index: p1.index, r: -1 };
    for (let i = 0; i < 48; i++) {
      const q = await hooks(page, (h, k) => h.screenPosition(k), i);
      if (q && Math.hypot(q.x - centre.x, q.y - centre.y) > watched.r) watched = { index: i, r: Math.hypot(q.x - centre.x, q.y - centre.y) };
    }
    const home = (await hooks(page, (h, i) => h.screenPosition(i), watched.index))!;
    await page.mouse.move(canvasBox.x + 40, canvasBox.y + canvasBox.height - 40);
    await page.mouse.down();
    await page.mouse.move(canvasBox.x + 240, canvasBox.y + canvasBox.height - 90, { steps: 8 });
    await page.mouse.up();
    const away = async () => {
      const now = (await hooks(page, (h, i) => h.screenPosition(i), watched.index))!;
      return Math.hypot(now.x - home.x, now.y - home.y);
    };
    await expect.poll(away).toBeGreaterThan(10);
    await page.getByTestId('reset-view').click();
    await expect.poll(away).toBeLessThan(1);
    await screenshot(page, 'ui-explore-01-hover');

    // Ellipsoids: one more draw call, whatever the count; the legend names the level.
    await page.mouse.move(5, 5); // off the view: no hover marker
    await expect.poll(() => page.getByTestId('hover-tooltip').count()).toBe(0);
    const before = (await hooks(page, (h) => h.renderInfo())).calls;
    await page.getByTestId('ellipsoids-2').click();
    // By default only the hovered and selected images' ellipsoids are drawn; ask for all of them.
    await page.getByTestId('ellipsoid-scope-all').click();
    expect((await hooks(page, (h) => h.renderInfo())).calls).toBe(before + 1);
    expect(await page.getByTestId('ellipsoid-note').textContent()).toContain('95%');
    await page.getByTestId('colour-kl').check();
    expect(await page.getByTestId('legend').getAttribute('data-kind')).toBe('ramp');
    await screenshot(page, 'ui-explore-02-ellipsoids-kl');

    // Click selects: the inspector shows the file and its nearest neighbours.
    await page.mouse.click(p1.x, p1.y);
    await expect.poll(() => page.getByTestId('inspector-name').textContent()).toMatch(/^img-\d{3}\.png$/);
    await expect.poll(() => page.getByTestId('neighbour').count()).toBe(8);

    // Search by file name.
    await page.getByTestId('explore-search').fill('img-04');
    await expect.poll(() => page.getByTestId('search-result').count(), { timeout: 30_000 }).toBe(8); // img-040..047
    await screenshot(page, 'ui-explore-03-selected-search');

    // Images as sprites (texture atlases), then back to points.
    await page.getByTestId('show-sprites').click();
    await expect.poll(() => page.getByTestId('sprite-atlases').textContent(), { timeout: 30_000 }).toContain('48 images in 1 texture atlas');
    await page.mouse.move(5, 5);
    await page.waitForTimeout(200);
    await screenshot(page, 'ui-explore-04-sprites');
    await page.getByTestId('show-points').click();
    // A GPU with small textures: the same images spill into several atlases, one draw call each.
    const pointsCalls = (await hooks(page, (h) => h.renderInfo())).calls;
    await hooks(page, (h) => h.setSpriteAtlasLimit(64));
    await page.getByTestId('show-sprites').click();
    await expect.poll(() => page.getByTestId('sprite-atlases').textContent(), { timeout: 30_000 }).toMatch(/48 images in \d+ texture atlases/);
    const atlasCount = Number(/in (\d+) texture/.exec((await page.getByTestId('sprite-atlases').textContent())!)![1]);
    expect(atlasCount).toBeGreaterThan(1);
    expect((await hooks(page, (h) => h.renderInfo())).calls).toBe(pointsCalls - 1 + atlasCount); // the points hide, each atlas draws
    await page.mouse.move(5, 5);
    await expect.poll(async () => nonBackgroundShare(await page.getByTestId('latent-canvas').screenshot())).toBeGreaterThan(0.005);
    await screenshot(page, 'ui-explore-04b-sprites-several-atlases');
    await page.getByTestId('show-points').click();
    await hooks(page, (h) => h.setSpriteAtlasLimit(4096));
    await page.getByTestId('ellipsoids-off').click();

    // Interpolate: A and B picked in 3D, then every method.
    await page.getByTestId('rail-interpolate').click();
    await page.mouse.click(p1.x, p1.y);
    await page.mouse.click(p2.x, p2.y);
    expect(await page.getByTestId('end-a-index').inputValue()).toBe(String(p1.index + 1));
    expect(await page.getByTestId('end-b-index').inputValue()).toBe(String(p2.index + 1));
    await page.getByTestId('interp-frames').fill('8');
    const lengths: Record<string, number> = {};
    for (const method of ['linear', 'slerp', 'geodesic']) {
      await page.getByTestId('interp-method').selectOption(method);
      await page.getByTestId('interp-run').click();
      await expect.poll(() => page.getByTestId('interp-player').getAttribute('data-method'), { timeout: 120_000 }).toBe(method);
      expect(await page.getByTestId('interp-cell').count()).toBe(8);
      lengths[method] = Number((await page.getByTestId(`interp-length-${method}`).locator('td').nth(1).textContent())!);
      expect(lengths[method]).toBeGreaterThan(0);
      await screenshot(page, `ui-explore-05-interpolate-${method}`);
    }
    expect(await hooks(page, (h) => h.pathCount())).toBe(3);
    console.log(`image-space lengths: ${JSON.stringify(lengths)}`);
    // Scrub and play.
    await page.getByTestId('interp-cell').nth(4).click();
    expect(await page.getByTestId('interp-scrubber').inputValue()).toBe('4');
    await page.getByTestId('interp-play').click();
    await expect.poll(() => page.getByTestId('interp-scrubber').inputValue()).not.toBe('4');
    await page.getByTestId('interp-play').click();

    // Generate: a prior grid with the memorisation check, a traversal, a decoded click.
    await page.getByTestId('rail-generate').click();
    await page.getByTestId('gen-sample').click();
    await expect.poll(() => page.getByTestId('gen-cell').count(), { timeout: 60_000 }).toBe(16);
    // The mean images are smooth; "Sample pixel noise" draws from p(x|z): the default decoder is
    // a calibrated Gaussian, so every pixel gets its own noise and nearly all values change.
    const meanStrip = await stripUrl(page, 'gen-cell');
    expect(await shareBetween(page, meanStrip)).toBeGreaterThan(0.3);
    const meanPixels = await imagePixels(page, meanStrip);
    await page.getByTestId('gen-pixel-noise').check();
    await page.getByTestId('gen-sample').click();
    await expect.poll(() => stripUrl(page, 'gen-cell'), { timeout: 60_000 }).not.toBe(meanStrip);
    const noisyPixels = await imagePixels(page, await stripUrl(page, 'gen-cell'));
    expect(noisyPixels.length).toBe(meanPixels.length);
    expect(shareChanged(meanPixels, noisyPixels)).toBeGreaterThan(0.5);
    await page.getByTestId('gen-pixel-noise').uncheck();
    // The hierarchy's fitted samples take their fine detail from the nearest training sprite by
    // default; "the model" draws the same z with the model's own detail: another grid.
    expect(await page.getByTestId('gen-detail-from').inputValue()).toBe('nearest');
    const nearestStrip = await stripUrl(page, 'gen-cell');
    await page.getByTestId('gen-detail-from').selectOption('model');
    await page.getByTestId('gen-sample').click();
    await expect.poll(() => stripUrl(page, 'gen-cell'), { timeout: 60_000 }).not.toBe(nearestStrip);
    await page.getByTestId('gen-detail-from').selectOption('nearest');
    // The prior N(0, I) of a hierarchical model: the panel says what its samples look like (and
    // the detail source, which only the fitted prior has, goes away); nothing of it under the fitted prior.
    expect(await page.getByTestId('gen-prior-hint').count()).toBe(0);
    await page.getByTestId('gen-prior').selectOption('standard');
    expect(await page.getByTestId('gen-prior-hint').textContent()).toContain('fragments');
    expect(await page.getByTestId('gen-detail-from').count()).toBe(0);
    await screenshot(page, 'ui-explore-06-generate-prior-hint');
    await page.getByTestId('gen-prior').selectOption('fitted');
    expect(await page.getByTestId('gen-prior-hint').count()).toBe(0);
    // Reseed draws new latents: the seed moves on and the grid is replaced.
    const beforeReseed = await stripUrl(page, 'gen-cell');
    await page.getByTestId('gen-reseed').click();
    await expect.poll(() => stripUrl(page, 'gen-cell'), { timeout: 60_000 }).not.toBe(beforeReseed);
    expect(await page.getByTestId('panel-generate').textContent()).toContain('seed 1');
    expect(await page.getByTestId('gen-nearest').count()).toBe(16);
    await page.getByTestId('trav-run').click();
    await expect.poll(() => page.getByTestId('trav-cell').count(), { timeout: 60_000 }).toBe(7);
    await page.getByTestId('gen-decode-click').check();
    const box = (await page.getByTestId('latent-canvas').boundingBox())!;
    await page.mouse.click(box.x + box.width / 2 + 30, box.y + box.height / 2 - 20);
    await page.getByTestId('gen-decoded').waitFor({ timeout: 30_000 });
    await screenshot(page, 'ui-explore-06-generate');

    // Export the geodesic path as a sprite sheet at 2x.
    await page.getByTestId('rail-interpolate').click();
    await page.getByTestId('interp-to-export').click();
    await page.getByTestId('panel-export').waitFor();
    expect(await page.getByTestId('export-dir').inputValue()).toContain(path.join(session.workspace, 'exports'));
    const out = path.join(session.tmp, 'export-sheet');
    await page.getByTestId('export-dir').fill(out);
    await page.getByTestId('export-format-png').uncheck();
    await page.getByTestId('export-scale').selectOption('2');
    await page.getByTestId('export-run').click();
    await page.getByTestId('export-summary').waitFor({ timeout: 60_000 });
    const files = await page.getByTestId('export-file').allTextContents();
    expect(files.sort()).toEqual([path.join(out, 'sheet.json'), path.join(out, 'sheet.png')]);
    for (const f of files) expect(existsSync(f)).toBe(true);
    await screenshot(page, 'ui-explore-07-exported');
    // Exporting again refuses to replace the files, naming them.
    await page.getByTestId('export-run').click();
    await expect.poll(() => page.getByTestId('export-error').textContent(), { timeout: 30_000 }).toContain('sheet.png');

    // The atlas loads in PixiJS: 8 frames of 32x32 (16 px at 2x).
    const pixi = await session.browser.newPage();
    const parsed = (await parseWithPixi(pixi, path.join(out, 'sheet.json'))).sizes;
    await pixi.close();
    expect(parsed).toHaveLength(8);
    expect(parsed.every(([w, h]) => w === 32 && h === 32)).toBe(true);

    // The other colourings: reconstruction error is a ramp, label (here the split) categories.
    await page.getByTestId('rail-explore').click();
    await page.getByTestId('colour-reconError').check();
    expect(await page.getByTestId('legend').getAttribute('data-kind')).toBe('ramp');
    await page.getByTestId('colour-label').check();
    expect(await page.getByTestId('legend').getAttribute('data-kind')).toBe('categories');
    expect(await page.getByTestId('legend').textContent()).toMatch(/train.*validation/s);

    // A traversal of another dimension; then the prior samples, frames 3 to 10, as GIF and WebP.
    await page.getByTestId('rail-generate').click();
    await page.getByTestId('trav-dim').selectOption('2');
    await page.getByTestId('trav-run').click();
    await expect.poll(() => page.getByTestId('trav-grid').textContent(), { timeout: 60_000 }).toContain('Dimension 2 from');
    await page.getByTestId('gen-to-export').click();
    await page.getByTestId('panel-export').waitFor();
    expect(await page.getByTestId('export-source').textContent()).toContain('16 frames, sample');
    const animOut = path.join(session.tmp, 'export-anim');
    await page.getByTestId('export-dir').fill(animOut);
    await page.getByTestId('export-format-png').check(); // still off from the sheet export above
    await page.getByTestId('export-format-sheet').uncheck();
    await page.getByTestId('export-format-gif').check();
    await page.getByTestId('export-format-webp').check();
    await page.getByTestId('export-first').fill('3');
    await page.getByTestId('export-last').fill('10');
    await page.getByTestId('export-name').fill('sample-{i}');
    await page.getByTestId('export-run').click();
    await page.getByTestId('export-summary').waitFor({ timeout: 60_000 });
    const animFiles = await page.getByTestId('export-file').allTextContents();
    expect(
      animFiles
        .filter((f) => f.endsWith('.png'))
        .map((f) => path.basename(f))
        .sort(),
    ).toEqual(Array.from({ length: 8 }, (_, i) => `sample-${i}.png`).sort());
    for (const ext of ['.gif', '.webp']) {
      const file = animFiles.find((f) => f.endsWith(ext));
      expect(file, ext).toBeDefined();
      expect((await sharp(file!, { animated: true }).metadata()).pages).toBe(8);
    }

    // A and B from the grid (A, then B, marked on the cells), then B from the inspector.
    await page.getByTestId('rail-interpolate').click();
    await page.getByTestId('interp-grid-toggle').click();
    const grid = page.getByTestId('interp-grid');
    await grid.locator('[data-testid="thumb-cell"][data-index="5"]').click();
    await grid.locator('[data-testid="thumb-cell"][data-index="7"]').click();
    expect(await page.getByTestId('end-a-index').inputValue()).toBe('6');
    expect(await page.getByTestId('end-b-index').inputValue()).toBe('8');
    expect(await grid.locator('[data-index="5"] [data-testid="thumb-mark"]').textContent()).toBe('A');
    expect(await grid.locator('[data-index="7"] [data-testid="thumb-mark"]').textContent()).toBe('B');
    expect(await grid.getByTestId('thumb-mark').count()).toBe(2);
    await page.getByTestId('interp-method').selectOption('linear');
    await page.getByTestId('interp-run').click();
    await expect.poll(() => page.getByTestId('interp-player').getAttribute('data-frames'), { timeout: 60_000 }).toBe('8');
    await screenshot(page, 'ui-explore-08-picked-from-grid');
    await page.mouse.click(p1.x, p1.y); // restarts at A: A is p1 now, B empty
    await expect.poll(() => page.getByTestId('inspector-name').textContent()).toMatch(/^img-\d{3}\.png$/);
    await page.getByTestId('neighbour').first().click();
    const neighbour = Number(/#(\d+)/.exec((await page.getByTestId('inspector-index').textContent()) ?? '')?.[1]);
    await page.getByTestId('inspector-use-b').click();
    expect(await page.getByTestId('end-a-index').inputValue()).toBe(String(p1.index + 1));
    expect(await page.getByTestId('end-b-index').inputValue()).toBe(String(neighbour));

    // Failed exports show in the panel, not on the console.
    expect(errors).toEqual([]);
    await page.close();
  });
});

/** The blob URL of the image strip behind a grid of cells. */
async function stripUrl(page: Page, testid: string): Promise<string> {
  const style = (await page.getByTestId(testid).first().getAttribute('style')) ?? '';
  return /url\("?([^")]+)"?\)/.exec(style)?.[1] ?? '';
}

/** Share of colour values that differ between two same-sized RGBA images, over pixels opaque in both. */
function shareChanged(x: number[], y: number[]): number {
  let changed = 0;
  let all = 0;
  for (let i = 0; i < x.length; i += 4) {
    if (x[i + 3] !== 255 || y[i + 3] !== 255) continue; // premultiplied edges would blur the test
    for (let c = 0; c < 3; c++) {
      all++;
      if (x[i + c] !== y[i + c]) changed++;
    }
  }
  return all ? changed / all : 0;
}

/** Share of colour values strictly between 0 and 255 in an image the page can load. */
async function shareBetween(page: Page, url: string): Promise<number> {
  const data = await imagePixels(page, url);
  let between = 0;
  let all = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] !== 255) continue; // premultiplied edges would blur the test
    for (let c = 0; c < 3; c++, all++) if (data[i + c] !== 0 && data[i + c] !== 255) between++;
  }
  return all ? between / all : -1;
}
