import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, watchConsole } from './browser';
import { startWebMode, type WebModeServer } from './web-mode';
import { writeBroken, writePngs } from './images';
import type { PageGlobals } from './ui-dom';

/** Web mode with its own workspace folder, and a browser on it; one per test file. */
export interface UiSession {
  server: WebModeServer;
  browser: Browser;
  workspace: string;
  tmp: string;
  close(): Promise<void>;
}

export async function startUiSession(): Promise<UiSession> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'atlas-ui-'));
  const workspace = path.join(tmp, 'workspace');
  // The tests' image folders live beside the workspace, so the server allows that folder too
  // (as a user would with serve --allow).
  const server = await startWebMode({ LATENT_ATLAS_WORKSPACE: workspace }, ['--allow', tmp]);
  const browser = await launchChromium();
  return {
    server,
    browser,
    workspace,
    tmp,
    async close() {
      await browser.close();
      await server.stop();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** A fresh page at 1280x800 on the app, with the engine ready; `errors` collects console errors. */
export async function openApp(session: UiSession, options: { colorScheme?: 'dark' | 'light' } = {}): Promise<{ page: Page; errors: string[] }> {
  const page = await session.browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: options.colorScheme ?? 'dark' });
  const errors = watchConsole(page);
  await enableTestHooks(page);
  await page.goto(session.server.url);
  await expect.poll(async () => (await page.getByTestId('engine-state').textContent())?.trim(), { timeout: 60_000 }).toBe('Engine ready');
  await waitForTestHooks(page);
  return { page, errors };
}

/**
 * Ask the app for its test hooks (window.__latentAtlas, renderer/lib/testing.ts): the flag is set
 * before any page script runs, on this and every later load of the page (reloads too).
 */
export async function enableTestHooks(page: Page): Promise<void> {
  await page.addInitScript(() => {
    (globalThis as unknown as { __latentAtlasTesting: boolean }).__latentAtlasTesting = true;
  });
}

/** The hooks load as their own chunk after the app mounts: wait until they are there. */
export async function waitForTestHooks(page: Page): Promise<void> {
  await page.waitForFunction(() => Boolean((globalThis as unknown as { __latentAtlas?: { setData?: unknown } }).__latentAtlas?.setData), null, { timeout: 60_000 });
}

/** A folder of `good` real PNGs plus an empty file and a text file named .png. */
export async function writeImageFolder(dir: string, good: number, size = 20): Promise<{ good: string[]; broken: { name: string; code: string }[] }> {
  const files = await writePngs(dir, good, size);
  writeBroken(dir, 'empty.png', new Uint8Array(0));
  writeBroken(dir, 'notes.png', 'this is a text file, not an image\n');
  return {
    good: files,
    broken: [
      { name: 'empty.png', code: 'empty_file' },
      { name: 'notes.png', code: 'not_an_image' },
    ],
  };
}

/** Import a folder through the Dataset panel's path field and wait for the report. */
export async function importByPath(page: Page, folder: string): Promise<void> {
  await page.getByTestId('rail-dataset').click();
  await page.getByTestId('folder-path').fill(folder);
  await page.getByTestId('import-path').click();
  await page.getByTestId('import-report').waitFor({ timeout: 60_000 });
}

/** Record whether an element ever appeared (fast tasks may show their progress only briefly). */
export async function watchForTestId(page: Page, testId: string): Promise<() => Promise<boolean>> {
  const key = `__saw_${testId.replace(/\W/g, '_')}`;
  await page.evaluate(
    ({ testId, key }) => {
      const { window, document, MutationObserver } = globalThis as unknown as PageGlobals;
      const w = window as Record<string, boolean>;
      w[key] = false;
      const check = () => {
        if (document.querySelector(`[data-testid="${testId}"]`)) w[key] = true;
      };
      new MutationObserver(check).observe(document.body, { subtree: true, childList: true });
      check();
    },
    { testId, key },
  );
  return () => page.evaluate((key) => ((globalThis as unknown as PageGlobals).window as Record<string, boolean>)[key], key);
}

/** Small images and a small model keep each epoch to a few seconds on a two-core CPU. */
export async function importSmall(page: Page, folder: string): Promise<void> {
  await page.getByTestId('rail-dataset').click();
  const options = page.getByTestId('import-options');
  if (!(await options.evaluate((el) => (el as unknown as { open: boolean }).open))) await options.locator('summary').click();
  await options.locator('select').first().selectOption('16');
  await page.getByTestId('folder-path').fill(folder);
  await page.getByTestId('import-path').click();
  await page.getByTestId('import-report').waitFor({ timeout: 60_000 });
}

export async function setSmallTraining(page: Page, epochs: number): Promise<void> {
  await page.getByTestId('rail-train').click();
  const advanced = page.getByTestId('train-advanced');
  if (!(await advanced.evaluate((el) => (el as unknown as { open: boolean }).open))) await advanced.locator('summary').click();
  await page.getByTestId('set-epochs').fill(String(epochs));
  await page.getByTestId('set-batch').fill('8');
  await page.getByTestId('set-latent').fill('4');
}

/**
 * Scroll the thumbnail grid from top to bottom in `jumps` steps and report, over all positions,
 * the most cells in the DOM and how many positions showed no cell in view (virtualisation).
 */
export async function scanThumbGrid(page: Page, jumps: number): Promise<{ maxCells: number; misplaced: number }> {
  return page.getByTestId('thumb-grid').evaluate(async (el, jumps) => {
    const { requestAnimationFrame } = globalThis as unknown as PageGlobals;
    let maxCells = 0;
    let misplaced = 0;
    const step = Math.max(1, Math.ceil(el.scrollHeight / jumps));
    for (let y = 0; y < el.scrollHeight; y += step) {
      el.scrollTop = y;
      await new Promise((r) => requestAnimationFrame(r));
      const cells = el.querySelectorAll('[data-testid="thumb-cell"]');
      maxCells = Math.max(maxCells, cells.length);
      const top = el.getBoundingClientRect().top;
      const inView = [...cells].some((c) => {
        const r = c.getBoundingClientRect();
        return r.bottom > top && r.top < top + el.clientHeight;
      });
      if (!inView) misplaced++;
    }
    return { maxCells, misplaced };
  }, jumps);
}
