/**
 * Premultiplied colour (ModelConfig.alpha): the model holds rgb * a, callers see straight RGBA.
 * Checked as behaviour: colour under a fully transparent pixel makes no difference to a
 * premultiplied model's objective (it does to a straight one's), images come back straight, and a
 * checkpoint saved before the setting loads as straight.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveModelConfig, type ModelConfig } from '../../../src/model/config';
import { loadModel, saveModel } from '../../../src/model/load';
import { Rng } from '../../../src/model/rng';
import { Vae } from '../../../src/model/vae';

let tmp: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await mkdtemp(path.join(os.tmpdir(), 'atlas-premul-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

const tiny = (over: Partial<ModelConfig> = {}): ModelConfig =>
  resolveModelConfig({ height: 16, width: 16, channels: 4, architecture: 'hvae', convFilters: [8, 8], denseUnits: 16, latentDim: 3, lowerChannels: 2, ...over });

/** Two batches of the same sprites that differ only in the colour of their fully transparent pixels. */
function twins(): [tf.Tensor4D, tf.Tensor4D] {
  const rng = new Rng(3);
  const n = 2;
  const a = new Float32Array(n * 16 * 16 * 4);
  for (let p = 0; p < n * 256; p++) {
    const alpha = p % 3 === 0 ? 0 : rng.uniform();
    a.set([rng.uniform(), rng.uniform(), rng.uniform(), alpha], p * 4);
  }
  const b = a.slice();
  for (let p = 0; p < n * 256; p++) if (b[p * 4 + 3] === 0) b.set([rng.uniform(), rng.uniform(), rng.uniform()], p * 4);
  return [tf.tensor4d(a, [n, 16, 16, 4]), tf.tensor4d(b, [n, 16, 16, 4])];
}

function loss(vae: Vae, x: tf.Tensor4D): number {
  const eps = tf.tensor3d(new Rng(5).normals(2 * vae.noiseDim), [1, 2, vae.noiseDim]);
  const t = vae.objective(x, eps, { beta: 1, freeBits: 0, mode: 'eval' });
  const v = t.loss.dataSync()[0];
  tf.dispose(t as unknown as tf.Tensor[]);
  eps.dispose();
  return v;
}

describe('premultiplied colour', () => {
  it('is the default for new RGBA models', () => {
    expect(tiny().alpha).toBe('premultiplied');
    expect(new Vae(tiny(), 1).premultiplied).toBe(true);
    // Grey and RGB models have no alpha to premultiply by.
    expect(new Vae(tiny({ channels: 3 }), 1).premultiplied).toBe(false);
  });

  it('ignores colour under fully transparent pixels; a straight model does not', () => {
    const [x1, x2] = twins();
    const pre = new Vae(tiny({ likelihood: 'gaussian-fixed', gaussianSigma: 0.2 }), 7);
    expect(loss(pre, x1)).toBeCloseTo(loss(pre, x2), 4);
    const straight = new Vae(tiny({ likelihood: 'gaussian-fixed', gaussianSigma: 0.2, alpha: 'straight' }), 7);
    expect(Math.abs(loss(straight, x1) - loss(straight, x2))).toBeGreaterThan(1);
    tf.dispose([x1, x2]);
  });

  it('gives images back straight: rgb / a where visible, 0 where not, all within [0, 1]', () => {
    const vae = new Vae(tiny(), 1);
    // Premultiplied pixels: (0.2, 0.1, 0, a 0.5) is straight (0.4, 0.2, 0); a = 0 with no colour
    // stays empty; a colour above its alpha (0.9 > 0.6) makes the pixel that opaque (a = 0.9),
    // so it adds what it says over a background; values outside [0, 1] are clamped first.
    const m = tf.tensor4d([0.2, 0.1, 0, 0.5, 0, 0, 0, 0, 0.9, 0.2, 0.45, 0.6, -0.1, 0.5, 1.2, 1.3], [1, 2, 2, 4]);
    const out = Array.from(vae.toImage(m).dataSync());
    const expected = [0.4, 0.2, 0, 0.5, 0, 0, 0, 0, 1, 0.2 / 0.9, 0.5, 0.9, 0, 0.5, 1, 1];
    out.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
    // A straight model hands its output on unchanged.
    const straight = new Vae(tiny({ alpha: 'straight' }), 1);
    expect(Array.from(straight.toImage(m).dataSync())).toEqual(Array.from(m.dataSync()));
  });

  it('a checkpoint saved before the setting (no alpha in its config) loads as straight', async () => {
    const dir = path.join(tmp, 'old');
    await saveModel(new Vae(tiny({ alpha: 'straight' }), 2), dir, { step: 1, epoch: 1, datasetHash: 'h' });
    const file = path.join(dir, 'model.json');
    const json = JSON.parse(await readFile(file, 'utf8'));
    delete json.userDefinedMetadata.modelConfig.alpha;
    await writeFile(file, JSON.stringify(json));
    const old = await loadModel(dir);
    expect(old.config.alpha).toBe('straight');
    old.dispose();
    const newDir = path.join(tmp, 'new');
    await saveModel(new Vae(tiny(), 2), newDir, { step: 1, epoch: 1, datasetHash: 'h' });
    const loaded = await loadModel(newDir);
    expect(loaded.config.alpha).toBe('premultiplied');
    loaded.dispose();
  });
});
