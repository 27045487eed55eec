import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { initBackend } from '../../../src/backend/choose';
import { openDataset, writeDataset, type Dataset } from '../../../src/data/store';
import { train } from '../../../src/train/train';
import { repoRoot } from '../../helpers/built';

/**
 * A few real training steps on real images: 48 Twemoji from the bundled sample set (at 16x16,
 * so the plain-JavaScript cpu backend finishes in about a minute), with the default model, on
 * every backend this machine has. The training loss falls and the validation ELBO rises.
 */
async function sampleSubset(dir: string, count: number, size: number): Promise<Dataset> {
  const sample = await openDataset(path.join(repoRoot, 'assets', 'sample', 'twemoji-32'));
  const { size: from, channels } = sample.index;
  const stride = size * size * channels;
  const pixels = new Uint8Array(count * stride);
  for (let i = 0; i < count; i++) {
    const small = await sharp(Buffer.from(sample.image(i)), { raw: { width: from, height: from, channels } })
      .resize(size, size, { kernel: 'lanczos3' })
      .raw()
      .toBuffer();
    pixels.set(small, i * stride);
  }
  const items = sample.index.items.slice(0, count).map((it, i) => ({ ...it, split: i % 6 === 5 ? ('val' as const) : ('train' as const) }));
  await writeDataset(dir, { size, channels }, { options: {}, items, labels: sample.index.labels }, pixels);
  return openDataset(dir);
}

// wasm and cpu always; tfjs-node where it installed (the app's own choice picks it first).
const backends: Array<'tensorflow' | 'wasm' | 'cpu'> = ['wasm', 'cpu'];
if ((await initBackend()).label === 'tfjs-node') backends.unshift('tensorflow');

describe('training on the sample set', () => {
  it.each(backends)(
    'lowers the loss of the default conv model in a few steps on %s',
    async (backend) => {
      expect((await initBackend({ force: backend })).label).toBe(backend === 'tensorflow' ? 'tfjs-node' : backend);
      const ds = await sampleSubset(path.join(mkdtempSync(path.join(tmpdir(), 'atlas-sample-train-')), 'ds'), 48, 16);
      const losses: number[] = [];
      const vals: number[] = [];
      const result = await train({ epochs: 3, batchSize: 8, learningRate: 5e-3, warmupSteps: 0, seed: 5, previewCount: 0, progressEverySteps: 1 }, ds, {
        onProgress: (e) => {
          if (e.type === 'step') losses.push(e.loss);
          if (e.type === 'epoch' && e.val) vals.push(e.val.elbo);
        },
      });
      expect(result.status).toBe('completed');
      expect(losses).toHaveLength(15); // 40 training images in batches of 8, 3 epochs
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      // From about log 2 nats per value (an untrained decoder) it falls steadily: ~4% in 15 steps here.
      expect(mean(losses.slice(-3))).toBeLessThan(0.98 * mean(losses.slice(0, 3)));
      expect(vals).toHaveLength(3);
      expect(vals[1]).toBeGreaterThan(vals[0]);
      expect(vals[2]).toBeGreaterThan(vals[1]);
      console.log(JSON.stringify({ backend, firstLoss: losses[0], lastLoss: losses.at(-1), valElbo: vals.map((v) => Math.round(v * 10) / 10) }));
      // The default model at full width on the cpu backend: about a minute here, more when the
      // other test file running beside it is busy too, so more than the suite's 2 minutes.
    },
    300_000,
  );
});
