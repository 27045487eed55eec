/**
 * 3D view benchmark: the built web mode (dist/src/cli.js serve) in Chromium (the tests' findBrowser), with
 * synthetic scatters of 10k, 50k and 100k images injected through window.__latentAtlas
 * (points plus every posterior ellipsoid at 95%), the camera orbiting for ~2 s:
 *  - draw_calls_10k / draw_calls_50k: WebGL draw calls per frame (constant: one Points, one InstancedMesh);
 *  - frame_ms_10k / frame_ms_50k / frame_ms_100k: mean time to render one frame to completion
 *    (render + a 1-pixel readPixels that waits for the GPU). Headless Chromium renders with
 *    SwiftShader (software) unless a GPU is present: the `renderer` field says which.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { findBrowser } from '../helpers/find-browser';
import type { BenchLine } from './types';

interface Frames {
  frames: number;
  meanMs: number;
  medianMs: number;
  p95Ms: number;
  intervalMs: number;
}

async function serve(workspace: string): Promise<{ url: string; stop(): void }> {
  const cli = path.join(process.cwd(), 'dist', 'src', 'cli.js');
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--json'], { env: { ...process.env, LATENT_ATLAS_WORKSPACE: workspace }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code} (run "node src/tooling/build.mjs" first?): ${stderr}`)));
  });
  return { url: (JSON.parse(line) as { url: string }).url, stop: () => child.kill('SIGTERM') };
}

export async function run(): Promise<BenchLine[]> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'atlas-bench-render-'));
  const server = await serve(path.join(tmp, 'workspace'));
  const found = await findBrowser();
  const browser = await chromium.launch({
    executablePath: found.executablePath,
    headless: true,
    env: found.env ? { ...process.env, ...found.env } : undefined,
    args: ['--headless', '--no-sandbox', ...found.args, '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  const lines: BenchLine[] = [];
  try {
    const viewport = { width: 1280, height: 800 };
    const page = await browser.newPage({ viewport, colorScheme: 'dark' });
    // The flag that makes the app load its test hooks (renderer/lib/testing.ts), set before any page script.
    await page.addInitScript(() => {
      (globalThis as unknown as { __latentAtlasTesting: boolean }).__latentAtlasTesting = true;
    });
    await page.goto(server.url);
    await page.waitForFunction(() => Boolean((globalThis as unknown as { __latentAtlas?: { setData?: unknown } }).__latentAtlas?.setData), null, { timeout: 60_000 });
    const renderer = await page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { createElement(t: string): { getContext(k: string): unknown } } }).document;
      const gl = doc.createElement('canvas').getContext('webgl2') as { getExtension(n: string): unknown; getParameter(p: number): string } | null;
      const info = gl?.getExtension('WEBGL_debug_renderer_info') as { UNMASKED_RENDERER_WEBGL: number } | null;
      return gl && info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : 'unknown';
    });
    const software = /swiftshader|llvmpipe|software/i.test(renderer);
    const canvas = await page.evaluate(() => {
      const c = (globalThis as unknown as { document: { querySelector(s: string): { width: number; height: number } } }).document.querySelector('[data-testid="latent-canvas"]');
      return `${c.width}x${c.height}`;
    });
    const context = { renderer, software, canvas, ellipsoids: '95%', seconds: 2 };
    // LA_BENCH_RENDER_SIZES=10000,50000 measures only those sizes (default: 10k, 50k, 100k).
    const sizes = (process.env.LA_BENCH_RENDER_SIZES ?? '10000,50000,100000').split(',').map(Number);
    for (const n of sizes) {
      const result = await page.evaluate(async (n) => {
        type Hooks = { setData(n: number, seed?: number): number; setEllipsoids(l: number): void; renderInfo(): { calls: number; triangles: number }; measureFrames(ms: number): Promise<Frames> };
        const hooks = (globalThis as unknown as { __latentAtlas: Hooks }).__latentAtlas;
        hooks.setData(n, 3);
        hooks.setEllipsoids(2);
        const info = hooks.renderInfo();
        const frames = await hooks.measureFrames(2000);
        return { info, frames };
      }, n);
      const k = `${n / 1000}k`;
      if (n <= 50_000) lines.push({ bench: 'render', metric: `draw_calls_${k}`, value: result.info.calls, unit: 'calls', points: n, triangles: result.info.triangles, ...context });
      lines.push({
        bench: 'render',
        metric: `frame_ms_${k}`,
        value: round(result.frames.meanMs),
        unit: 'ms',
        points: n,
        median_ms: round(result.frames.medianMs),
        p95_ms: round(result.frames.p95Ms),
        frames: result.frames.frames,
        fps: round(1000 / result.frames.intervalMs),
        ...context,
      });
    }
  } finally {
    await browser.close();
    server.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
  return lines;
}

const round = (x: number) => Math.round(x * 100) / 100;
