/**
 * The pixel-art finishing flags of sample, interpolate, traverse and export:
 * `--pixel-art [colors]` and `--alpha-threshold T` (LATENT_LIMITS and LATENT_DEFAULTS say their ranges and defaults).
 */
import { describeLimit, LATENT_DEFAULTS, LATENT_LIMITS, pixelArtFinishSchema, type PixelArtFinishSpec } from '../contract';
import type { FinishedImages } from '../export/pixel-art';
import { paletteHex } from '../export/palette';
import { CliUsageError } from './output';
import type { FlagTable } from './flag-table';

/** No range in the table: finishFromFlags checks both against the contract's finish schema. */
export const pixelArtFlags = {
  'pixel-art': {
    type: 'string',
    value: 'COLORS',
    optionalValue: true,
    help: `Finish as pixel art: snap to a palette of the dataset's colours (${LATENT_LIMITS.pixelArtColors.min} to ${LATENT_LIMITS.pixelArtColors.max}, default ${LATENT_DEFAULTS.pixelArtColors}) and hard alpha.`,
  },
  'alpha-threshold': {
    type: 'string',
    value: 'X',
    help: `With --pixel-art: a pixel is opaque when its alpha is at least this, ${describeLimit(LATENT_LIMITS.alphaThreshold)} (default ${LATENT_DEFAULTS.alphaThreshold}).`,
  },
} satisfies FlagTable;

/**
 * `--pixel-art` takes an optional value, which parseArgs cannot express: a bare `--pixel-art`
 * becomes `--pixel-art=` (the default count); one followed by a number takes that number.
 */
export function pixelArtArgv(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--') {
      out.push(...args.slice(i));
      break;
    }
    if (args[i] !== '--pixel-art') {
      out.push(args[i]);
      continue;
    }
    const next = args[i + 1];
    if (next !== undefined && /^-?\d+(\.\d*)?$/.test(next)) {
      out.push(`--pixel-art=${next}`);
      i++;
    } else out.push('--pixel-art=');
  }
  return out;
}

/** The finish spec the flags ask for, or undefined without --pixel-art. */
export function finishFromFlags(values: Record<string, unknown>): PixelArtFinishSpec | undefined {
  const colors = values['pixel-art'];
  const threshold = values['alpha-threshold'];
  if (colors === undefined) {
    if (threshold !== undefined) throw new CliUsageError('--alpha-threshold applies to pixel-art finishing: add --pixel-art');
    return undefined;
  }
  const raw = { colors: colors === '' ? undefined : Number(colors), alphaThreshold: threshold === undefined ? undefined : Number(threshold) };
  const parsed = pixelArtFinishSchema.safeParse(Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = issue.path[0] === 'alphaThreshold' ? '--alpha-threshold' : '--pixel-art';
    const given = flag === '--pixel-art' ? colors : threshold;
    throw new CliUsageError(`${flag} ${flag === '--pixel-art' ? issue.message : `must be ${describeLimit(LATENT_LIMITS.alphaThreshold)}`}, got "${given}"`);
  }
  return parsed.data;
}

/** What a command reports about finishing (the palette used), for --json and stderr. */
export function pixelArtReport(finished: FinishedImages | undefined): { pixelArt?: { palette: string[]; colors: number; alphaThreshold: number } } {
  if (!finished) return {};
  return { pixelArt: { palette: paletteHex(finished.palette), colors: finished.palette.colors, alphaThreshold: finished.alphaThreshold } };
}
