/**
 * The latent tools' and exports' limits and defaults are exported once, by the contract
 * (LATENT_LIMITS, LATENT_DEFAULTS, EXPORT_LIMITS, EXPORT_DEFAULTS, SHEET_LIMITS, SHEET_DEFAULTS):
 * the schemas, the CLI's flag tables and --help, the engine's palette check and the Generate,
 * Interpolate and Export panels must state and enforce exactly those (a panel may offer less,
 * never more). Each check here fails when one of them is typed again and drifts.
 * (tests/unit/contract-limits.test.ts does the same for training and import.)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  EXPORT_DEFAULTS,
  EXPORT_FORMATS,
  EXPORT_LIMITS,
  exportOptionsSchema,
  INTERPOLATION_METHODS,
  interpolateSpecSchema,
  LATENT_DEFAULTS,
  LATENT_LIMITS,
  pixelArtFinishSchema,
  SAMPLE_PRIORS,
  sampleSpecSchema,
  SHEET_DEFAULTS,
  SHEET_LIMITS,
  SHEET_LAYOUTS,
  traverseSpecSchema,
  withinLimit,
  type NumberLimit,
  type PayloadIn,
  type RequestChannel,
} from '../../src/contract';
import { exportCommandFlags } from '../../src/cli/export';
import { helpSentence, type FlagTable } from '../../src/cli/flag-table';
import { encodeFlags, exportFlags, interpolateFlags, sampleFlags, traverseFlags } from '../../src/cli/latent';
import { pixelArtFlags } from '../../src/cli/pixel-art';
import { sheetFlags } from '../../src/cli/sheet-flags';
import { checkPaletteColors } from '../../src/export/palette';
import type { Bridge } from '../../renderer/lib/bridge-api';
import { Exporter } from '../../renderer/lib/export.svelte';
import { Generation } from '../../renderer/lib/generate.svelte';
import { Interpolation, type PathView } from '../../renderer/lib/interpolate.svelte';
import { ATTRIBUTE_FIELDS, EXPORT_FIELDS, GENERATE_FIELDS, INTERPOLATE_FIELDS } from '../../renderer/lib/latent-forms';
import { Tasks } from '../../renderer/lib/tasks.svelte';
import { repoRoot } from '../helpers/built';

/** Values at and around a limit's bounds: on each bound, one step beyond and inside, and a fraction. */
function probes(limit: NumberLimit): number[] {
  const step = limit.integer ? 1 : 1e-6;
  const values: number[] = [];
  if (Number.isFinite(limit.min)) values.push(limit.min, limit.min - step, limit.min + step);
  if (Number.isFinite(limit.max)) values.push(limit.max, limit.max + step, limit.max - step);
  if (limit.integer && Number.isFinite(limit.min)) values.push(limit.min + 1.5);
  return values;
}

/** Whether `inner` lies within `outer`: a form may offer less than the engine takes, never more. */
function within(inner: NumberLimit, outer: NumberLimit): boolean {
  return inner.min >= outer.min && inner.max <= outer.max && (inner.integer || !outer.integer);
}

const runAndDataset = { runDir: '/runs/a', dataset: '/datasets/a' };

describe('the CLI flag tables', () => {
  const numberFlags: Array<[string, FlagTable, string, NumberLimit]> = [
    ['sample', sampleFlags, 'count', LATENT_LIMITS.sampleCount],
    ['sample', sampleFlags, 'temperature', LATENT_LIMITS.temperature],
    ['sample', sampleFlags, 'detail', LATENT_LIMITS.detail],
    ['sample', sampleFlags, 'seed', LATENT_LIMITS.seed],
    ['interpolate', interpolateFlags, 'frames', LATENT_LIMITS.interpolateFrames],
    ['interpolate', interpolateFlags, 'iterations', LATENT_LIMITS.geodesicIterations],
    ['interpolate', interpolateFlags, 'learning-rate', LATENT_LIMITS.geodesicLearningRate],
    ['traverse', traverseFlags, 'steps', LATENT_LIMITS.traverseSteps],
    ['traverse', traverseFlags, 'range', LATENT_LIMITS.traverseRange],
    ['traverse', traverseFlags, 'seed', LATENT_LIMITS.seed],
    ['encode', encodeFlags, 'batch-size', LATENT_LIMITS.encodeBatchSize],
    ['encode', encodeFlags, 'seed', LATENT_LIMITS.layoutSeed],
    ['--out', exportFlags, 'scale', EXPORT_LIMITS.scale],
    ['--out', exportFlags, 'delay', EXPORT_LIMITS.delayMs],
    ['--out', exportFlags, 'loop', EXPORT_LIMITS.loop],
    ['--out', exportFlags, 'columns', EXPORT_LIMITS.columns],
    ['--out', exportFlags, 'padding', SHEET_LIMITS.padding],
    ['--out', exportFlags, 'extrude', SHEET_LIMITS.extrude],
    ['--out', exportFlags, 'max-width', SHEET_LIMITS.maxWidth],
    ['export', exportCommandFlags, 'thumbnail', EXPORT_LIMITS.projectorThumbnail],
  ];

  it("check each number flag against the contract's limit of the value it sets", () => {
    for (const [command, table, flag, limit] of numberFlags) expect(table[flag].number, `${command} --${flag}`).toEqual(limit);
    // Every command that writes images takes the same --out flags.
    for (const table of [interpolateFlags, sampleFlags, traverseFlags, exportCommandFlags] as FlagTable[])
      for (const flag of Object.keys(exportFlags)) expect(table[flag], `--${flag}`).toEqual((exportFlags as FlagTable)[flag]);
  });

  it("offer the contract's choices and state its defaults in --help", () => {
    expect(interpolateFlags.method.value).toBe(INTERPOLATION_METHODS.join('|'));
    expect(sampleFlags.prior.value).toBe(SAMPLE_PRIORS.join('|'));
    expect(exportFlags.format.value).toBe(EXPORT_FORMATS.join(','));
    const defaults: Array<[FlagTable, string, unknown]> = [
      [sampleFlags, 'count', LATENT_DEFAULTS.sampleCount],
      [sampleFlags, 'temperature', LATENT_DEFAULTS.temperature],
      [sampleFlags, 'detail', LATENT_DEFAULTS.detail],
      [sampleFlags, 'prior', LATENT_DEFAULTS.prior],
      [sampleFlags, 'seed', LATENT_DEFAULTS.seed],
      [interpolateFlags, 'method', LATENT_DEFAULTS.interpolateMethod],
      [interpolateFlags, 'frames', LATENT_DEFAULTS.interpolateFrames],
      [interpolateFlags, 'iterations', LATENT_DEFAULTS.geodesicIterations],
      [interpolateFlags, 'learning-rate', LATENT_DEFAULTS.geodesicLearningRate],
      [traverseFlags, 'steps', LATENT_DEFAULTS.traverseSteps],
      [traverseFlags, 'range', LATENT_DEFAULTS.traverseRange],
      [encodeFlags, 'batch-size', LATENT_DEFAULTS.encodeBatchSize],
      [encodeFlags, 'seed', LATENT_DEFAULTS.layoutSeed],
      [exportFlags, 'format', EXPORT_DEFAULTS.formats.join(',')],
      [exportFlags, 'scale', EXPORT_DEFAULTS.scale],
      [exportFlags, 'name', EXPORT_DEFAULTS.name],
      [exportFlags, 'sheet-name', EXPORT_DEFAULTS.sheetName],
      [exportFlags, 'delay', EXPORT_DEFAULTS.delayMs],
      [exportFlags, 'loop', EXPORT_DEFAULTS.loop],
      [sheetFlags, 'layout', SHEET_DEFAULTS.layout],
      [sheetFlags, 'padding', SHEET_DEFAULTS.padding],
      [sheetFlags, 'extrude', SHEET_DEFAULTS.extrude],
      [sheetFlags, 'pivot', `${SHEET_DEFAULTS.pivot.x},${SHEET_DEFAULTS.pivot.y}`],
      [pixelArtFlags, 'pixel-art', LATENT_DEFAULTS.pixelArtColors],
      [pixelArtFlags, 'alpha-threshold', LATENT_DEFAULTS.alphaThreshold],
    ];
    for (const [table, flag, value] of defaults) expect(helpSentence(table[flag]), `--${flag}`).toMatch(new RegExp(`default ${String(value).replace(/[.{}]/g, '\\$&')}[;):]`));
    expect(sheetFlags.layout.help).toContain(SHEET_LAYOUTS.join(', '));
    expect(pixelArtFlags['pixel-art'].help).toContain(`${LATENT_LIMITS.pixelArtColors.min} to ${LATENT_LIMITS.pixelArtColors.max}`);
  });
});

describe('the schemas and the engine', () => {
  it("fill in the contract's defaults", () => {
    expect(sampleSpecSchema.parse(runAndDataset)).toMatchObject({
      count: LATENT_DEFAULTS.sampleCount,
      temperature: LATENT_DEFAULTS.temperature,
      detail: LATENT_DEFAULTS.detail,
      prior: LATENT_DEFAULTS.prior,
      seed: LATENT_DEFAULTS.seed,
    });
    const waypoints = [{ index: 0 }, { index: 1 }];
    expect(interpolateSpecSchema.parse({ ...runAndDataset, waypoints })).toMatchObject({
      method: LATENT_DEFAULTS.interpolateMethod,
      frames: LATENT_DEFAULTS.interpolateFrames,
      geodesic: { iterations: LATENT_DEFAULTS.geodesicIterations, learningRate: LATENT_DEFAULTS.geodesicLearningRate, tolerance: LATENT_DEFAULTS.geodesicTolerance },
    });
    expect(traverseSpecSchema.parse(runAndDataset)).toMatchObject({ steps: LATENT_DEFAULTS.traverseSteps, range: LATENT_DEFAULTS.traverseRange, seed: LATENT_DEFAULTS.seed });
    expect(pixelArtFinishSchema.parse({})).toEqual({ palette: 'dataset', colors: LATENT_DEFAULTS.pixelArtColors, alphaThreshold: LATENT_DEFAULTS.alphaThreshold });
    const parsed = exportOptionsSchema.parse({ source: { latents: { runDir: '/runs/a', z: [[0, 0]] } }, outDir: '/out' });
    const { source: _source, outDir: _outDir, sheet, ...options } = parsed;
    expect(options).toEqual(EXPORT_DEFAULTS);
    expect(sheet).toEqual(SHEET_DEFAULTS);
  });

  it("refuse a palette size exactly where the contract's limit does", () => {
    for (const v of probes(LATENT_LIMITS.pixelArtColors)) {
      const ok = withinLimit(v, LATENT_LIMITS.pixelArtColors);
      if (ok) expect(() => checkPaletteColors(v), `${v} colours`).not.toThrow();
      else expect(() => checkPaletteColors(v), `${v} colours`).toThrow(`from ${LATENT_LIMITS.pixelArtColors.min} to ${LATENT_LIMITS.pixelArtColors.max}`);
      expect(pixelArtFinishSchema.safeParse({ colors: v }).success, `${v} colours`).toBe(ok);
    }
  });
});

/** A bridge that records each request and answers none (the store's check is what is tested). */
function recordingBridge() {
  const calls: Array<{ channel: RequestChannel; payload: unknown }> = [];
  const bridge = {
    mode: 'web',
    call: async (channel: RequestChannel, payload: unknown) => {
      calls.push({ channel, payload });
      throw new Error('not answered in this test');
    },
    on: () => () => {},
  } as unknown as Bridge;
  return { bridge, calls };
}

const run = { runDir: '/runs/a', dataset: '/datasets/a' } as never;

/**
 * For each field and each value at and around its contract limit: the store sends the request
 * exactly when the value is inside the field's range, what it sends passes the contract's schema,
 * and what it refuses is named in the panel with the field's label.
 */
async function expectChecked<S>(
  makeStore: () => { store: S; calls: Array<{ channel: RequestChannel; payload: unknown }> },
  fields: Array<[label: string, set: (store: S, v: number) => void, form: NumberLimit, contract: NumberLimit]>,
  act: (store: S) => Promise<void>,
  schemaAccepts: (payload: unknown) => boolean,
  error: (store: S) => string | undefined,
): Promise<void> {
  for (const [label, set, form, contract] of fields) {
    expect(within(form, contract), `${label}: the form's range ${form.min}..${form.max} lies within the contract's ${contract.min}..${contract.max}`).toBe(true);
    for (const v of [...probes(contract), ...probes(form)]) {
      const { store, calls } = makeStore();
      set(store, v);
      await act(store);
      const inForm = withinLimit(v, form);
      expect(calls.length, `${label} = ${v}: sent`).toBe(inForm ? 1 : 0);
      if (inForm) expect(schemaAccepts(calls[0].payload), `${label} = ${v}: the engine's schema accepts what the form sent`).toBe(true);
      else expect(error(store), `${label} = ${v}: named in the panel`).toContain(label);
    }
  }
}

describe("the Generate panel's settings", () => {
  const make = () => {
    const { bridge, calls } = recordingBridge();
    const store = new Generation(bridge, new Tasks(), () => run);
    store.pixelArt = true;
    return { store, calls };
  };

  it("start from the contract's defaults", () => {
    const { store } = make();
    expect({ count: store.count, temperature: store.temperature, detail: store.detail, prior: store.prior, seed: store.seed, steps: store.steps, colors: store.pixelColors }).toEqual({
      count: LATENT_DEFAULTS.sampleCount,
      temperature: LATENT_DEFAULTS.temperature,
      detail: LATENT_DEFAULTS.detail,
      prior: LATENT_DEFAULTS.prior,
      seed: LATENT_DEFAULTS.seed,
      steps: LATENT_DEFAULTS.traverseSteps,
      colors: LATENT_DEFAULTS.pixelArtColors,
    });
  });

  it('sample only within their ranges, which lie within the contract’s', async () => {
    const accepts = (payload: unknown) => sampleSpecSchema.safeParse(payload).success;
    await expectChecked(
      make,
      [
        ['Count', (g, v) => (g.count = v), GENERATE_FIELDS.count, LATENT_LIMITS.sampleCount],
        ['Temperature', (g, v) => (g.temperature = v), GENERATE_FIELDS.temperature, LATENT_LIMITS.temperature],
        ['Detail', (g, v) => (g.detail = v), GENERATE_FIELDS.detail, LATENT_LIMITS.detail],
        ['Colours', (g, v) => (g.pixelColors = v), GENERATE_FIELDS.pixelColors, LATENT_LIMITS.pixelArtColors],
      ],
      (g) => g.sample(),
      accepts,
      (g) => g.error?.message,
    );
  });

  it('traverse only within the steps range', async () => {
    await expectChecked(
      make,
      [['Steps', (g, v) => (g.steps = v), GENERATE_FIELDS.steps, LATENT_LIMITS.traverseSteps]],
      (g) => g.traverse(null),
      (payload) => traverseSpecSchema.safeParse(payload).success,
      (g) => g.error?.message,
    );
  });
});

describe("the Interpolate panel's settings", () => {
  const view: PathView = { scene: null, showPath: async () => new Float32Array(), paths: { removePath() {} } };
  const make = () => {
    const { bridge, calls } = recordingBridge();
    const store = new Interpolation(bridge, new Tasks(), view, () => run);
    store.a = 0;
    store.b = 1;
    store.pixelArt = true;
    return { store, calls };
  };

  it("start from the contract's defaults", () => {
    const { store } = make();
    expect([store.method, store.frames, store.pixelColors]).toEqual([LATENT_DEFAULTS.interpolateMethod, LATENT_DEFAULTS.interpolateFrames, LATENT_DEFAULTS.pixelArtColors]);
  });

  it('interpolate only within the frames range', async () => {
    await expectChecked(
      make,
      [
        ['Frames', (s, v) => (s.frames = v), INTERPOLATE_FIELDS.frames, LATENT_LIMITS.interpolateFrames],
        ['Colours', (s, v) => (s.pixelColors = v), INTERPOLATE_FIELDS.pixelColors, LATENT_LIMITS.pixelArtColors],
      ],
      (s) => s.run(),
      (payload) => interpolateSpecSchema.safeParse(payload).success,
      (s) => s.error?.message,
    );
  });
});

describe("the Export panel's settings", () => {
  const make = () => {
    const { bridge, calls } = recordingBridge();
    const store = new Exporter(bridge, new Tasks(), () => '/workspace');
    store.setSource({ kind: 'sample', label: 'samples', frames: 4, spec: { ...runAndDataset }, z: [[0], [1], [2], [3]] });
    store.pixelArt = true;
    return { store, calls };
  };

  it("start from the contract's defaults", () => {
    const { store } = make();
    const formats = EXPORT_FORMATS.filter((f) => store.formats[f]);
    expect({ formats, scale: store.scale, name: store.name, sheetName: store.sheetName, delayMs: store.delayMs, pingPong: store.pingPong, overwrite: store.overwrite }).toEqual({
      formats: EXPORT_DEFAULTS.formats,
      scale: EXPORT_DEFAULTS.scale,
      name: EXPORT_DEFAULTS.name,
      sheetName: EXPORT_DEFAULTS.sheetName,
      delayMs: EXPORT_DEFAULTS.delayMs,
      pingPong: EXPORT_DEFAULTS.pingPong,
      overwrite: EXPORT_DEFAULTS.overwrite,
    });
    const sheet = {
      layout: store.layout,
      padding: store.padding,
      extrude: store.extrude,
      powerOfTwo: store.powerOfTwo,
      maxWidth: store.maxWidth,
      trim: store.trim,
      pivot: { x: store.pivotX, y: store.pivotY },
    };
    expect(sheet).toEqual(SHEET_DEFAULTS);
  });

  it('export only within their ranges, which are the contract’s', async () => {
    const accepts = (payload: unknown) => exportOptionsSchema.safeParse(payload as PayloadIn<'export.frames'>).success;
    await expectChecked(
      make,
      [
        ['Scale', (e, v) => (e.scale = v), EXPORT_FIELDS.scale, EXPORT_LIMITS.scale],
        ['Delay', (e, v) => (e.delayMs = v), EXPORT_FIELDS.delayMs, EXPORT_LIMITS.delayMs],
        ['Padding', (e, v) => (e.padding = v), EXPORT_FIELDS.padding, SHEET_LIMITS.padding],
        ['Extrude', (e, v) => (e.extrude = v), EXPORT_FIELDS.extrude, SHEET_LIMITS.extrude],
        ['Max width', (e, v) => (e.maxWidth = v), EXPORT_FIELDS.maxWidth, SHEET_LIMITS.maxWidth],
        ['Pivot x', (e, v) => (e.pivotX = v), EXPORT_FIELDS.pivot, SHEET_LIMITS.pivot],
        ['Colours', (e, v) => (e.pixelColors = v), EXPORT_FIELDS.pixelColors, LATENT_LIMITS.pixelArtColors],
      ],
      (e) => e.run(),
      accepts,
      (e) => e.error?.message,
    );
  });
});

describe('the panels’ number fields', () => {
  // Each field's min/max comes from its range through inputBounds; a literal bound is a copy that can drift.
  const fields: Array<[file: string, bound: string, expression: string]> = [
    ['panels/GeneratePanel.svelte', 'bind:value={gen.count}', 'inputBounds(F.count)'],
    ['panels/GeneratePanel.svelte', 'bind:value={gen.temperature}', 'inputBounds(F.temperature)'],
    ['panels/GeneratePanel.svelte', 'bind:value={gen.detail}', 'inputBounds(F.detail)'],
    ['panels/GeneratePanel.svelte', 'bind:value={gen.steps}', 'inputBounds(F.steps)'],
    ['panels/InterpolatePanel.svelte', 'bind:value={interp.frames}', 'inputBounds(INTERPOLATE_FIELDS.frames)'],
    ['panels/ConditionalTools.svelte', 'bind:value={cond.frames}', 'inputBounds(INTERPOLATE_FIELDS.labelPathFrames)'],
    ['panels/ExportPanel.svelte', 'bind:value={ex.delayMs}', 'inputBounds(EXPORT_FIELDS.delayMs)'],
    ['panels/SheetOptions.svelte', 'bind:value={exporter.padding}', 'inputBounds(F.padding)'],
    ['panels/SheetOptions.svelte', 'bind:value={exporter.extrude}', 'inputBounds(F.extrude)'],
    ['panels/SheetOptions.svelte', 'bind:value={exporter.maxWidth}', 'inputBounds(F.maxWidth)'],
    ['panels/SheetOptions.svelte', 'bind:value={exporter.pivotX}', 'inputBounds(F.pivot)'],
    ['panels/SheetOptions.svelte', 'bind:value={exporter.pivotY}', 'inputBounds(F.pivot)'],
    ['widgets/PixelArtOptions.svelte', 'bind:value={colors}', 'inputBounds(colorLimit)'],
    ['panels/SelectionActions.svelte', 'bind:value={sel.strength}', 'inputBounds(ATTRIBUTE_FIELDS.strength)'],
  ];

  it('the attribute strength slider offers no strength the contract refuses', () => {
    expect(within(ATTRIBUTE_FIELDS.strength, LATENT_LIMITS.attributeStrength)).toBe(true);
  });

  it('take their bounds from the contract, and no literal ones', () => {
    for (const [file, bound, expression] of fields) {
      const text = readFileSync(path.join(repoRoot, 'renderer/components', file), 'utf8');
      const input = text.match(new RegExp(`<input[^>]*${bound.replace(/[.{}]/g, '\\$&')}[^>]*>`))?.[0];
      expect(input, `${file}: the input with ${bound}`).toBeDefined();
      expect(input, `${file}: ${bound}`).toContain(`{...${expression}}`);
      expect(input?.match(/\b(min|max)=/g) ?? [], `${file}: ${bound} has bounds of its own`).toEqual([]);
    }
    // The export's scale menu lists the contract's range, not a list of its own.
    expect(readFileSync(path.join(repoRoot, 'renderer/components/panels/ExportPanel.svelte'), 'utf8')).toContain('choicesOf(EXPORT_FIELDS.scale)');
  });
});
