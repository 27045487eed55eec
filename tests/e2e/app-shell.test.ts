import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { _electron as electron } from 'playwright-core';
import { launchChromium, screenshot, watchConsole } from '../helpers/browser';
import { nonBackgroundShare } from '../helpers/pixels';
import { startWebMode, type WebModeServer } from '../helpers/web-mode';
import { findElectronBinary } from '../../src/cli/launch';
import { repoRoot } from '../helpers/built';

/**
 * The first screen, driven in a real browser: the backend name arrives from the engine
 * process and the 3D view draws the prior sphere. Runs against web mode always, and against
 * Electron too where its binary is installed (it cannot be on the offline build machine).
 */
async function checkFirstScreen(page: Page, name: string, consoleErrors: string[]): Promise<void> {
  await page.setViewportSize?.({ width: 1280, height: 800 });
  const backend = page.getByTestId('engine-backend');
  await backend.waitFor({ timeout: 30_000 });
  expect(['tfjs-node', 'wasm', 'cpu']).toContain((await backend.textContent())?.trim());
  await expect.poll(async () => (await page.getByTestId('engine-state').textContent())?.trim(), { timeout: 30_000 }).toBe('Engine ready');

  const canvas = page.getByTestId('latent-canvas');
  await canvas.waitFor();
  // Real pixels from the screen, once the render loop has drawn a frame.
  await expect.poll(async () => nonBackgroundShare(await canvas.screenshot())).toBeGreaterThan(0.005);
  await screenshot(page, `${name}-first-screen`);
  expect(consoleErrors).toEqual([]);
}

const targets: Array<{ name: string; open(): Promise<{ page: Page; errors: string[]; close(): Promise<void> }> }> = [
  {
    name: 'web',
    async open() {
      const browser = await launchChromium();
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const errors = watchConsole(page);
      await page.goto(server.url);
      return { page, errors, close: () => browser.close() };
    },
  },
];
if (findElectronBinary()) {
  targets.push({
    name: 'electron',
    async open() {
      const app = await electron.launch({ args: [repoRoot], executablePath: findElectronBinary()! });
      const page = await app.firstWindow();
      const errors = watchConsole(page);
      return { page, errors, close: () => app.close() };
    },
  });
}

let server: WebModeServer;
beforeAll(async () => {
  server = await startWebMode();
});
afterAll(() => server?.stop());

describe('the app shell', () => {
  for (const target of targets) {
    it(`shows the engine's backend and draws the latent view (${target.name})`, async () => {
      const { page, errors, close } = await target.open();
      try {
        await checkFirstScreen(page, target.name, errors);
      } finally {
        await close();
      }
    });
  }

  it('keeps the page alive and shows a fresh engine after the engine is killed (web)', async () => {
    const browser: Browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const errors = watchConsole(page);
      await page.goto(server.url);
      await expect.poll(async () => (await page.getByTestId('engine-state').textContent())?.trim(), { timeout: 30_000 }).toBe('Engine ready');
      const before = await page.title();
      // Kill the engine process behind the server (its only child).
      const { execFileSync } = await import('node:child_process');
      const children = execFileSync('pgrep', ['-P', String(server.process.pid)])
        .toString()
        .trim()
        .split('\n')
        .map(Number);
      expect(children.length).toBe(1);
      process.kill(children[0], 'SIGKILL');
      try {
        await expect.poll(async () => (await page.getByTestId('engine-error').textContent()) ?? '', { timeout: 30_000 }).toContain('engine process was killed');
      } catch (err) {
        // Say what the server saw, so a failure here can be told apart from a dead server.
        throw new Error(`${(err as Error).message}\nserver exit: ${server.process.exitCode}\nserver stderr:\n${server.stderr()}`);
      }
      await expect.poll(async () => (await page.getByTestId('engine-state').textContent())?.trim(), { timeout: 30_000 }).toBe('Engine ready');
      expect(await page.title()).toBe(before);
      await screenshot(page, 'web-engine-restarted');
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
