import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { writeDataset } from '../../src/data/store';
import { createProject, updateProject } from '../../src/project/project';
import { screenshot } from '../helpers/browser';
import { openApp, scanThumbGrid, startUiSession, type UiSession } from '../helpers/ui-app';
import { waitForTitle } from '../helpers/ui-project';

/**
 * The thumbnail grid at 100,000 images: the dataset is written straight into a project with the
 * store's own writer (importing 100k files would take minutes), then opened in the UI.
 */
const N = 100_000;
const SIZE = 16;

let session: UiSession;
let projectDir: string;
beforeAll(async () => {
  session = await startUiSession();
  projectDir = path.join(session.workspace, 'projects', 'big');
  await createProject(projectDir, 'Big');
  const stride = SIZE * SIZE * 3;
  const pixels = new Uint8Array(N * stride);
  for (let i = 0; i < N; i++) {
    // A distinct flat colour per image, with a diagonal so thumbnails are not blank.
    const r = i % 256,
      g = (i >> 8) % 256,
      b = (i * 37) % 256;
    for (let p = 0; p < SIZE * SIZE; p++) {
      const o = i * stride + p * 3;
      const diag = p % (SIZE + 1) === 0;
      pixels[o] = diag ? 255 : r;
      pixels[o + 1] = diag ? 255 : g;
      pixels[o + 2] = diag ? 255 : b;
    }
  }
  const items = Array.from({ length: N }, (_, i) => ({
    source: `big/img-${String(i).padStart(6, '0')}.png`,
    label: null,
    hash: String(i),
    width: SIZE,
    height: SIZE,
    split: (i % 10 === 0 ? 'val' : 'train') as 'val' | 'train',
  }));
  const index = await writeDataset(path.join(projectDir, 'dataset'), { size: SIZE, channels: 3 }, { options: { size: SIZE }, items, labels: [] }, pixels);
  await updateProject(projectDir, (p) => {
    p.dataset = { dir: 'dataset', sourceFolder: null, importOptions: { size: SIZE }, datasetHash: index.datasetHash, count: N };
  });
}, 300_000);
afterAll(() => session?.close());

describe('the thumbnail grid at 100k images', () => {
  it('opens a 100,000-image project; while scrolling through all of it the DOM stays small and holds the rows in view', { timeout: 300_000 }, async () => {
    const { page, errors } = await openApp(session);
    await page.getByTestId('project-open').click();
    await page.getByTestId('project-folder').fill(projectDir);
    await page.getByTestId('project-submit').click();
    await waitForTitle(page, 'Big — Latent Atlas', 60_000);
    await page.getByTestId('rail-dataset').click();
    await expect.poll(() => page.getByTestId('thumb-grid').getAttribute('data-count'), { timeout: 60_000 }).toBe(String(N));
    expect(await page.getByTestId('thumb-cell').count()).toBeLessThan(300);

    // The last image: rendered, its thumbnail page fetched, and still a small DOM.
    await page.getByTestId('thumb-grid').evaluate((el) => (el.scrollTop = el.scrollHeight));
    const last = page.locator(`[data-testid="thumb-cell"][data-index="${N - 1}"]`);
    await last.waitFor({ timeout: 30_000 });
    await expect.poll(() => last.evaluate((el) => el.classList.contains('loading')), { timeout: 30_000 }).toBe(false);
    expect(await page.getByTestId('thumb-cell').count()).toBeLessThan(300);

    // Scroll from top to bottom in 200 jumps: no frame stalls the page.
    // Scroll through the whole grid: at every position only the rows in view exist in the DOM,
    // and they are the rows for that position (frame times belong to the render benchmark).
    const scan = await scanThumbGrid(page, 200);
    expect(scan.maxCells).toBeLessThan(300);
    expect(scan.misplaced).toBe(0);
    expect(await page.getByTestId('thumb-cell').count()).toBeLessThan(300);
    await screenshot(page, 'ui-grid-100k');
    expect(errors).toEqual([]);
    await page.close();
  });
});
