import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { ImageStrip } from '../../../src/contract';
import { EngineClient } from '../../../src/host/client';
import { spawnNodeEngine } from '../../../src/host/spawn-node';
import { requireBuilt } from '../../helpers/built';
import { makeShapesDataset } from '../train/fixtures';

/**
 * Pixel-art finishing through the engine process: generate, interpolate and export with
 * `finish` return (or write) images whose every opaque pixel is a colour of the dataset's
 * palette and whose alpha is 0 or 255, beside the untouched raw images.
 */
let engine: EngineClient;
let work: string;
let dataset: string;
let runDir: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'atlas-pixel-art-'));
  dataset = path.join(work, 'ds');
  runDir = path.join(work, 'run');
  // Circles and squares of 48 random colours on a transparent background: soft edges to snap.
  await makeShapesDataset(dataset, { count: 48, size: 16, channels: 4, seed: 21 });
  engine = new EngineClient(spawnNodeEngine({ entry: requireBuilt('src/engine.js') }));
  await engine.request('train.run', { dataset, runDir, settings: { epochs: 12, batchSize: 8, latentDim: 4, warmupSteps: 0, previewCount: 0, valIwaeK: 0 } });
});
afterAll(async () => {
  await engine?.close();
  rmSync(work, { recursive: true, force: true });
});

async function rgbaOf(png: Buffer | Uint8Array): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}
const stripRgba = (strip: ImageStrip) => rgbaOf(Buffer.from(strip.png, 'base64'));

/** Check every pixel: alpha 0 (with black colour) or 255 with a palette colour. Returns the opaque count. */
function expectFinished(data: Buffer, palette: string[]): number {
  const allowed = new Set(palette);
  let opaque = 0;
  const off: string[] = [];
  for (let o = 0; o < data.length; o += 4) {
    const a = data[o + 3];
    const hex = '#' + [data[o], data[o + 1], data[o + 2]].map((v) => v.toString(16).padStart(2, '0')).join('');
    if (a === 255) {
      opaque++;
      if (!allowed.has(hex)) off.push(hex);
    } else if (a !== 0 || hex !== '#000000') off.push(`${hex}/${a}`);
  }
  expect(off.slice(0, 5)).toEqual([]);
  return opaque;
}

describe('pixel-art finishing through the engine', () => {
  it('generate with finish returns raw and finished images; finished colours are all in the dataset palette', async () => {
    const raw = await engine.request('latent.sample', { runDir, dataset, count: 9, seed: 4, memorisation: false });
    expect(raw.finished).toBeUndefined(); // never the default
    const r = await engine.request('latent.sample', { runDir, dataset, count: 9, seed: 4, memorisation: false, finish: { colors: 16 } });
    expect(r.strip.png).toBe(raw.strip.png); // the raw images are untouched
    expect(r.finished).toBeDefined();
    const f = r.finished!;
    expect(f).toMatchObject({ colors: 16, alphaThreshold: 0.5 });
    expect(f.strip).toMatchObject({ count: 9, columns: 3, cell: 16 });
    expect(f.palette.length).toBeGreaterThan(1);
    expect(f.palette.length).toBeLessThanOrEqual(16);
    expect(f.palette.every((h) => /^#[0-9a-f]{6}$/.test(h))).toBe(true);

    const finished = await stripRgba(f.strip);
    const rawPixels = await stripRgba(r.strip);
    expect(finished.width).toBe(rawPixels.width);
    const opaque = expectFinished(finished.data, f.palette);
    expect(opaque).toBeGreaterThan(0);
    // Finishing changes the picture: the raw decoder output has colours and alphas the finished one has not.
    const rawAlphas = new Set(Array.from({ length: rawPixels.data.length / 4 }, (_, p) => rawPixels.data[p * 4 + 3]));
    expect(rawAlphas.size).toBeGreaterThan(2);
    // Each finished alpha is the raw alpha thresholded at 0.5.
    for (let p = 0; p < rawPixels.data.length / 4; p++) expect(finished.data[p * 4 + 3]).toBe(rawPixels.data[p * 4 + 3] >= 128 ? 255 : 0);

    // The palette is the dataset's, cached beside it, and the same on the next call.
    const stored = JSON.parse(readFileSync(path.join(dataset, 'palette.json'), 'utf8'));
    expect(stored.palettes['16:0:200000'].palette).toEqual(f.palette);
    const again = await engine.request('latent.sample', { runDir, dataset, count: 9, seed: 4, memorisation: false, finish: { colors: 16 } });
    expect(again.finished!.strip.png).toBe(f.strip.png);
  });

  it('interpolate and traverse with finish show finished frames laid out like the raw ones', async () => {
    const path1 = await engine.request('latent.interpolate', { runDir, dataset, waypoints: [{ index: 0 }, { index: 7 }], method: 'linear', frames: 6, finish: { colors: 20, alphaThreshold: 0.3 } });
    expect(path1.finished).toMatchObject({ colors: 20, alphaThreshold: 0.3, strip: { count: 6, columns: 6, cell: 16 } });
    const rawFrames = await stripRgba(path1.strip);
    const frames = await stripRgba(path1.finished!.strip);
    expectFinished(frames.data, path1.finished!.palette);
    for (let p = 0; p < rawFrames.data.length / 4; p++) expect(frames.data[p * 4 + 3]).toBe(rawFrames.data[p * 4 + 3] / 255 >= 0.3 ? 255 : 0);
    const t = await engine.request('latent.traverse', { runDir, dataset, dims: [0, 1], steps: 5, finish: {} });
    expect(t.finished).toMatchObject({ colors: 32, strip: { count: 10, columns: 5 } });
    expectFinished((await stripRgba(t.finished!.strip)).data, t.finished!.palette);
  });

  it('export with finish writes finished frames and names the palette', async () => {
    const outDir = path.join(work, 'export');
    const report = await engine.request('export.frames', { source: { sample: { runDir, dataset, count: 4, seed: 2 } }, outDir, formats: ['png', 'sheet'], scale: 2, finish: { colors: 16 } });
    expect(report.pixelArt).toMatchObject({ colors: 16, alphaThreshold: 0.5 });
    const palette = report.pixelArt!.palette;
    for (let i = 0; i < 4; i++) {
      const frame = await rgbaOf(readFileSync(path.join(outDir, `frame-${i}.png`)));
      expect(frame.width).toBe(32);
      expectFinished(frame.data, palette);
    }
    expectFinished((await rgbaOf(readFileSync(path.join(outDir, 'sheet.png')))).data, palette);
    // Without finish the same export writes raw frames, with soft alpha.
    const rawDir = path.join(work, 'export-raw');
    const plain = await engine.request('export.frames', { source: { sample: { runDir, dataset, count: 4, seed: 2 } }, outDir: rawDir, formats: ['png'] });
    expect(plain.pixelArt).toBeUndefined();
    const rawFrame = await rgbaOf(readFileSync(path.join(rawDir, 'frame-0.png')));
    expect(new Set(Array.from({ length: rawFrame.data.length / 4 }, (_, p) => rawFrame.data[p * 4 + 3])).size).toBeGreaterThan(2);

    // Latent vectors carry no dataset: finishing them needs one.
    const z = [
      [0, 0, 0, 0],
      [0.5, -0.5, 0, 1],
    ];
    await expect(engine.request('export.frames', { source: { latents: { runDir, z } }, outDir: path.join(work, 'export-z'), finish: { colors: 16 } })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('needs the dataset'),
    });
    const withDataset = await engine.request('export.frames', { source: { latents: { runDir, z, dataset } }, outDir: path.join(work, 'export-z'), formats: ['png'], finish: { colors: 16 } });
    expect(withDataset.files).toHaveLength(2);
    expectFinished((await rgbaOf(readFileSync(path.join(work, 'export-z', 'frame-1.png')))).data, withDataset.pixelArt!.palette);
  });

  it('the CLI writes finished frames with --pixel-art and refuses a bad count in one line', async () => {
    const cli = (args: string[]) => spawnSync(process.execPath, [requireBuilt('src/cli.js'), ...args], { encoding: 'utf8', env: { ...process.env, LATENT_ATLAS_BACKEND: 'wasm' } });
    const out = path.join(work, 'cli-sample');
    const r = cli(['sample', '--run', runDir, '--dataset', dataset, '--count', '3', '--out', out, '--format', 'png', '--pixel-art', '24', '--alpha-threshold', '0.4', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout.trim());
    expect(result.pixelArt).toMatchObject({ colors: 24, alphaThreshold: 0.4 });
    expect(readdirSync(out).sort()).toEqual(['frame-0.png', 'frame-1.png', 'frame-2.png']);
    for (const f of readdirSync(out)) expectFinished((await rgbaOf(readFileSync(path.join(out, f)))).data, result.pixelArt.palette);
    const bad = cli(['interpolate', '0', '3', '--run', runDir, '--dataset', dataset, '--out', path.join(work, 'cli-bad'), '--pixel-art=100']);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('--pixel-art must be a whole number of colours from 16 to 64, got "100"');
  });

  it('refuses a colour count outside 16-64 with a message naming the field', async () => {
    await expect(engine.request('latent.sample', { runDir, dataset, count: 2, finish: { colors: 8 } })).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringContaining('finish.colors: must be a whole number of colours from 16 to 64'),
    });
    await expect(engine.request('export.frames', { source: { sample: { runDir, dataset } }, outDir: path.join(work, 'never'), finish: { colors: 65 } })).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringContaining('finish.colors'),
    });
    expect(existsSync(path.join(work, 'never'))).toBe(false);
  });
});
