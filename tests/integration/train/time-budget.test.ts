import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { initBackend } from '../../../src/backend/choose';
import { openDataset, type Dataset } from '../../../src/data/store';
import type { RunEstimate } from '../../../src/contract';
import type { TrainEvent } from '../../../src/train/events';
import { readCheckpointState } from '../../../src/train/checkpoint';
import { estimateRun, PARALLEL_MIN_SPEEDUP } from '../../../src/train/plan';
import { presetSpec } from '../../../src/train/presets';
import { train, WARMUP_BUDGET_SHARE } from '../../../src/train/train';
import { repoRoot } from '../../helpers/built';

/**
 * Presets are time budgets: before the first step the run measures its own model on its own
 * dataset, computes the epochs that fit, and says so ("about 20 s on 507 images"). On the real
 * bundled sample set (507 Twemoji, 32x32 RGBA) with a 20 s budget made for this test, the real
 * training time after the probe is within 2x of that estimate (the one wall-clock check, asked for by issue 11).
 */
let ds: Dataset;
beforeAll(async () => {
  await initBackend({ force: 'wasm' });
  ds = await openDataset(path.join(repoRoot, 'assets', 'sample', 'twemoji-32'));
});

type Plan = Extract<TrainEvent, { type: 'plan' }>;

/** Threads that spin until stopped: a busy machine. */
function spinThreads(count: number): { stop: () => void } {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const code = `const { workerData } = require('node:worker_threads'); const f = new Int32Array(workerData); let x = 0; while (Atomics.load(f, 0) === 0) { for (let i = 0; i < 1e5; i++) x += i; }`;
  const threads = Array.from({ length: count }, () => new Worker(code, { eval: true, workerData: flag.buffer }));
  return {
    stop: () => {
      Atomics.store(flag, 0, 1);
      for (const t of threads) void t.terminate();
    },
  };
}
type Epoch = Extract<TrainEvent, { type: 'epoch' }>;

describe('a time budget on the sample set', () => {
  it('computes epochs from a measured probe, says so, and takes within 2x of its estimate', { timeout: 300_000 }, async () => {
    // The Quick preset's model and batch, with a 20 s budget instead of its 2 minutes.
    const quick = presetSpec('quick').settings;
    const settings = { ...quick, timeBudgetSec: 20, valMaxImages: 512, previewCount: 8 };
    const events: TrainEvent[] = [];
    let planAt = 0;
    const result = await train(settings, ds, {
      onProgress: (e) => {
        if (e.type === 'plan' && !e.revised) planAt = performance.now();
        events.push(e);
      },
    });
    const seconds = (performance.now() - planAt) / 1000;
    const plans = events.filter((e): e is Plan => e.type === 'plan');
    const plan = plans[0];
    // The plan comes before any step; a re-plan (the epochs ran at another speed than the probe
    // measured) changes the epochs, never below the first plan's; the run trains exactly the
    // epochs of its last plan.
    expect(events[0].type).toBe('plan');
    expect(plan.revised).toBe(false);
    const last = plans.at(-1)!;
    for (const [i, p] of plans.slice(1).entries()) {
      expect(p.revised).toBe(true);
      expect(p.epochs).not.toBe(plans[i].epochs);
      expect(p.epochs).toBeGreaterThanOrEqual(plan.epochs);
    }
    expect(result.status).toBe('completed');
    expect(result.epoch).toBe(last.epochs);
    expect(result.config.epochs).toBe(last.epochs);
    expect(plan).toMatchObject({ budgetSec: 20, trainImages: 456, valImages: 51, workers: result.workers });
    expect(plan.imagesPerSec).toBeGreaterThan(0);
    expect(plan.valImagesPerSec).toBeGreaterThan(0);
    // epochs = max(1, floor((budget - probe) / seconds per epoch)): probe and training fit the budget
    // unless one epoch alone does not.
    expect(plan.probeSec).toBeGreaterThan(0);
    expect(plan.epochs).toBe(Math.max(1, Math.floor((20 - plan.probeSec) / plan.epochSec)));
    expect(plan.estimatedSec).toBeCloseTo(plan.epochs * plan.epochSec, 6);
    if (plan.epochs > 1) expect(plan.probeSec + plan.estimatedSec).toBeLessThanOrEqual(20);
    expect(plan.summary).toMatch(/^about \d+ s on 507 images \(\d+ epochs? at \d+ img\/s\)$/);
    // The KL warm-up takes at most a fifth of the planned steps (the preset's 300 would be the
    // whole of a 20 s run, and the spatial layers open only when it ends).
    const plannedSteps = plan.epochs * Math.ceil(456 / quick.batchSize);
    expect(WARMUP_BUDGET_SHARE).toBe(0.2);
    expect(result.config.warmupSteps).toBe(Math.min(quick.warmupSteps, Math.ceil(0.2 * plannedSteps)));
    expect(result.config.warmupSteps).toBeLessThan(quick.warmupSteps);
    console.log(
      `time budget 20 s: plan ${plan.summary}, probe ${plan.probeSec.toFixed(1)} s, training estimate ${plan.estimatedSec.toFixed(1)} s, real ${seconds.toFixed(1)} s (${(seconds / plan.estimatedSec).toFixed(2)}x)${plan.probe ? `; ${plan.probe.note}` : ''}${plans.length > 1 ? `; re-planned to ${last.epochs} epochs` : ''}`,
    );
    expect(seconds).toBeLessThanOrEqual(2 * plan.estimatedSec);
    expect(seconds).toBeGreaterThanOrEqual(plan.estimatedSec / 2);

    // What the user sees each epoch: 8 validation images across all 8 labels, the same every epoch,
    // and a validation PSNR.
    const epochs = events.filter((e): e is Epoch => e.type === 'epoch');
    expect(epochs).toHaveLength(last.epochs);
    const val = new Set(ds.indicesOf('val'));
    const indices = epochs[0].preview!.indices;
    expect(indices).toHaveLength(8);
    expect(indices.every((i) => val.has(i))).toBe(true);
    expect(new Set(indices.map((i) => ds.index.items[i].label)).size).toBe(8);
    for (const e of epochs) expect(e.preview!.indices).toEqual(indices);
    for (const e of epochs) {
      expect(e.val!.psnrDb).toBeGreaterThan(5);
      expect(e.val!.psnrDb).toBeLessThan(60);
    }
  });

  it('re-plans at an epoch end when the epochs run faster than the probe measured, so the budget is filled, not left idle', { timeout: 300_000 }, async () => {
    // The machine is busy while the probe runs (two spinning threads on two cores, as when an
    // import or another app is finishing) and quiet once the plan is made: the probe measures
    // well under the real speed, as a cold probe under-measured a quarter on the DCSS sprites.
    // (With three threads and 30 s the probe's 12 steps took 11 s and planned a single epoch,
    // which leaves no epoch after the warm-up to re-plan from.)
    const hogs = spinThreads(2);
    const quick = presetSpec('quick').settings;
    const budget = 40;
    const settings = { ...quick, timeBudgetSec: budget, workers: 1 as const, valMaxImages: 512, previewCount: 8 };
    const dir = await mkdtemp(path.join(tmpdir(), 'la-replan-'));
    const events: TrainEvent[] = [];
    let planAt = 0;
    try {
      const result = await train(settings, ds, {
        checkpointDir: dir,
        onProgress: (e) => {
          if (e.type === 'plan' && !e.revised) {
            planAt = performance.now();
            hogs.stop();
          }
          events.push(e);
        },
      });
      const seconds = (performance.now() - planAt) / 1000;
      const plans = events.filter((e): e is Plan => e.type === 'plan');
      const [first, ...revisions] = plans;
      const last = plans.at(-1)!;
      console.log(
        `re-plan, budget ${budget} s: ${plans.map((p) => `${p.epochs} epochs (${Math.round(p.imagesPerSec)} img/s, ${p.epochSec.toFixed(2)} s each)`).join(' -> ')}; probe ${first.probeSec.toFixed(1)} s, training ${seconds.toFixed(1)} s (epochs ${events.flatMap((e) => (e.type === 'epoch' ? [e.seconds.toFixed(1)] : [])).join(', ')} s); ${last.summary}`,
      );
      expect(first.revised).toBe(false);
      expect(revisions.length).toBeGreaterThan(0);
      // Each revision comes right after an epoch's summary, at that epoch, and measured the run
      // faster than the busy probe did; the first raises the epochs, later ones may adjust them
      // either way (never below the first plan's) as the epochs' times vary.
      expect(revisions[0].epochs).toBeGreaterThan(first.epochs);
      for (const [i, p] of revisions.entries()) {
        const at = events.indexOf(p);
        const before = events[at - 1];
        expect(before.type).toBe('epoch');
        if (before.type !== 'epoch') return;
        expect(p).toMatchObject({ revised: true, epoch: before.epoch, step: before.step, budgetSec: budget, workers: 1 });
        expect(p.epochs).toBeGreaterThan(first.epochs);
        expect(p.imagesPerSec).toBeGreaterThan(first.imagesPerSec);
        const change =
          p.epochs > plans[i].epochs
            ? `raised from ${plans[i].epochs} after epoch ${p.epoch}, faster than first measured`
            : `lowered from ${plans[i].epochs} after epoch ${p.epoch}, slower than measured earlier`;
        expect(p.summary).toMatch(new RegExp(`^about \\d+ s on 507 images \\(${p.epochs} epochs at \\d+ img/s; ${change}\\)$`));
        // Progress after it counts to the new end.
        const step = events.slice(at).find((e) => e.type === 'step');
        if (step?.type === 'step') expect(step).toMatchObject({ epochs: p.epochs, totalSteps: p.epochs * step.stepsPerEpoch });
      }
      // It trains every epoch of its last plan, and its checkpoint holds them (a resume finishes the raised run).
      expect(result.status).toBe('completed');
      expect(result.epoch).toBe(last.epochs);
      expect(events.filter((e) => e.type === 'epoch')).toHaveLength(last.epochs);
      expect((await readCheckpointState(dir))!.config.epochs).toBe(last.epochs);
      // Filled: the last re-plan leaves less than an epoch unused, so the run ends within a few
      // epochs of the budget (without the re-plan it ended at about half of it: 3 epochs in 15 s
      // of 30, when this test had 30 s); slower epochs after it (a loaded machine) can only make it later, and the
      // real time stays within 2x of the budget asked for.
      const total = first.probeSec + seconds;
      expect(total).toBeGreaterThan(budget - 3 * last.epochSec);
      expect(total).toBeLessThan(2 * budget);
    } finally {
      hogs.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('estimates before a run (train.estimate): the same epochs formula, and "auto" workers from a probe', { timeout: 120_000 }, async () => {
    const quick = presetSpec('quick').settings;
    const estimate: RunEstimate = await estimateRun({ ...quick, timeBudgetSec: 600, valMaxImages: 512 }, ds);
    expect(estimate.budgetSec).toBe(600);
    expect(estimate.epochs).toBe(Math.max(1, Math.floor((600 - estimate.probeSec) / estimate.epochSec)));
    expect(estimate.summary).toMatch(/^about (\d+ min|\d+ s) on 507 images/);
    // Batch 32 on wasm with two cores: "auto" measured 1 and 2 workers and took the faster.
    expect(estimate.probe).not.toBeNull();
    const probe = estimate.probe!;
    expect(probe.oneImagesPerSec).toBeGreaterThan(0);
    expect(probe.twoImagesPerSec).toBeGreaterThan(0);
    expect(probe.speedup).toBeCloseTo(probe.twoImagesPerSec! / probe.oneImagesPerSec, 9);
    expect(probe.chosen).toBe(probe.speedup! >= PARALLEL_MIN_SPEEDUP ? 2 : 1);
    expect(estimate.workers).toBe(probe.chosen);
    expect(probe.note).toMatch(probe.chosen === 2 ? /^2 workers: [\d.]+x faster than 1 in a probe/ : /^1 worker: 2 measured [\d.]+x of 1 in a probe/);
    console.log(`estimate for 10 min: ${estimate.summary}; ${probe.note}`);

    // Fixed epochs and fixed workers: still measured, no budget, no probe.
    const fixed = await estimateRun({ ...quick, epochs: 3, workers: 1 }, ds);
    expect(fixed).toMatchObject({ budgetSec: null, epochs: 3, workers: 1, probe: null });
    expect(fixed.estimatedSec).toBeCloseTo(3 * fixed.epochSec, 6);
  });
});
