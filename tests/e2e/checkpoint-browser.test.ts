import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { initBackend } from '../../src/backend/choose';
import { loadModel, resolveModelDir } from '../../src/model/load';
import { Rng } from '../../src/model/rng';
import { train } from '../../src/train/train';
import { launchChromium, watchConsole } from '../helpers/browser';
import { repoRoot } from '../helpers/built';
import { makeShapesDataset } from '../integration/train/fixtures';

/**
 * A training checkpoint is plain tfjs model.json + weights.bin: a browser loads it with tfjs's
 * own HTTP loader and, with the app's model code, decodes the same images as the engine.
 */
let browser: Browser;
let runDir: string;
beforeAll(async () => {
  await initBackend({ force: 'wasm' });
  const tmp = mkdtempSync(path.join(tmpdir(), 'atlas-ckpt-browser-'));
  const ds = await makeShapesDataset(path.join(tmp, 'ds'), { count: 32, size: 16, channels: 4, seed: 4 });
  runDir = path.join(tmp, 'run');
  await train({ architecture: 'conv', latentDim: 3, epochs: 3, batchSize: 8, previewCount: 0, valIwaeK: 0 }, ds, { checkpointDir: runDir });
  browser = await launchChromium();
});
afterAll(() => browser?.close());

describe('checkpoints in a browser', () => {
  it('load with tf.io.browserHTTPRequest and decode what the engine decodes', async () => {
    const modelDir = await resolveModelDir(runDir);
    const rng = new Rng(9);
    const z = Array.from({ length: 4 }, () => Array.from(rng.normals(3)));

    const model = await loadModel(runDir);
    const expected = tf.tidy(() => model.decode(tf.tensor2d(z)));
    const want = Array.from(await expected.data());
    const wantShape = expected.shape;
    expected.dispose();
    model.dispose();

    const bundle = await build({
      entryPoints: [path.join(repoRoot, 'tests', 'helpers', 'browser-model-entry.ts')],
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'iife',
      logLevel: 'silent',
    });
    const origin = 'https://checkpoint.test';
    const page = await browser.newPage();
    const errors = watchConsole(page);
    const files: Record<string, { body: Buffer | string; type: string }> = {
      '/': { body: '<!doctype html><title>checkpoint</title><script src="/model-code.js"></script>', type: 'text/html' },
      '/model-code.js': { body: bundle.outputFiles[0].text, type: 'text/javascript' },
      '/ckpt/model.json': { body: readFileSync(path.join(modelDir, 'model.json')), type: 'application/json' },
      '/ckpt/weights.bin': { body: readFileSync(path.join(modelDir, 'weights.bin')), type: 'application/octet-stream' },
    };
    const served: string[] = [];
    await page.route(`${origin}/**`, (route) => {
      const file = files[new URL(route.request().url()).pathname];
      served.push(new URL(route.request().url()).pathname);
      return file ? route.fulfill({ status: 200, body: file.body, contentType: file.type }) : route.fulfill({ status: 404, body: '' });
    });
    await page.goto(`${origin}/`);
    const got = await page.evaluate(
      ({ url, z }) =>
        (globalThis as unknown as { decodeCheckpoint(u: string, z: number[][]): Promise<{ backend: string; format: string | null; shape: number[]; values: number[] }> }).decodeCheckpoint(url, z),
      { url: `${origin}/ckpt/model.json`, z },
    );
    expect(served).toEqual(expect.arrayContaining(['/ckpt/model.json', '/ckpt/weights.bin']));
    expect(got.backend).toBe('cpu');
    expect(got.format).toBe('latent-atlas-vae');
    expect(got.shape).toEqual(wantShape);
    const maxDiff = got.values.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i])), 0);
    expect(maxDiff).toBeLessThan(1e-4);
    // The images are not flat: the pixels vary far more than the two decodes differ.
    const range = Math.max(...want) - Math.min(...want);
    console.log(JSON.stringify({ checkpointInBrowser: { maxDiff, range } }));
    expect(range).toBeGreaterThan(0.02);
    expect(maxDiff).toBeLessThan(range / 100);
    expect(errors).toEqual([]);
    await page.close();
  });
});
