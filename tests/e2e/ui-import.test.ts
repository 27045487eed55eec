import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import sharp, { type CreateRaw } from 'sharp';
import { screenshot } from '../helpers/browser';
import { writeManyPngs } from '../helpers/images';
import { importByPath, openApp, scanThumbGrid, startUiSession, watchForTestId, writeImageFolder, type UiSession } from '../helpers/ui-app';
import type { PageGlobals } from '../helpers/ui-dom';

/**
 * Importing a folder with broken files through the real UI in web mode: progress shows, the
 * report names each broken file with its reason, and the grid shows one cell per good image.
 */
let session: UiSession;
beforeAll(async () => {
  session = await startUiSession();
});
afterAll(() => session?.close());

describe('dataset import in the UI', () => {
  it('imports a folder by path, reports each broken file with its reason and shows the rest in the grid', async () => {
    const folder = path.join(session.tmp, 'sprites');
    const { good, broken } = await writeImageFolder(folder, 24);
    const { page, errors } = await openApp(session);
    await screenshot(page, 'ui-import-01-empty');

    const sawProgress = await watchForTestId(page, 'import-progress');
    await importByPath(page, folder);
    expect(await sawProgress()).toBe(true);

    await expect.poll(() => page.getByTestId('import-imported').textContent()).toBe(String(good.length));
    expect(await page.getByTestId('import-skipped-count').textContent()).toBe(String(broken.length));
    const items = page.getByTestId('skipped-item');
    expect(await items.count()).toBe(broken.length);
    for (const b of broken) {
      const item = items.filter({ hasText: b.name });
      expect(await item.count()).toBe(1);
      expect(await item.getAttribute('data-code')).toBe(b.code);
      // The reason is a sentence, not just a code.
      expect(((await item.textContent()) ?? '').length).toBeGreaterThan(b.name.length + 10);
    }

    // Filter the report by reason: only the empty file remains.
    await page.getByTestId('skip-filter').selectOption('empty_file');
    expect(await items.count()).toBe(1);
    expect(await items.first().getAttribute('data-code')).toBe('empty_file');

    // The grid: one cell per imported image, each drawn from a thumbnail page.
    await expect.poll(() => page.getByTestId('thumb-cell').count()).toBe(good.length);
    await expect.poll(() => page.locator('[data-testid="thumb-cell"]:not(.loading)').count(), { timeout: 60_000 }).toBe(good.length);
    expect(await page.getByTestId('dataset-count').textContent()).toContain(`${good.length} images`);

    // Selecting a cell shows it in the inspector.
    await page.getByTestId('thumb-cell').nth(3).click();
    expect(await page.getByTestId('inspector-index').textContent()).toContain(`#4 of ${good.length}`);
    await screenshot(page, 'ui-import-02-report-and-grid');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('uploads the same folder from the browser (web mode) and imports it through staging', async () => {
    const folder = path.join(session.tmp, 'upload');
    const { good, broken } = await writeImageFolder(path.join(folder, 'cats'), 10);
    // A different size, so no dog duplicates a cat (dedupe is on by default).
    await writeImageFolder(path.join(folder, 'dogs'), 6, 28);
    const { page, errors } = await openApp(session);
    await page.getByTestId('upload-folder').setInputFiles(folder);
    await page.getByTestId('import-report').waitFor({ timeout: 60_000 });
    await expect.poll(() => page.getByTestId('import-imported').textContent()).toBe(String(good.length + 6));
    expect(await page.getByTestId('import-skipped-count').textContent()).toBe(String(broken.length * 2));
    // Subfolders of the uploaded folder keep their names, so the labels come through.
    expect(await page.getByTestId('import-report').textContent()).toContain('2 labels');
    await expect.poll(() => page.getByTestId('thumb-cell').count()).toBe(good.length + 6);
    await screenshot(page, 'ui-import-03-uploaded');

    // "Upload files…" takes loose files (no folders, so no labels).
    const loose = good.slice(0, 4);
    await page.getByTestId('upload-files').setInputFiles(loose);
    await expect.poll(() => page.getByTestId('import-imported').textContent(), { timeout: 60_000 }).toBe(String(loose.length));
    await expect.poll(() => page.getByTestId('thumb-grid').getAttribute('data-count')).toBe(String(loose.length));
    expect(await page.getByTestId('import-report').textContent()).not.toContain('labels');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('imports every frame of an animated GIF as its own image when asked to', async () => {
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const folder = path.join(session.tmp, 'animated');
    mkdirSync(folder, { recursive: true });
    const frame = (rgb: [number, number, number]) => Buffer.alloc(16 * 16 * 4).map((_, i) => (i % 4 === 3 ? 255 : rgb[i % 4]));
    const frames = Buffer.concat([frame([255, 0, 0]), frame([0, 255, 0]), frame([0, 0, 255])]);
    writeFileSync(
      path.join(folder, 'walk.gif'),
      await sharp(frames, { raw: { width: 16, height: 48, channels: 4, pageHeight: 16 } as CreateRaw })
        .gif()
        .toBuffer(),
    );
    const { page, errors } = await openApp(session);
    await importByPath(page, folder);
    await expect.poll(() => page.getByTestId('thumb-grid').getAttribute('data-count')).toBe('1'); // first frame by default
    await page.getByTestId('import-options').locator('summary').click();
    await page.getByTestId('import-frames').selectOption('all');
    await importByPath(page, folder);
    await expect.poll(() => page.getByTestId('thumb-grid').getAttribute('data-count')).toBe('3');
    await expect.poll(() => page.locator('[data-testid="thumb-cell"]:not(.loading)').count(), { timeout: 60_000 }).toBe(3);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows a missing folder as an error in words with what to do', async () => {
    const { page, errors } = await openApp(session);
    await page.getByTestId('folder-path').fill(path.join(session.tmp, 'no-such-folder'));
    await page.getByTestId('import-path').click();
    const box = page.getByTestId('import-error');
    await box.waitFor({ timeout: 30_000 });
    expect(await box.textContent()).toContain('no-such-folder');
    await screenshot(page, 'ui-import-04-error');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('imports image files dropped onto the window', async () => {
    const folder = path.join(session.tmp, 'dropped');
    const { good, broken } = await writeImageFolder(folder, 5, 18);
    const files = [...good, ...broken.map((b) => path.join(folder, b.name))].map((f) => ({ name: path.basename(f), base64: readFileSync(f).toString('base64') }));
    const { page, errors } = await openApp(session);
    await page.evaluate((files) => {
      const { DataTransfer, DragEvent, File, document } = globalThis as unknown as PageGlobals;
      const transfer = new DataTransfer();
      for (const f of files) transfer.items.add(new File([Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0))], f.name, { type: 'image/png' }));
      document.body.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }, files);
    await page.getByTestId('import-report').waitFor({ timeout: 60_000 });
    await expect.poll(() => page.getByTestId('import-imported').textContent()).toBe(String(good.length));
    expect(await page.getByTestId('skipped-item').count()).toBe(broken.length);
    await expect.poll(() => page.getByTestId('thumb-cell').count()).toBe(good.length);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('cancels a long import from its progress bar: nothing is written and the previous dataset stays', { timeout: 240_000 }, async () => {
    const { readdirSync } = await import('node:fs');
    const small = path.join(session.tmp, 'before-cancel');
    const { good } = await writeImageFolder(small, 5, 16);
    // 30,000 files take the importer (about 2,500 files/s here) long enough to cancel halfway.
    const big = path.join(session.tmp, 'slow-to-import');
    writeManyPngs(big, 30_000);
    const { page, errors } = await openApp(session);
    await importByPath(page, small);
    await expect.poll(() => page.getByTestId('thumb-grid').getAttribute('data-count')).toBe(String(good.length));
    const datasets = path.join(session.workspace, 'datasets');
    const before = readdirSync(datasets).sort();

    await page.getByTestId('folder-path').fill(big);
    await page.getByTestId('import-path').click();
    // The progress bar shows a rate and an ETA while it works.
    await page.getByTestId('import-progress-eta').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('import-progress-rate').textContent()).toMatch(/^\d+(\.\d)? \S+\/s$/);
    expect(await page.getByTestId('import-progress-eta').textContent()).toMatch(/^ETA \S/);
    const doneBefore = Number(((await page.getByTestId('import-progress').locator('.muted').first().textContent()) ?? '').split('/')[0].replace(/\D/g, ''));
    expect(doneBefore).toBeLessThan(30_000);
    await page.getByTestId('import-progress-cancel').click({ timeout: 30_000 });
    await expect.poll(() => page.getByTestId('import-cancelled').textContent(), { timeout: 30_000 }).toContain('Import cancelled');
    expect(await page.getByTestId('import-progress').count()).toBe(0);
    expect(await page.getByTestId('import-report').count()).toBe(0);
    expect(await page.getByTestId('status-task').count()).toBe(0); // the status bar's task ended too
    // The dataset on screen is still the one from before, and no half-written folder is left.
    expect(await page.getByTestId('thumb-grid').getAttribute('data-count')).toBe(String(good.length));
    await expect.poll(() => readdirSync(datasets).sort(), { timeout: 30_000 }).toEqual(before);
    await screenshot(page, 'ui-import-05-cancelled');

    // Esc cancels the running task from anywhere (the status bar's Cancel).
    await page.getByTestId('import-path').click();
    await page.getByTestId('status-task-cancel').waitFor({ timeout: 30_000 });
    await page.locator('body').press('Escape');
    await expect.poll(() => page.getByTestId('import-cancelled').textContent(), { timeout: 30_000 }).toContain('Import cancelled');
    expect(await page.getByTestId('thumb-grid').getAttribute('data-count')).toBe(String(good.length));
    expect(errors).toEqual([]);
    await page.close();
  });

  it('keeps the grid virtual: a few hundred cells in the DOM for thousands of images, loaded as you scroll', { timeout: 240_000 }, async () => {
    const folder = path.join(session.tmp, 'many');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(folder, { recursive: true });
    const n = 3000;
    for (let i = 0; i < n; i++) {
      // Distinct tiny images, so dedupe keeps them all.
      await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: i % 256, g: Math.floor(i / 256) * 20, b: (i * 7) % 256 } } })
        .png()
        .toFile(path.join(folder, `t-${String(i).padStart(5, '0')}.png`));
    }
    const { page, errors } = await openApp(session);
    await page.getByTestId('import-options').locator('summary').click();
    await page.getByTestId('import-options').locator('select').first().selectOption('16');
    await importByPath(page, folder);
    await expect.poll(() => page.getByTestId('thumb-grid').getAttribute('data-count')).toBe(String(n));
    // The grid lays out once it knows its size (a ResizeObserver frame later).
    await expect.poll(() => page.getByTestId('thumb-cell').count()).toBeGreaterThan(20);
    expect(await page.getByTestId('thumb-cell').count()).toBeLessThan(300);

    // Jump to the end: the last image is rendered, its page fetched, and the DOM stays small.
    await page.getByTestId('thumb-grid').evaluate((el) => (el.scrollTop = el.scrollHeight));
    const last = page.locator(`[data-testid="thumb-cell"][data-index="${n - 1}"]`);
    await last.waitFor();
    await expect.poll(() => last.evaluate((el) => el.classList.contains('loading')), { timeout: 60_000 }).toBe(false);
    expect(await page.getByTestId('thumb-cell').count()).toBeLessThan(300);

    // Scrolling through the whole grid keeps frames short (no long main-thread stalls).
    // Scroll through the whole grid: at every position only the rows in view exist in the DOM,
    // and they are the rows for that position (frame times belong to the render benchmark).
    const scan = await scanThumbGrid(page, 200);
    expect(scan.maxCells).toBeLessThan(300);
    expect(scan.misplaced).toBe(0);
    await screenshot(page, 'ui-import-06-grid-3000');
    expect(errors).toEqual([]);
    await page.close();
  });
});
