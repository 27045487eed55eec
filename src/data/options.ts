/**
 * Import options as the library takes them: the contract's (src/contract/data.ts) types, limits
 * and defaults, checked with the contract's schema so a caller that does not come through a
 * channel (tests, the CLI's library calls) meets the same rules, with a sentence per option.
 */
import { describeLimit, GLOB_LIMITS, IMAGE_SIZES, IMPORT_CHOICES, IMPORT_DEFAULTS, IMPORT_LIMITS, importOptionsSchema, type ImportOptionsIn, type ResolvedImportOptions } from '../contract';
import { AtlasError } from '../errors';

export { IMAGE_SIZES, type ImageSize, type ResolvedImportOptions } from '../contract';

/** Every field optional; left out (or undefined) means the default. */
export type ImportOptions = ImportOptionsIn;
export type ChannelsOption = (typeof IMPORT_CHOICES.channels)[number];
export type FitOption = (typeof IMPORT_CHOICES.fit)[number];
export type ResamplingOption = (typeof IMPORT_CHOICES.resampling)[number];
export type FramesOption = (typeof IMPORT_CHOICES.frames)[number];
export type LabelsOption = (typeof IMPORT_CHOICES.labels)[number];

export const DEFAULT_IMPORT_OPTIONS: ResolvedImportOptions = IMPORT_DEFAULTS;

/** What a valid value of each option is, for the error sentence (from the same constants the schema is built from). */
function expected(option: string): string {
  if (option === 'size') return `must be one of ${IMAGE_SIZES.join(', ')}`;
  if (option in IMPORT_CHOICES) return `must be one of ${IMPORT_CHOICES[option as keyof typeof IMPORT_CHOICES].join(', ')}`;
  if (option === 'include' || option === 'exclude') return `must be a list of at most ${GLOB_LIMITS.count} non-empty glob strings of at most ${GLOB_LIMITS.length} characters`;
  if (option === 'background') return `must be three whole numbers from ${IMPORT_LIMITS.background.min} to ${IMPORT_LIMITS.background.max} (red, green, blue)`;
  if (option === 'maxImages') return `must be ${describeLimit(IMPORT_LIMITS.maxImages)}, or null for no limit`;
  if (option in IMPORT_LIMITS) return `must be ${describeLimit(IMPORT_LIMITS[option as keyof typeof IMPORT_LIMITS])}`;
  if (option === 'dedupe' || option === 'includeHidden') return 'must be true or false';
  return 'is not an import option';
}

/** Apply defaults and check every option, so a bad value fails before any file is read. */
export function resolveImportOptions(opts: ImportOptions = {}): ResolvedImportOptions {
  const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
  const parsed = importOptionsSchema.safeParse(given);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const option = String(issue.path[0] ?? (issue.code === 'unrecognized_keys' ? issue.keys[0] : ''));
    const value = (given as Record<string, unknown>)[option];
    throw new AtlasError('invalid_input', `Import option ${option} ${expected(option)}${value === undefined ? '' : `; got ${JSON.stringify(value)}`}.`);
  }
  return { ...IMPORT_DEFAULTS, ...parsed.data } as ResolvedImportOptions;
}
