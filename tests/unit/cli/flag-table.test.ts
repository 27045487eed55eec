/**
 * The CLI's flag tables: the range each number flag states (in --help and in its error) is the
 * range the contract's schema accepts, the range check names the flag, the range and the value,
 * and the parser turns flags into the values the commands read.
 */
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  importOptionsSchema,
  interpolateSpecSchema,
  labelPathSpecSchema,
  projectorExportSchema,
  relabelSpecSchema,
  sampleSpecSchema,
  sheetOptionsSchema,
  sheetSlicingSchema,
  trainSettingsSchema,
  traverseSpecSchema,
  exportOptionsSchema,
} from '../../../src/contract';
import { checkNumbers, describeRange, helpSentence, type FlagTable } from '../../../src/cli/flag-table';
import { importFlags } from '../../../src/cli/import';
import { evalFlags, trainFlags } from '../../../src/cli/train';
import { encodeFlags, exportFlags, interpolateFlags, sampleFlags, traverseFlags } from '../../../src/cli/latent';
import { labelPathFlags, relabelFlags } from '../../../src/cli/conditional';
import { exportCommandFlags } from '../../../src/cli/export';
import { CliUsageError } from '../../../src/cli/output';
import { parseCommandLine, type CliCommand } from '../../../src/cli/program';

const at = { runDir: '/tmp/run', dataset: '/tmp/dataset' };
const accepts = (schema: z.ZodType, value: unknown) => schema.safeParse(value).success;

/** Each number flag, and how its value reaches the contract schema that checks it again. */
const SCHEMA_OF: Array<{ table: FlagTable; flag: string; ok: (v: number) => boolean }> = [
  ...(
    [
      ['epochs', 'epochs'],
      ['batch-size', 'batchSize'],
      ['latent-dim', 'latentDim'],
      ['beta', 'beta'],
      ['warmup-steps', 'warmupSteps'],
      ['free-bits', 'freeBits'],
      ['iwae-k', 'iwaeK'],
      ['learning-rate', 'learningRate'],
      ['lr-cooldown', 'learningRateCooldown'],
      ['seed', 'seed'],
      ['val-iwae-k', 'valIwaeK'],
      ['time-budget', 'timeBudgetSec'],
    ] as const
  ).map(([flag, key]) => ({ table: trainFlags, flag, ok: (v: number) => accepts(trainSettingsSchema, { [key]: v }) })),
  { table: importFlags, flag: 'max-images', ok: (v) => accepts(importOptionsSchema, { maxImages: v }) },
  { table: importFlags, flag: 'val-fraction', ok: (v) => accepts(importOptionsSchema, { valFraction: v }) },
  { table: importFlags, flag: 'margin', ok: (v) => accepts(sheetSlicingSchema, { mode: 'grid', cellWidth: 8, cellHeight: 8, margin: v }) },
  { table: importFlags, flag: 'spacing', ok: (v) => accepts(sheetSlicingSchema, { mode: 'grid', cellWidth: 8, cellHeight: 8, spacing: v }) },
  { table: importFlags, flag: 'gap', ok: (v) => accepts(sheetSlicingSchema, { mode: 'auto', gap: v }) },
  { table: importFlags, flag: 'min-area', ok: (v) => accepts(sheetSlicingSchema, { mode: 'auto', minArea: v }) },
  { table: importFlags, flag: 'alpha-threshold', ok: (v) => accepts(sheetSlicingSchema, { mode: 'auto', alphaThreshold: v }) },
  { table: sampleFlags, flag: 'count', ok: (v) => accepts(sampleSpecSchema, { ...at, count: v }) },
  { table: sampleFlags, flag: 'temperature', ok: (v) => accepts(sampleSpecSchema, { ...at, temperature: v }) },
  { table: sampleFlags, flag: 'detail', ok: (v) => accepts(sampleSpecSchema, { ...at, detail: v }) },
  { table: sampleFlags, flag: 'seed', ok: (v) => accepts(sampleSpecSchema, { ...at, seed: v }) },
  { table: sampleFlags, flag: 'around', ok: (v) => accepts(sampleSpecSchema, { ...at, around: { index: v } }) },
  { table: traverseFlags, flag: 'steps', ok: (v) => accepts(traverseSpecSchema, { ...at, steps: v }) },
  { table: traverseFlags, flag: 'range', ok: (v) => accepts(traverseSpecSchema, { ...at, range: v }) },
  { table: traverseFlags, flag: 'seed', ok: (v) => accepts(traverseSpecSchema, { ...at, seed: v }) },
  { table: interpolateFlags, flag: 'frames', ok: (v) => accepts(interpolateSpecSchema, { ...at, waypoints: [{ index: 0 }, { index: 1 }], frames: v }) },
  { table: interpolateFlags, flag: 'iterations', ok: (v) => accepts(interpolateSpecSchema, { ...at, waypoints: [{ index: 0 }, { index: 1 }], geodesic: { iterations: v } }) },
  { table: interpolateFlags, flag: 'learning-rate', ok: (v) => accepts(interpolateSpecSchema, { ...at, waypoints: [{ index: 0 }, { index: 1 }], geodesic: { learningRate: v } }) },
  { table: relabelFlags, flag: 'detail', ok: (v) => accepts(relabelSpecSchema, { ...at, images: [{ index: 0 }], detail: v }) },
  { table: relabelFlags, flag: 'seed', ok: (v) => accepts(relabelSpecSchema, { ...at, images: [{ index: 0 }], seed: v }) },
  { table: labelPathFlags, flag: 'frames', ok: (v) => accepts(labelPathSpecSchema, { ...at, at: { index: 0 }, from: 'a', to: 'b', frames: v }) },
  { table: exportCommandFlags, flag: 'thumbnail', ok: (v) => accepts(projectorExportSchema, { ...at, outDir: '/tmp/out', thumbnail: v }) },
  ...(
    [
      ['scale', 'scale'],
      ['delay', 'delayMs'],
      ['loop', 'loop'],
      ['columns', 'columns'],
    ] as const
  ).map(([flag, key]) => ({ table: exportFlags, flag, ok: (v: number) => accepts(exportOptionsSchema.omit({ source: true }), { outDir: '/tmp/out', [key]: v }) })),
  ...(
    [
      ['padding', 'padding'],
      ['extrude', 'extrude'],
      ['max-width', 'maxWidth'],
    ] as const
  ).map(([flag, key]) => ({ table: exportFlags, flag, ok: (v: number) => accepts(sheetOptionsSchema, { [key]: v }) })),
];

describe('number flags', () => {
  it('state the range their contract schema accepts: both bounds in or out as stated, one step beyond refused, fractions refused for whole numbers', () => {
    for (const { table, flag, ok } of SCHEMA_OF) {
      const range = table[flag].number!;
      const what = `--${flag} (${describeRange(range)})`;
      const step = range.integer ? 1 : 1e-6;
      if (Number.isFinite(range.min)) {
        expect(ok(range.min), `${what} at its minimum`).toBe(!range.open);
        expect(ok(range.min - step), `${what} below its minimum`).toBe(false);
        expect(ok(range.min + step), `${what} just above its minimum`).toBe(true);
      }
      if (Number.isFinite(range.max)) {
        expect(ok(range.max), `${what} at its maximum`).toBe(range.open !== 'both');
        expect(ok(range.max + step), `${what} above its maximum`).toBe(false);
      }
      if (range.integer) expect(ok(range.min + 1.5), `${what} with a fraction`).toBe(false);
    }
  });

  it('every number flag of every command has a range the check reads', () => {
    const tables = { importFlags, trainFlags, evalFlags, encodeFlags, interpolateFlags, sampleFlags, traverseFlags, relabelFlags, labelPathFlags, exportCommandFlags };
    const numbers = (Object.values(tables) as FlagTable[]).flatMap((t) => Object.entries(t).filter(([, spec]) => spec.number));
    expect(numbers.length).toBeGreaterThan(30);
    for (const [name, spec] of numbers) {
      expect(spec.number!.min, `--${name}`).toBeLessThan(spec.number!.max);
      expect(helpSentence(spec), `--${name}`).toContain(describeRange(spec.number!));
    }
  });

  it('refuse a negative, a fractional, a non-numeric or an empty value naming the flag, the range and the value', () => {
    const refused = (table: FlagTable, values: Record<string, unknown>) => {
      try {
        checkNumbers(table, values);
      } catch (err) {
        expect(err).toBeInstanceOf(CliUsageError);
        return (err as Error).message;
      }
      return null;
    };
    expect(refused(trainFlags, { epochs: '-1' })).toBe('--epochs must be a whole number from 1 to 100000, got -1');
    expect(refused(trainFlags, { 'batch-size': '2.5' })).toBe('--batch-size must be a whole number from 1 to 4096, got 2.5');
    expect(refused(trainFlags, { 'learning-rate': '1' })).toBe('--learning-rate must be a number above 0 and below 1, got 1');
    expect(refused(trainFlags, { beta: 'lots' })).toBe('--beta must be a number from 0 to 1000, got lots');
    expect(refused(trainFlags, { seed: '' })).toBe('--seed must be a whole number of 0 or more, got ""');
    expect(refused(traverseFlags, { range: '0' })).toBe('--range must be a number above 0 and at most 10, got 0');
    expect(refused(importFlags, { 'val-fraction': '0.6' })).toBe('--val-fraction must be a number from 0 to 0.5, got 0.6');
    // In range, and flags that are no numbers, pass.
    expect(refused(trainFlags, { epochs: '3', 'batch-size': '4096', 'learning-rate': '0.5', run: '-1', resume: true })).toBeNull();
    expect(refused(traverseFlags, { range: '10' })).toBeNull();
    expect(refused(importFlags, { seed: '-7' })).toBeNull();
  });
});

describe('the parser', () => {
  const calls: Array<{ values: Record<string, unknown>; positionals: string[] }> = [];
  const train: CliCommand = {
    summary: 'Train.',
    usage: ['<dataset> --run <run-dir> [options]'],
    flags: { ...trainFlags },
    examples: ['latent-atlas train ds --run r'],
    run: async (values, positionals) => void calls.push({ values, positionals }),
  };
  const parse = (argv: string[]) => parseCommandLine(argv, { train, import: { ...train, flags: importFlags } }, 'about', 'footer');

  it('gives the commands their flags keyed by flag name, booleans false when absent, repeated flags collected, --no-x as no-x', () => {
    const p = parse(['train', 'ds', '--run', 'r', '--epochs', '3', '--learning-rate=0.01']);
    expect(p).toMatchObject({ kind: 'run', name: 'train', positionals: ['ds'] });
    if (p.kind !== 'run') return;
    expect(p.values).toMatchObject({ run: 'r', epochs: '3', 'learning-rate': '0.01', resume: false, conditional: false, json: false });
    expect(p.values['batch-size']).toBeUndefined();
    const i = parse(['import', 'in', '--include', '*.png', '--include', '*.gif', '--no-cache', '--out', 'o']);
    if (i.kind !== 'run') throw new Error('expected a run');
    expect(i.values).toMatchObject({ include: ['*.png', '*.gif'], 'no-cache': true, 'keep-duplicates': false, out: 'o' });
    expect(parse(['import', 'in', '--out', 'o'])).toMatchObject({ values: { 'no-cache': false } });
  });

  it('turns usage mistakes into one short line naming the command', () => {
    const mistake = (argv: string[]) => {
      try {
        parse(argv);
      } catch (err) {
        expect(err).toBeInstanceOf(CliUsageError);
        return { message: (err as Error).message, command: (err as CliUsageError).command };
      }
      throw new Error(`${argv.join(' ')} was accepted`);
    };
    expect(mistake(['train', 'ds', '--epoch', '3'])).toEqual({ message: "unknown option '--epoch' (Did you mean --epochs?)", command: 'train' });
    expect(mistake(['train', 'ds', '--run'])).toEqual({ message: '--run needs a value (DIR)', command: 'train' });
    expect(mistake(['train', 'ds', '--epochs', '-1'])).toEqual({ message: '--epochs must be a whole number from 1 to 100000, got -1', command: 'train' });
    expect(mistake(['frobnicate']).message).toBe('unknown command "frobnicate"; commands: train, import');
    expect(mistake(['help', 'frobnicate']).message).toBe('unknown command "frobnicate"; commands: train, import');
  });

  it("shows a command's help (usage, one sentence per flag with its range, the example) for --help anywhere, -h and help <command>", () => {
    for (const argv of [
      ['train', '--help'],
      ['train', 'ds', '--epochs', '-1', '-h'],
      ['help', 'train'],
    ]) {
      const p = parse(argv);
      expect(p.kind, argv.join(' ')).toBe('help');
      if (p.kind !== 'help') continue;
      expect(p.text).toContain('Usage: latent-atlas train <dataset> --run <run-dir> [options]');
      expect(p.text.replace(/\s+/g, ' ')).toContain('--epochs N Passes over the training images (default 10; with --preset, trains exactly this many; a whole number from 1 to 100000).');
      expect(p.text).toContain('Example:\n  latent-atlas train ds --run r');
      expect(calls).toHaveLength(0);
    }
  });
});
