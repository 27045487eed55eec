import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import type { ProjectFile } from '../../src/contract';
import type { WebModeServer } from './web-mode';
import type { PageGlobals } from './ui-dom';
import { waitForTestHooks } from './ui-app';

/** project.json as it is on disk now. */
export function readProject(dir: string): ProjectFile {
  return JSON.parse(readFileSync(path.join(dir, 'project.json'), 'utf8')) as ProjectFile;
}

export async function waitForTitle(page: Page, title: string, timeout = 20_000): Promise<void> {
  try {
    await expect.poll(() => page.title(), { timeout, interval: 100 }).toBe(title);
  } catch (err) {
    // Say what the page showed instead: an error box or the engine state explains most misses.
    const shown = await page
      .locator('[role="alert"], [data-testid="engine-state"], [data-testid="status-task"]')
      .allTextContents()
      .catch(() => []);
    throw new Error(`The title stayed "${await page.title().catch(() => '?')}", not "${title}", for ${timeout} ms. The page showed: ${JSON.stringify(shown)}`, { cause: err });
  }
}

/**
 * Record every title the page shows from now on. The unsaved dot lasts only until autosave
 * (1.5 s after typing stops), too short to catch reliably by polling on a loaded machine.
 */
export async function recordTitles(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const { window, document, MutationObserver } = globalThis as unknown as PageGlobals;
    const seen: string[] = [document.title];
    window.__atlasTitles = seen;
    new MutationObserver(() => {
      if (seen[seen.length - 1] !== document.title) seen.push(document.title);
    }).observe(document.head, { subtree: true, childList: true, characterData: true });
  });
  return () => page.evaluate(() => (globalThis as unknown as PageGlobals).window.__atlasTitles as string[]);
}

/** Chart points: training values and validation values (one per epoch when reopened). */
export async function chartPoints(page: Page): Promise<{ train: number; val: number }> {
  const charts = page.getByTestId('loss-charts');
  return { train: Number(await charts.getAttribute('data-points')), val: Number(await charts.getAttribute('data-val-points')) };
}

/** Kill the engine process behind the web server (its only child), as a crash would. */
export function killEngine(server: WebModeServer): number {
  const children = execFileSync('pgrep', ['-P', String(server.process.pid)])
    .toString()
    .trim()
    .split('\n')
    .map(Number);
  expect(children.length).toBe(1);
  process.kill(children[0], 'SIGKILL');
  return children[0];
}

/** Reload the page (a fresh renderer over the same server) and wait for the engine. */
export async function reloadApp(page: Page): Promise<void> {
  await page.reload();
  await expect.poll(async () => (await page.getByTestId('engine-state').textContent())?.trim(), { timeout: 60_000 }).toBe('Engine ready');
  await waitForTestHooks(page);
}

export { importSmall, setSmallTraining } from './ui-app';
