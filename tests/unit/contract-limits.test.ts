/**
 * Limits and defaults are exported once, by the contract (TRAIN_LIMITS, TRAIN_DEFAULTS,
 * IMPORT_LIMITS, IMPORT_CHOICES, IMPORT_DEFAULTS, IMAGE_SIZES): the CLI's flag tables and the
 * renderer's forms must state and enforce exactly those. Each check here fails when one of them
 * is typed again and drifts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ARCHITECTURES,
  IMAGE_SIZES,
  IMPORT_CHOICES,
  IMPORT_DEFAULTS,
  IMPORT_LIMITS,
  importOptionsSchema,
  TRAIN_DEFAULTS,
  TRAIN_LIMITS,
  trainSettingsSchema,
  type NumberLimit,
} from '../../src/contract';
import { helpSentence, type FlagTable } from '../../src/cli/flag-table';
import { importFlags } from '../../src/cli/import';
import { evalFlags, trainFlags } from '../../src/cli/train';
import { resolveImportOptions } from '../../src/data/options';
import { DEFAULT_TRAIN_SETTINGS } from '../../src/train/config';
import { DEFAULT_MODEL_CONFIG } from '../../src/model/config';
import { DEFAULT_IMPORT_FORM, toImportOptions } from '../../renderer/lib/import-options';
import { inputBounds } from '../../renderer/lib/limits';
import { presetForm, toTrainSettings, TRAIN_FORM_FIELDS, type TrainForm } from '../../renderer/lib/presets';
import { repoRoot } from '../helpers/built';

/** Values at and around a limit's bounds: inside, on each bound, one step beyond, and a fraction. */
function probes(limit: NumberLimit): number[] {
  const step = limit.integer ? 1 : 1e-6;
  const values: number[] = [];
  if (Number.isFinite(limit.min)) values.push(limit.min, limit.min - step, limit.min + step);
  if (Number.isFinite(limit.max)) values.push(limit.max, limit.max + step, limit.max - step);
  if (limit.integer && Number.isFinite(limit.min)) values.push(limit.min + 1.5);
  return values;
}

describe('the CLI flag tables', () => {
  const numberFlags: Array<[FlagTable, string, NumberLimit]> = [
    [trainFlags, 'epochs', TRAIN_LIMITS.epochs],
    [trainFlags, 'batch-size', TRAIN_LIMITS.batchSize],
    [trainFlags, 'latent-dim', TRAIN_LIMITS.latentDim],
    [trainFlags, 'beta', TRAIN_LIMITS.beta],
    [trainFlags, 'warmup-steps', TRAIN_LIMITS.warmupSteps],
    [trainFlags, 'free-bits', TRAIN_LIMITS.freeBits],
    [trainFlags, 'iwae-k', TRAIN_LIMITS.iwaeK],
    [trainFlags, 'learning-rate', TRAIN_LIMITS.learningRate],
    [trainFlags, 'seed', TRAIN_LIMITS.seed],
    [trainFlags, 'val-iwae-k', TRAIN_LIMITS.valIwaeK],
    [trainFlags, 'time-budget', TRAIN_LIMITS.timeBudgetSec],
    [evalFlags, 'iwae-k', TRAIN_LIMITS.valIwaeK],
    [evalFlags, 'batch-size', TRAIN_LIMITS.batchSize],
    [importFlags, 'max-images', IMPORT_LIMITS.maxImages],
    [importFlags, 'val-fraction', IMPORT_LIMITS.valFraction],
    [importFlags, 'seed', IMPORT_LIMITS.seed],
  ];

  it("check each number flag against the contract's limit of the setting it fills", () => {
    for (const [table, flag, limit] of numberFlags) expect(table[flag].number, `--${flag}`).toEqual(limit);
  });

  it("offer the contract's choices and state its defaults in --help", () => {
    expect(trainFlags.architecture.value).toBe(ARCHITECTURES.join('|'));
    expect(trainFlags.size.value).toBe(IMAGE_SIZES.join('|'));
    expect(importFlags.size.value).toBe(IMAGE_SIZES.join('|'));
    for (const key of Object.keys(IMPORT_CHOICES) as (keyof typeof IMPORT_CHOICES)[]) {
      expect(importFlags[key].value, `--${key}`).toBe(IMPORT_CHOICES[key].join('|'));
      expect(helpSentence(importFlags[key]), `--${key}`).toContain(`(default ${IMPORT_DEFAULTS[key]})`);
    }
    const trainDefaults: Array<[string, unknown]> = [
      ['epochs', TRAIN_DEFAULTS.epochs],
      ['batch-size', TRAIN_DEFAULTS.batchSize],
      ['latent-dim', TRAIN_DEFAULTS.latentDim],
      ['architecture', TRAIN_DEFAULTS.architecture],
      ['likelihood', TRAIN_DEFAULTS.likelihood],
      ['beta', TRAIN_DEFAULTS.beta],
      ['warmup-steps', TRAIN_DEFAULTS.warmupSteps],
      ['free-bits', TRAIN_DEFAULTS.freeBits],
      ['iwae-k', TRAIN_DEFAULTS.iwaeK],
      ['learning-rate', TRAIN_DEFAULTS.learningRate],
      ['seed', TRAIN_DEFAULTS.seed],
    ];
    for (const [flag, value] of trainDefaults) expect(helpSentence(trainFlags[flag as keyof typeof trainFlags]), `--${flag}`).toMatch(new RegExp(`\\(default ${String(value)}[;)]`));
  });
});

describe("the engine's defaults", () => {
  it("are the contract's", () => {
    for (const [key, value] of Object.entries(DEFAULT_TRAIN_SETTINGS)) expect(value, key).toEqual(TRAIN_DEFAULTS[key as keyof typeof TRAIN_DEFAULTS]);
    for (const [key, value] of Object.entries(DEFAULT_MODEL_CONFIG)) if (key in TRAIN_DEFAULTS) expect(value, key).toEqual(TRAIN_DEFAULTS[key as keyof typeof TRAIN_DEFAULTS]);
    expect(resolveImportOptions({})).toEqual(IMPORT_DEFAULTS);
  });
});

describe("the Train panel's form", () => {
  const form = presetForm('quick');

  it("accepts and refuses each number field exactly where the contract's schema does", () => {
    for (const [name, key] of TRAIN_FORM_FIELDS) {
      for (const v of probes(TRAIN_LIMITS[key])) {
        const engine = trainSettingsSchema.safeParse({ [key]: v }).success;
        const result = toTrainSettings({ ...form, [key]: v, timeBudgetSec: 0 } as TrainForm);
        expect(result.ok, `${name} = ${v}`).toBe(engine);
        if (!result.ok) expect(result.error).toContain(name);
      }
    }
    for (const v of probes(TRAIN_LIMITS.timeBudgetSec)) expect(toTrainSettings({ ...form, timeBudgetSec: v }).ok, `time budget ${v}`).toBe(trainSettingsSchema.safeParse({ timeBudgetSec: v }).success);
  });

  it('checks every number it edits', () => {
    const numbers = Object.entries(form)
      .filter(([, v]) => typeof v === 'number')
      .map(([k]) => k);
    expect(numbers.sort()).toEqual([...TRAIN_FORM_FIELDS.map(([, key]) => key), 'timeBudgetSec'].sort());
  });
});

describe("the Dataset panel's import form", () => {
  it("starts from the contract's defaults", () => {
    const parsed = toImportOptions(DEFAULT_IMPORT_FORM);
    if (!parsed.ok) throw new Error(parsed.error);
    expect(resolveImportOptions(parsed.options)).toEqual(IMPORT_DEFAULTS);
  });

  it("accepts and refuses max images and the validation share exactly where the contract's schema does", () => {
    for (const v of probes(IMPORT_LIMITS.maxImages))
      expect(toImportOptions({ ...DEFAULT_IMPORT_FORM, maxImages: String(v) }).ok, `max images ${v}`).toBe(importOptionsSchema.safeParse({ maxImages: v }).success);
    for (const v of probes(IMPORT_LIMITS.valFraction))
      expect(toImportOptions({ ...DEFAULT_IMPORT_FORM, valPercent: v * 100 }).ok, `validation ${v * 100} %`).toBe(importOptionsSchema.safeParse({ valFraction: v }).success);
    expect(inputBounds(IMPORT_LIMITS.valFraction, 100)).toEqual({ min: 0, max: 50 });
  });

  it('offers the sizes the contract accepts', () => {
    for (const size of IMAGE_SIZES) expect(importOptionsSchema.safeParse({ size }).success).toBe(true);
    expect(importOptionsSchema.safeParse({ size: 30 }).success).toBe(false);
  });
});

describe('the form components', () => {
  // Their min/max attributes come from the contract through inputBounds; a literal one is a copy that can drift.
  for (const file of ['renderer/components/panels/TrainSettings.svelte', 'renderer/components/panels/ImportOptions.svelte']) {
    it(`${file} types no bound or size list of its own`, () => {
      const text = readFileSync(path.join(repoRoot, file), 'utf8');
      expect(text.match(/\b(min|max)="[-\d.]+"/g) ?? []).toEqual([]);
      expect(text).not.toMatch(/\[16, 24, 32/);
    });
  }
});
