/**
 * A command's flags as one table: per flag its kind, the name of its value, one sentence of
 * help and, for numbers, the range and whether it must be whole. The parser (src/cli/program.ts),
 * `--help` and the range check all read this table, so a flag's message and its check cannot
 * drift apart. The contract's schemas still check the values again (the UI sends the same).
 */
import { describeLimit, withinLimit, type NumberLimit } from '../contract';
import { CliUsageError } from './output';

/** A number flag's range: the contract's limit of the value it sets (src/contract: TRAIN_LIMITS, IMPORT_LIMITS, ...). */
export type NumberRange = NumberLimit;

export interface FlagSpec {
  type: 'string' | 'boolean';
  /** One sentence for --help. */
  help: string;
  /** The value's name in --help (e.g. DIR, N). */
  value?: string;
  /** The flag may be given more than once; the values are collected in order. */
  multiple?: boolean;
  /** The value may be left out (--pixel-art alone means the default count); left out it reads as ''. */
  optionalValue?: boolean;
  /** A number: checked against this range before the command runs. */
  number?: NumberRange;
}

export type FlagTable = Readonly<Record<string, FlagSpec>>;

/** A flag that takes text (a path, a name, a choice). */
export const text = (value: string, help: string): FlagSpec => ({ type: 'string', value, help });
/** A flag that takes text and may be repeated. */
export const texts = (value: string, help: string): FlagSpec => ({ type: 'string', value, help, multiple: true });
/** An on/off flag. */
export const flag = (help: string): FlagSpec => ({ type: 'boolean', help });
/** A number flag whose range is a contract limit (e.g. TRAIN_LIMITS.epochs). */
export const limited = (limit: NumberLimit, help: string, value = limit.integer ? 'N' : 'X'): FlagSpec => ({ type: 'string', value, help, number: limit });
/** A whole number from min to max. */
export const whole = (min: number, max: number, help: string, value = 'N'): FlagSpec => ({ type: 'string', value, help, number: { min, max, integer: true } });
/** A number (fractions allowed) from min to max; open: which bounds are themselves refused. */
export const decimal = (min: number, max: number, help: string, value = 'X', open?: NumberRange['open']): FlagSpec => ({
  type: 'string',
  value,
  help,
  number: { min, max, integer: false, ...(open ? { open } : {}) },
});

/** "a whole number from 1 to 100000", "a number above 0 and below 1", "a whole number of 0 or more". */
export const describeRange = describeLimit;

/** Whether a number lies in the range (and is whole when it must be). */
export const inRange = withinLimit;

/**
 * Check every number flag that was given against its range; the first one outside names the
 * flag, the range and the value: `--epochs must be a whole number from 1 to 100000, got -1`.
 */
export function checkNumbers(table: FlagTable, values: Record<string, unknown>): void {
  for (const [name, spec] of Object.entries(table)) {
    const raw = values[name];
    if (!spec.number || raw === undefined || (spec.optionalValue && raw === '')) continue;
    const given = String(raw).trim();
    if (given === '' || !inRange(Number(given), spec.number)) throw new CliUsageError(`--${name} must be ${describeRange(spec.number)}, got ${given === '' ? '""' : String(raw)}`);
  }
}

/** The sentence --help shows: the flag's own, then its range for a number. */
export function helpSentence(spec: FlagSpec): string {
  if (!spec.number) return spec.help;
  const range = describeRange(spec.number);
  // "... (default 10)." becomes "... (default 10; a whole number from 1 to 100000)."
  if (spec.help.endsWith(').')) return `${spec.help.slice(0, -2)}; ${range}).`;
  return `${spec.help.replace(/\.$/, '')} (${range}).`;
}
