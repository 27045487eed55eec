import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot } from '../helpers/browser';
import { openApp, startUiSession, type UiSession } from '../helpers/ui-app';
import type { PageGlobals } from '../helpers/ui-dom';

/** The app frame: the panel rail, keyboard shortcuts and their help, themes, resizing. */
let session: UiSession;
beforeAll(async () => {
  session = await startUiSession();
});
afterAll(() => session?.close());

describe('the app frame', () => {
  it('shows the part-2 panels disabled until a model is trained, switches panels by number and lists the shortcuts', async () => {
    const { page, errors } = await openApp(session);
    for (const id of ['explore', 'interpolate', 'generate', 'export']) {
      const button = page.getByTestId(`rail-${id}`);
      expect(await button.getAttribute('aria-disabled')).toBe('true');
      expect(await button.getAttribute('title')).toBe('Train a model first');
    }
    expect(await page.getByTestId('rail-dataset').getAttribute('aria-disabled')).toBe('false');

    await page.getByTestId('first-run-dismiss').click();
    await page.locator('body').press('2');
    await page.getByTestId('panel-train').waitFor();
    await page.locator('body').press('3');
    expect(await page.getByTestId('needs-model-note').textContent()).toContain('Train a model first');
    await page.locator('body').press('1');
    await page.getByTestId('panel-dataset').waitFor();

    // Typing in a field does not switch panels.
    await page.getByTestId('folder-path').press('2');
    expect(await page.getByTestId('panel-dataset').count()).toBe(1);
    await page.getByTestId('folder-path').fill('');
    await page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.blur());

    await page.locator('body').press('?');
    const help = page.getByTestId('help-overlay');
    await help.waitFor();
    const text = (await help.textContent()) ?? '';
    for (const key of ['Ctrl+O', 'Ctrl+Enter', 'Space', 'Esc', '1 – 6']) expect(text).toContain(key);
    await screenshot(page, 'ui-frame-01-help');
    await page.keyboard.press('Escape');
    expect(await help.count()).toBe(0);

    // Ctrl+O in web mode puts the cursor in the folder path field.
    await page.locator('body').press('2');
    await page.locator('body').press('Control+o');
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.getAttribute('data-testid'))).toBe('folder-path');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('follows the light theme and resizes without horizontal overflow', async () => {
    const { page, errors } = await openApp(session, { colorScheme: 'light' });
    const bg = await page.evaluate(() => {
      const { getComputedStyle, document } = globalThis as unknown as PageGlobals;
      return getComputedStyle(document.documentElement).backgroundColor as string;
    });
    expect(bg).toBe('rgb(245, 246, 248)');
    await screenshot(page, 'ui-frame-02-light-1280x800');
    for (const [width, height] of [
      [1024, 700],
      [1600, 1000],
      [1280, 800],
    ]) {
      await page.setViewportSize({ width, height });
      await page.waitForTimeout(200);
      const layout = await page.evaluate(() => {
        const { document } = globalThis as unknown as PageGlobals;
        return {
          overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
          canvas: document.querySelector('[data-testid="latent-canvas"]')!.getBoundingClientRect().width,
          statusBottom: document.querySelector('[data-testid="status-bar"]')!.getBoundingClientRect().bottom,
        } as { overflow: number; canvas: number; statusBottom: number };
      });
      expect(layout.overflow).toBeLessThanOrEqual(0);
      expect(layout.canvas).toBeGreaterThan(width * 0.3);
      expect(Math.round(layout.statusBottom)).toBe(height);
    }
    await page.setViewportSize({ width: 1024, height: 700 });
    await page.waitForTimeout(200);
    await screenshot(page, 'ui-frame-03-light-1024x700');
    expect(errors).toEqual([]);
    await page.close();
  });
});
