import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { launchChromium } from '../../helpers/browser';
import { repoRoot } from '../../helpers/built';
import { locateBrowser } from '../../helpers/find-browser';

/**
 * The e2e tests find a browser with no setup step. These check the choices a fresh machine
 * depends on, including the fallback to the Chromium from npm, launched and drawing WebGL 2.
 */
describe('finding a browser for the end-to-end tests', () => {
  it('refuses a CHROMIUM_PATH that does not exist, naming it, instead of falling back', async () => {
    await expect(locateBrowser({ CHROMIUM_PATH: '/nowhere/chromium' })).rejects.toThrow(/CHROMIUM_PATH is set to \/nowhere\/chromium, which does not exist/);
  });

  it('refuses an unknown LATENT_ATLAS_TEST_BROWSER value, listing the valid ones', async () => {
    await expect(locateBrowser({ LATENT_ATLAS_TEST_BROWSER: 'firefox' })).rejects.toThrow(/"firefox": use auto, system or npm/);
  });

  const npmBuild = process.platform === 'linux' && process.arch === 'x64';
  it(npmBuild ? 'falls back to the npm Chromium, which starts and renders WebGL 2 through SwiftShader' : 'says the npm Chromium is Linux x64 only', async () => {
    if (!npmBuild) {
      await expect(locateBrowser({ LATENT_ATLAS_TEST_BROWSER: 'npm' })).rejects.toThrow(/Linux x64 build only/);
      return;
    }
    const found = await locateBrowser({ LATENT_ATLAS_TEST_BROWSER: 'npm' });
    expect(found.source).toBe('npm');
    expect(found.executablePath.startsWith(path.join(repoRoot, 'node_modules', '.cache'))).toBe(true);
    expect(existsSync(found.executablePath)).toBe(true);
    const browser = await launchChromium(found);
    try {
      const page = await browser.newPage();
      // Clear a WebGL 2 canvas to a known colour and read one pixel back.
      const drawn = await page.evaluate(() => {
        // (This runs in the page; the Node-side tsconfig has no DOM types, hence the shapes.)
        type Gl = {
          COLOR_BUFFER_BIT: number;
          RGBA: number;
          UNSIGNED_BYTE: number;
          clearColor(r: number, g: number, b: number, a: number): void;
          clear(m: number): void;
          readPixels(x: number, y: number, w: number, h: number, f: number, t: number, out: Uint8Array): void;
          getExtension(n: string): { UNMASKED_RENDERER_WEBGL: number } | null;
          getParameter(p: number): unknown;
        };
        const doc = (globalThis as unknown as { document: { createElement(t: string): { getContext(k: string): Gl | null } } }).document;
        const gl = doc.createElement('canvas').getContext('webgl2');
        if (!gl) return null;
        gl.clearColor(0.2, 0.4, 0.6, 1);
        gl.clear(gl.COLOR_BUFFER_BIT);
        const pixel = new Uint8Array(4);
        gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, pixel);
        const info = gl.getExtension('WEBGL_debug_renderer_info');
        return { pixel: [...pixel], renderer: info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '', number: (1234.5).toLocaleString() };
      });
      expect(drawn).not.toBeNull();
      expect(drawn!.pixel).toEqual([51, 102, 153, 255]);
      expect(drawn!.renderer).toMatch(/SwiftShader/);
      // The page's default locale is a valid one (toLocaleString throws under "en-US@posix").
      expect(drawn!.number).toBe('1,234.5');
    } finally {
      await browser.close();
    }
  });
});
