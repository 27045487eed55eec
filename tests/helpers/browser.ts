import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './built';
import { findBrowser, type FoundBrowser } from './find-browser';

/** Where e2e screenshots go (kept as CI artifacts). */
export const artifactsDir = path.join(repoRoot, 'tests', 'artifacts');

/**
 * Headless Chromium with no background network chatter: the one findBrowser() picks
 * ($CHROMIUM_PATH, an installed browser, or the one from npm). Playwright's launch() gives
 * every browser a fresh temporary profile (user-data-dir) of its own. A test that needs a
 * browser and gets none fails here, naming what was tried.
 */
export async function launchChromium(found?: FoundBrowser): Promise<Browser> {
  const browser = found ?? (await findBrowser());
  try {
    return await chromium.launch({
      executablePath: browser.executablePath,
      headless: true,
      env: browser.env ? { ...process.env, ...browser.env } : undefined,
      args: ['--headless', '--no-sandbox', ...browser.args, '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
  } catch (err) {
    throw new Error(`Could not start the browser at ${browser.executablePath} (from ${browser.source}): ${(err as Error).message}`);
  }
}

/** Collect console errors and page errors: a test fails if any appear. */
export function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  return errors;
}

export async function screenshot(page: Page, name: string): Promise<Buffer> {
  mkdirSync(artifactsDir, { recursive: true });
  return page.screenshot({ path: path.join(artifactsDir, `${name}.png`) });
}
