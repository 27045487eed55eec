import { describe, expect, it } from 'vitest';
import { aboutDuration, epochsForBudget, workersProbe } from '../../../src/train/plan';

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
});
