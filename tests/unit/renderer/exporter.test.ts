import { describe, expect, it, vi } from 'vitest';
import { exportOptionsSchema, type SampleSpecIn } from '../../../src/contract';
import type { Bridge } from '../../../renderer/lib/bridge-api';
import { Exporter, type ExportSource } from '../../../renderer/lib/export.svelte';
import { Tasks } from '../../../renderer/lib/tasks.svelte';

const spec: SampleSpecIn = { runDir: '/p/runs/r1', dataset: '/p/dataset', count: 4, temperature: 0.8, seed: 3, finish: { palette: 'dataset', colors: 24 } };
const z = [
  [0, 1],
  [1, 0],
  [2, 2],
  [3, 1],
];
const samples: ExportSource = { kind: 'sample', label: 'samples t0.8', frames: 4, spec, z };

function exporter(call: Bridge['call'] = vi.fn()) {
  const bridge = { mode: 'web', call, on: () => () => {} } as unknown as Bridge;
  return { exporter: new Exporter(bridge, new Tasks(), () => '/home/me/atlas'), call };
}

describe('Exporter (the Export panel)', () => {
  it('exports a whole source by its spec, finished as it was made, into a folder named after it', () => {
    const { exporter: ex } = exporter();
    expect(ex.options()).toBeNull();
    ex.setSource(samples);
    expect([ex.first, ex.last]).toEqual([1, 4]);
    expect(ex.outDir).toMatch(/^\/home\/me\/atlas\/exports\/samples-t0-8-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d$/);
    // Made with pixel-art finishing: exported finished, with the same palette size.
    expect([ex.pixelArt, ex.pixelColors]).toEqual([true, 24]);
    const options = ex.options()!;
    expect(options.source).toEqual({ sample: { runDir: '/p/runs/r1', dataset: '/p/dataset', count: 4, temperature: 0.8, seed: 3 } });
    expect(options.finish).toEqual({ palette: 'dataset', colors: 24 });
    expect(options.formats).toEqual(['png', 'sheet']);
    // What the panel sends is what the engine accepts.
    expect(() => exportOptionsSchema.parse(options)).not.toThrow();
  });

  it('exports a range of frames as their latent vectors, and unfinished when finishing is off', () => {
    const { exporter: ex } = exporter();
    ex.setSource(samples);
    ex.first = 2;
    ex.last = 3;
    ex.pixelArt = false;
    ex.indexed = true;
    const options = ex.options()!;
    expect(options.source).toEqual({ latents: { runDir: '/p/runs/r1', dataset: '/p/dataset', z: [z[1], z[2]] } });
    expect(options.finish).toBeUndefined();
    // Indexed PNGs need the finishing palette.
    expect(options.indexed).toBe(false);
    expect(() => exportOptionsSchema.parse(options)).not.toThrow();
  });

  it('trims frames only for atlas layouts that keep offsets (not grid or Kaplay)', () => {
    const { exporter: ex } = exporter();
    ex.setSource(samples);
    ex.trim = true;
    ex.layout = 'aseprite';
    expect(ex.options()?.sheet?.trim).toBe(true);
    ex.layout = 'grid';
    expect(ex.options()?.sheet?.trim).toBe(false);
    ex.layout = 'kaplay';
    expect(ex.options()?.sheet?.trim).toBe(false);
  });

  it('asks for a format instead of calling the engine when none is ticked', async () => {
    const { exporter: ex, call } = exporter();
    ex.setSource(samples);
    ex.formats = { png: false, sheet: false, gif: false, webp: false };
    await ex.run();
    expect(ex.error?.message).toBe('Choose at least one format.');
    expect(call).not.toHaveBeenCalled();
  });

  it('shows the report of a finished export, and forgets the source of an old model', async () => {
    const report = { outDir: '/out', files: ['/out/frame-1.png'], frames: 4 };
    const call = vi.fn(async () => report) as unknown as Bridge['call'];
    const { exporter: ex } = exporter(call);
    ex.setSource(samples);
    await ex.run();
    expect(call).toHaveBeenCalledWith('export.frames', ex.options(), expect.objectContaining({ signal: expect.any(AbortSignal) }));
    expect(ex.report).toEqual(report);
    expect([ex.running, ex.progress]).toEqual([false, null]);
    ex.clearSource();
    expect([ex.source, ex.report, ex.options()]).toEqual([null, null, null]);
  });
});
