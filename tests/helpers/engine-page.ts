import type { Browser, Page } from 'playwright-core';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { repoRoot } from './built';
import { watchConsole } from './browser';

/**
 * A page for loading an exported sheet in a real game engine, as a game would: the engine's
 * script from node_modules and the export's files by URL, both served by the test through
 * request interception on a made-up origin (nothing is fetched from the network).
 */
export const ORIGIN = 'http://atlas.test';
/** Where the export folder appears to the page. */
export const EXPORT_URL = `${ORIGIN}/export/`;

const types: Record<string, string> = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json', '.png': 'image/png', '.html': 'text/html', '.tres': 'text/plain' };

export async function openEnginePage(browser: Browser, exportDir: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 320, height: 240 } });
  const errors = watchConsole(page);
  await page.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.origin !== ORIGIN) return route.abort();
    let file: string | null = null;
    if (url.pathname === '/') return route.fulfill({ contentType: 'text/html', body: '<!doctype html><html><body style="margin:0"></body></html>' });
    if (url.pathname.startsWith('/export/')) file = path.join(exportDir, decodeURIComponent(url.pathname.slice('/export/'.length)));
    else if (url.pathname.startsWith('/node_modules/')) file = path.join(repoRoot, decodeURIComponent(url.pathname.slice(1)));
    if (!file || (!file.startsWith(exportDir) && !file.startsWith(path.join(repoRoot, 'node_modules')))) return route.fulfill({ status: 404, body: 'not found' });
    try {
      return route.fulfill({ body: readFileSync(file), contentType: types[path.extname(file)] ?? 'application/octet-stream', headers: { 'access-control-allow-origin': '*' } });
    } catch {
      return route.fulfill({ status: 404, body: 'not found' });
    }
  });
  await page.goto(`${ORIGIN}/`);
  // Reads a region of any canvas (2D or WebGL with a preserved drawing buffer) as RGBA bytes.
  await page.addScriptTag({
    content: `window.readRegion = (source, x, y, w, h) => {
      const c = document.createElement('canvas'); c.width = w; c.height = h;
      const ctx = c.getContext('2d'); ctx.imageSmoothingEnabled = false;
      ctx.drawImage(source, x, y, w, h, 0, 0, w, h);
      return Array.from(ctx.getImageData(0, 0, w, h).data);
    };`,
  });
  return { page, errors };
}

export async function addEngineScript(page: Page, modulePath: string, asModule = false): Promise<void> {
  await page.addScriptTag({ url: `${ORIGIN}/node_modules/${modulePath}`, ...(asModule ? { type: 'module' } : {}) });
}

/** What an engine showed: every frame drawn at its size, and an animation played. */
export interface EngineResult {
  version: string;
  /** Per frame: the size the engine gives it and the pixels it drew (RGBA, w x h), plus the canvas background. */
  frames: { name: string; w: number; h: number; pixels: number[] }[];
  background: number[];
  /** Frame index shown at each read while the animation played, and the pixels read at each. */
  animation: { name: string; length: number; shown: number[]; pixels: number[][] };
  /** Engine-specific extras (pivot, frame durations). */
  extra?: Record<string, unknown>;
}

export interface ExportedFrames {
  width: number;
  height: number;
  /** RGBA per frame, in frame order. */
  rgba: Uint8Array[];
}

export async function readFrames(dir: string, count: number): Promise<ExportedFrames> {
  const rgba: Uint8Array[] = [];
  let width = 0;
  let height = 0;
  for (let i = 0; i < count; i++) {
    const { data, info } = await sharp(path.join(dir, `frame-${i}.png`))
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    rgba.push(new Uint8Array(data));
    [width, height] = [info.width, info.height];
  }
  return { width, height, rgba };
}

/**
 * Pixels of the frame as they look drawn over the background: opaque pixels as they are,
 * transparent ones the background (the frames are pixel-art finished: alpha is 0 or 255).
 */
export function overBackground(frame: Uint8Array, background: number[]): number[] {
  const out: number[] = [];
  for (let o = 0; o < frame.length; o += 4) {
    if (frame[o + 3] === 255) out.push(frame[o], frame[o + 1], frame[o + 2], 255);
    else out.push(...background);
  }
  return out;
}

/** Share of pixels whose channels all lie within `tolerance` of the expected ones. */
export function matchShare(actual: number[], expected: number[], tolerance = 2): number {
  let same = 0;
  for (let o = 0; o < expected.length; o += 4) {
    let ok = true;
    for (let c = 0; c < 4; c++) if (Math.abs(actual[o + c] - expected[o + c]) > tolerance) ok = false;
    if (ok) same++;
  }
  return same / (expected.length / 4);
}
