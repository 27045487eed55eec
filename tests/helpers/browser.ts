import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './built';

/** Where e2e screenshots go (kept as CI artifacts). */
export const artifactsDir = path.join(repoRoot, 'tests', 'artifacts');

export function chromiumPath(): string {
  const candidate = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(candidate)) {
    throw new Error(`Chromium not found at ${candidate}: install it (Debian: "apt-get install -y chromium") or set CHROMIUM_PATH.`);
  }
  return candidate;
}

/**
 * Debian's Chromium, headless, with no background network chatter. Playwright's launch()
 * gives every browser a fresh temporary profile (user-data-dir) of its own.
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
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
