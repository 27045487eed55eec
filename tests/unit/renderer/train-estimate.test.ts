import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunEstimate } from '../../../src/contract';
import type { Bridge } from '../../../renderer/lib/bridge-api';
import { BridgeError } from '../../../renderer/lib/bridge-error';
import { TrainEstimate } from '../../../renderer/lib/train-estimate.svelte';

const estimate = { summary: 'about 9 min on 5,713 images' } as RunEstimate;

function setup() {
  const asked: { dataset: string; signal: AbortSignal; resolve: (e: RunEstimate) => void; reject: (err: unknown) => void }[] = [];
  const call = vi.fn(
    (_channel: string, payload: { dataset: string }, options: { signal: AbortSignal }) =>
      new Promise<RunEstimate>((resolve, reject) => asked.push({ dataset: payload.dataset, signal: options.signal, resolve, reject })),
  );
  const bridge = { mode: 'web', call, on: () => () => {} } as unknown as Bridge;
  return { est: new TrainEstimate(bridge), asked };
}

// The debounce is driven by fake timers: what is checked is the order of events, not their speed.
beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('TrainEstimate (the Train panel estimate)', () => {
  it('measures once the settings stop changing, and shows the answer', async () => {
    const { est, asked } = setup();
    est.request('/data/a', { epochs: 5 });
    est.request('/data/a', { epochs: 6 });
    expect(est.status).toBe('measuring');
    expect(asked).toHaveLength(0);
    await vi.runAllTimersAsync();
    expect(asked.map((a) => a.dataset)).toEqual(['/data/a']);
    asked[0].resolve(estimate);
    await vi.runAllTimersAsync();
    expect([est.status, est.estimate, est.error]).toEqual(['ready', estimate, null]);
    // The same question again is not asked again.
    est.request('/data/a', { epochs: 6 });
    await vi.runAllTimersAsync();
    expect(asked).toHaveLength(1);
    expect(est.status).toBe('ready');
  });

  it('a new question cancels the running measurement, whose late answer is not shown', async () => {
    const { est, asked } = setup();
    est.request('/data/a', { epochs: 5 });
    await vi.runAllTimersAsync();
    est.request('/data/b', { epochs: 5 });
    expect(asked[0].signal.aborted).toBe(true);
    asked[0].resolve(estimate);
    await vi.runAllTimersAsync();
    expect(est.estimate).toBeNull();
    expect(asked.map((a) => a.dataset)).toEqual(['/data/a', '/data/b']);
    asked[1].reject(new BridgeError({ code: 'not_found', message: 'No dataset at /data/b' }));
    await vi.runAllTimersAsync();
    expect([est.status, est.estimate, est.error]).toEqual(['failed', null, 'No dataset at /data/b']);
  });

  it('nothing to estimate clears it; cancel stops a pending measurement before it is asked', async () => {
    const { est, asked } = setup();
    est.request('/data/a', { epochs: 5 });
    await vi.runAllTimersAsync();
    asked[0].resolve(estimate);
    await vi.runAllTimersAsync();
    est.request(null, null);
    expect([est.status, est.estimate, est.error]).toEqual(['idle', null, null]);
    est.request('/data/a', { epochs: 7 });
    est.cancel();
    expect(est.status).toBe('idle');
    await vi.runAllTimersAsync();
    expect(asked).toHaveLength(1);
  });
});
