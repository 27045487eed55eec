import { describe, expect, it } from 'vitest';
import type { RunEstimate } from '../../../src/contract';
import { aboutDuration, epochsForBudget, revisePlan, workersProbe } from '../../../src/train/plan';

describe('a run plan', () => {
  it('takes 2 workers only when they measured at least 1.1x of 1, and says so with both rates', () => {
    expect(workersProbe(370, 520)).toMatchObject({ chosen: 2, note: '2 workers: 1.41x faster than 1 in a probe (520 vs 370 img/s)' });
    expect(workersProbe(434, 378)).toMatchObject({ chosen: 1, note: '1 worker: 2 measured 0.87x of 1 in a probe (378 vs 434 img/s)' });
    expect(workersProbe(400, 430).chosen).toBe(1); // 1.075x: not clearly faster
    expect(workersProbe(400, 440).chosen).toBe(2);
    expect(workersProbe(400, null, 'no such file')).toMatchObject({ chosen: 1, speedup: null, note: '1 worker: the second could not start (no such file)' });
  });

  it('fits whole epochs in the budget, at least one', () => {
    expect(epochsForBudget(600, 50)).toBe(12);
    expect(epochsForBudget(600, 49.9)).toBe(12);
    expect(epochsForBudget(120, 200)).toBe(1);
    expect(epochsForBudget(-5, 3)).toBe(1);
  });

  it('rounds durations the way people say them', () => {
    expect(aboutDuration(12.4)).toBe('about 12 s');
    expect(aboutDuration(0.2)).toBe('about 1 s');
    expect(aboutDuration(540)).toBe('about 9 min');
    expect(aboutDuration(1790)).toBe('about 30 min');
    expect(aboutDuration(2 * 3600)).toBe('about 2 h');
    expect(aboutDuration(5400)).toBe('about 1.5 h');
  });

  it('re-plans a time budget at an epoch end: the whole epochs that fit what is left, never fewer than first promised', () => {
    // The DCSS seed-2 case: 26 epochs planned at a probe's 17.5 s each for a 600 s budget; the
    // epochs really took 13 s. After 4 of them (52 s of training, 8 s of probe, 60 s elapsed):
    // 540 s left fit floor(540 / 13) = 41 more, 45 in all.
    const plan: RunEstimate = {
      budgetSec: 600,
      epochs: 26,
      trainImages: 3144,
      valImages: 349,
      imagesPerSec: 190,
      valImagesPerSec: 900,
      epochSec: 17.5,
      estimatedSec: 455,
      probeSec: 8,
      workers: 2,
      probe: null,
      summary: 'about 8 min on 3,493 images (26 epochs at 190 img/s)',
    };
    const at = { plan, epochsDone: 4, plannedEpochs: 26, promisedEpochs: 26, secondsLeft: 540, epochSec: 13, imagesPerSec: 262.4, elapsedSec: 60, images: 3493 };
    const raised = revisePlan(at)!;
    expect(raised).toMatchObject({ budgetSec: 600, epochs: 45, epochSec: 13, imagesPerSec: 262.4, estimatedSec: 41 * 13, workers: 2, trainImages: 3144 });
    // What the user reads: the whole run's length (60 s done + 533 s to go), on the same images.
    expect(raised.summary).toBe('about 10 min on 3,493 images (45 epochs at 262 img/s; raised from 26 after epoch 4, faster than first measured)');
    // Exactly the planned epochs fit: the plan stands. One more fits: raised by one.
    expect(revisePlan({ ...at, secondsLeft: 22 * 13 + 12.9 })).toBeNull();
    expect(revisePlan({ ...at, secondsLeft: 23 * 13 })!.epochs).toBe(27);
    // Slower than the promise (or the budget spent): the promised 26 stand, never fewer.
    expect(revisePlan({ ...at, epochSec: 30 })).toBeNull();
    expect(revisePlan({ ...at, secondsLeft: -3 })).toBeNull();
    expect(revisePlan({ ...at, epochSec: 0 })).toBeNull();
    // Raised to 45 earlier, then later epochs slowed: after epoch 33, 70 s left at 21 s each fit
    // 3 more, so 36, never under the 26 promised.
    const lowered = revisePlan({ ...at, plannedEpochs: 45, epochsDone: 33, secondsLeft: 70, epochSec: 21, elapsedSec: 530 })!;
    expect(lowered).toMatchObject({ epochs: 36, estimatedSec: 63 });
    expect(lowered.summary).toBe('about 10 min on 3,493 images (36 epochs at 262 img/s; lowered from 45 after epoch 33, slower than measured earlier)');
    expect(revisePlan({ ...at, plannedEpochs: 30, epochsDone: 20, secondsLeft: 10, epochSec: 21 })!.epochs).toBe(26);
    expect(revisePlan({ ...at, plannedEpochs: 30, epochsDone: 28, secondsLeft: -5, epochSec: 21 })!.epochs).toBe(28);
    // The dead band: a plan that ends within half an epoch past the budget, or less than a whole
    // epoch before it, stands.
    const planned40 = { ...at, plannedEpochs: 40, epochsDone: 20, epochSec: 10 };
    expect(revisePlan({ ...planned40, secondsLeft: 196 })).toBeNull(); // reach 39.6
    expect(revisePlan({ ...planned40, secondsLeft: 209 })).toBeNull(); // reach 40.9
    expect(revisePlan({ ...planned40, secondsLeft: 210 })!.epochs).toBe(41); // reach 41
    expect(revisePlan({ ...planned40, secondsLeft: 194 })!.epochs).toBe(39); // reach 39.4
    // Once a run has lowered its plan it only lowers: a faster epoch after that does not raise it
    // back (reach 41 would raise a run that never lowered), but a slower one still lowers it.
    expect(revisePlan({ ...planned40, secondsLeft: 210, mayRaise: false })).toBeNull();
    expect(revisePlan({ ...planned40, secondsLeft: 194, mayRaise: false })!.epochs).toBe(39);
  });
});
