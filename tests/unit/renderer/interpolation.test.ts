import { describe, expect, it, vi } from 'vitest';
import type { LatentPathResult } from '../../../src/contract';
import type { TrainedRun } from '../../../renderer/lib/app-state';
import type { Bridge } from '../../../renderer/lib/bridge-api';
import { Interpolation, METHODS, type PathView } from '../../../renderer/lib/interpolate.svelte';
import { Tasks } from '../../../renderer/lib/tasks.svelte';

const run = { runDir: '/p/runs/r1', dataset: '/p/dataset' } as TrainedRun;

/** A path of `frames` frames as the engine answers it (the strip's bytes need not be a real PNG here). */
function pathResult(method: LatentPathResult['method'], frames: number): LatentPathResult {
  const points = new Float32Array(frames * 3).map((_, i) => i / 10);
  return {
    method,
    z: Array.from({ length: frames }, (_, i) => [i, -i]),
    points: Buffer.from(points.buffer).toString('base64'),
    strip: { png: Buffer.from('png bytes').toString('base64'), count: frames, columns: frames, cell: 8 },
    length: 1.5,
    linearLength: 1.5,
  };
}

function setup() {
  const answers: { resolve: (r: LatentPathResult) => void; signal: AbortSignal }[] = [];
  const call = vi.fn((_channel: string, _spec: unknown, options: { signal: AbortSignal }) => new Promise<LatentPathResult>((resolve) => answers.push({ resolve, signal: options.signal })));
  const bridge = { mode: 'web', call, on: () => () => {} } as unknown as Bridge;
  // The 3D view: the path cannot be placed under this layout, so the engine's PCA points are used.
  const view = { paths: { removePath: vi.fn() }, scene: null, showPath: vi.fn(async () => Promise.reject(new Error('no layout'))) } as unknown as PathView;
  let trained: TrainedRun | null = run;
  const interp = new Interpolation(bridge, new Tasks(), view, () => trained);
  return { interp, call, answers, view, noModel: () => (trained = null) };
}

describe('Interpolation (the Interpolate panel)', () => {
  it('clicks fill A, then B, then start over at A', () => {
    const { interp } = setup();
    interp.pick(4);
    expect([interp.a, interp.b]).toEqual([4, null]);
    interp.pick(9);
    expect([interp.a, interp.b]).toEqual([4, 9]);
    interp.pick(1);
    expect([interp.a, interp.b]).toEqual([1, null]);
    interp.swap();
    expect([interp.a, interp.b]).toEqual([null, 1]);
    interp.setEnd('a', 6);
    expect([interp.a, interp.b]).toEqual([6, 1]);
  });

  it('interpolates A to B with the chosen settings and shows the first frame of that method', async () => {
    const { interp, call, answers } = setup();
    interp.setEnd('a', 2);
    interp.setEnd('b', 5);
    interp.frames = 3;
    const running = interp.run('geodesic');
    expect(interp.running).toBe('geodesic');
    expect(call).toHaveBeenCalledWith(
      'latent.interpolate',
      { runDir: run.runDir, dataset: run.dataset, waypoints: [{ index: 2 }, { index: 5 }], method: 'geodesic', frames: 3, lower: 'endpoints' },
      expect.anything(),
    );
    answers[0].resolve(pathResult('geodesic', 3));
    await running;
    expect(interp.running).toBeNull();
    expect(interp.shown).toBe('geodesic');
    expect(interp.frame).toBe(0);
    expect(interp.current?.strip.count).toBe(3);
    expect(Array.from(interp.current!.points)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8].map(Math.fround));
  });

  it('a new end drops every method path, on screen and in the 3D view', async () => {
    const { interp, answers, view } = setup();
    interp.setEnd('a', 0);
    interp.setEnd('b', 1);
    const running = interp.run('linear');
    answers[0].resolve(pathResult('linear', 2));
    await running;
    expect(interp.results.linear).toBeDefined();
    vi.mocked(view.paths.removePath).mockClear();
    interp.setEnd('b', 3);
    expect(interp.results).toEqual({});
    expect(interp.current).toBeNull();
    expect(vi.mocked(view.paths.removePath).mock.calls.map((c) => c[0])).toEqual(METHODS);
  });

  it('another dataset clears A and B and drops the answer of a path still running; another model keeps the ends', async () => {
    const { interp, answers } = setup();
    interp.setEnd('a', 0);
    interp.setEnd('b', 1);
    const running = interp.run('slerp');
    interp.reset('dataset');
    expect(answers[0].signal.aborted).toBe(true);
    answers[0].resolve(pathResult('slerp', 2));
    await running;
    expect(interp.results).toEqual({});
    expect([interp.a, interp.b, interp.running]).toEqual([null, null, null]);
    interp.setEnd('a', 3);
    interp.setEnd('b', 4);
    interp.reset('model');
    expect([interp.a, interp.b]).toEqual([3, 4]);
  });

  it('does nothing without a model or without both ends', async () => {
    const { interp, call, noModel } = setup();
    interp.setEnd('a', 0);
    await interp.run();
    expect(call).not.toHaveBeenCalled();
    interp.setEnd('b', 1);
    noModel();
    await interp.run();
    expect(call).not.toHaveBeenCalled();
  });
});
