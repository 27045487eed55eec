/**
 * Stability of the default model (the hierarchical VAE with the calibrated decoder) on real
 * sprites at 32x32 RGBA on wasm, on both of the quality bench's sets: the bundled Twemoji sample
 * set and the Dungeon Crawl Stone Soup sprites (Debian's crawl-tiles-data, player.png and
 * main.png auto-sliced as the bench does). Ten seeds of the default preset's settings on each,
 * each trained long enough for the KL warm-up to end and the spatial layers to open, must all
 * keep every layer in use; and a run that does collapse (a huge beta) is told so, with what to do.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/backend/choose';
import { openDataset, type Dataset } from '../../../src/data/store';
import { COLLAPSE_KL_NATS } from '../../../src/train/collapse';
import type { EpochSummary } from '../../../src/train/events';
import { presetSpec } from '../../../src/train/presets';
import { train } from '../../../src/train/train';
import { importDcssSprites } from '../../bench/data';
import { repoRoot } from '../../helpers/built';

let sample: Dataset;
let tmp: string | undefined;

beforeAll(async () => {
  await initBackend({ force: 'wasm' });
  sample = await openDataset(path.join(repoRoot, 'assets', 'sample', 'twemoji-32'));
});
afterAll(async () => {
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

/**
 * The default preset's model and optimiser on a short schedule: 10 epochs of the 456 training
 * images (150 steps), the warm-up over the first 50. (At 60 steps no model has left the prior
 * yet: measured, seed 1 then read 0.35 and 1.31 nats with no active unit, "collapsed" only in
 * the sense of untrained; the flat conv VAE is no further along at that point.)
 */
function shortDefault(seed: number, epochs = 10) {
  const { timeBudgetSec: _budget, ...settings } = { ...presetSpec('balanced').settings, timeBudgetSec: 0 };
  return { ...settings, epochs, warmupSteps: 50, seed, previewCount: 0, valIwaeK: 0, workers: 1 as const };
}

/** The final validation KL per layer, active units and warnings of 10 seeds. */
async function tenSeeds(dataset: Dataset, epochs: number) {
  const finals: { seed: number; kl: number[]; activeUnits: number; warnings: string[] }[] = [];
  for (let seed = 1; seed <= 10; seed++) {
    const r = await train(shortDefault(seed, epochs), dataset);
    const last = r.history.at(-1) as EpochSummary;
    finals.push({ seed, kl: last.val!.klLayers, activeUnits: last.val!.activeUnits, warnings: last.warnings ?? [] });
  }
  console.log(JSON.stringify(finals.map((f) => ({ seed: f.seed, kl: f.kl.map((v) => +v.toFixed(2)), activeUnits: f.activeUnits }))));
  return finals;
}

function expectNoCollapse(finals: Awaited<ReturnType<typeof tenSeeds>>) {
  for (const f of finals) {
    expect(f.kl).toHaveLength(3);
    for (const kl of f.kl) expect(kl).toBeGreaterThan(COLLAPSE_KL_NATS);
    expect(f.activeUnits).toBeGreaterThan(0);
    expect(f.warnings).toEqual([]);
  }
}

describe('the default hierarchical model on real sprites', () => {
  it('trains 10 seeds on the Twemoji sample set without posterior collapse: every layer (z1, the 8x8 z2, the 16x16 z3) above 0.1 nats and active units in the global latent', async () => {
    expectNoCollapse(await tenSeeds(sample, 10));
  }, 900_000);

  it('trains 10 seeds on the Dungeon Crawl sprites without posterior collapse (3 epochs of their 3,144 training sprites: 147 steps, as long as the Twemoji runs)', async () => {
    // Fetched and sliced here, not for the whole file: only this test needs apt and the sheets.
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'atlas-collapse-'));
    const dcss = await openDataset((await importDcssSprites(path.join(tmp, 'dcss-32'))).dataset);
    expect(dcss.indicesOf('train').length).toBeGreaterThan(3000);
    expectNoCollapse(await tenSeeds(dcss, 3));
    // 563 s alone on this 2-core machine; the suite may run another file beside it.
  }, 1_800_000);

  it('says so when a run collapses (beta 200 pushes every layer to the prior), naming the layer and what to do', async () => {
    const events: string[][] = [];
    await train({ ...shortDefault(1), epochs: 3, warmupSteps: 0, beta: 200 }, sample, {
      onProgress: (e) => {
        if (e.type === 'epoch') events.push(e.warnings ?? []);
      },
    });
    expect(events[0]).toEqual([]); // the first epoch is not judged
    const last = events.at(-1)!;
    expect(last.length).toBeGreaterThan(0);
    expect(last.join(' ')).toMatch(/Posterior collapse: the (global|spatial) latent/);
    expect(last.join(' ')).toMatch(/warm-up|free bits|beta/);
  }, 600_000);
});
