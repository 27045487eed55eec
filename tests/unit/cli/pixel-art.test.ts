import { describe, expect, it } from 'vitest';
import { finishFromFlags, pixelArtArgv, pixelArtFlags } from '../../../src/cli/pixel-art';
import { CliUsageError } from '../../../src/cli/output';
import { flag, text } from '../../../src/cli/flag-table';
import { parseCommandLine, type CliCommand } from '../../../src/cli/program';

const sample: CliCommand = {
  summary: 'Generate images.',
  usage: ['[options]'],
  flags: { ...pixelArtFlags, out: text('DIR', 'Where.'), json: flag('JSON.') },
  examples: ['latent-atlas sample --pixel-art'],
  prepareArgs: pixelArtArgv,
  run: async () => null,
};
/** Parse argv the way src/cli.ts does for a command with the pixel-art flags. */
function flags(argv: string[]) {
  const parsed = parseCommandLine(['sample', ...argv], { sample }, 'latent-atlas', '');
  if (parsed.kind !== 'run') throw new Error(`expected a command to run, got ${parsed.kind}`);
  return { finish: finishFromFlags(parsed.values), positionals: parsed.positionals };
}

describe('--pixel-art [colors] and --alpha-threshold', () => {
  it('is off without --pixel-art, and a bare --pixel-art takes the default 32 colours anywhere on the line', () => {
    expect(flags(['--out', 'x']).finish).toBeUndefined();
    expect(flags(['--pixel-art']).finish).toEqual({ palette: 'dataset', colors: 32, alphaThreshold: 0.5 });
    expect(flags(['--pixel-art', '--json', 'a.png']).finish).toEqual({ palette: 'dataset', colors: 32, alphaThreshold: 0.5 });
    expect(flags(['--pixel-art', 'a.png']).positionals).toEqual(['a.png']);
  });

  it('takes a colour count after it (or with =) and an alpha threshold', () => {
    expect(flags(['--pixel-art', '24', '--json']).finish).toMatchObject({ colors: 24 });
    expect(flags(['--pixel-art=48']).finish).toMatchObject({ colors: 48 });
    expect(flags(['--pixel-art', '16', '--alpha-threshold', '0.25']).finish).toEqual({ palette: 'dataset', colors: 16, alphaThreshold: 0.25 });
    // Everything after -- stays positional.
    expect(flags(['--', '--pixel-art']).positionals).toEqual(['--pixel-art']);
  });

  it('names the flag and the allowed range when a value is wrong', () => {
    expect(() => flags(['--pixel-art', '8'])).toThrow(CliUsageError);
    expect(() => flags(['--pixel-art', '8'])).toThrow('--pixel-art must be a whole number of colours from 16 to 64, got "8"');
    expect(() => flags(['--pixel-art', '65'])).toThrow('from 16 to 64, got "65"');
    expect(() => flags(['--pixel-art', '20.5'])).toThrow('whole number of colours');
    expect(() => flags(['--pixel-art=lots'])).toThrow('--pixel-art must be a whole number of colours from 16 to 64, got "lots"');
    expect(() => flags(['--pixel-art', '--alpha-threshold', '2'])).toThrow('--alpha-threshold must be a number from 0 to 1, got "2"');
    expect(() => flags(['--alpha-threshold', '0.5'])).toThrow('--alpha-threshold applies to pixel-art finishing: add --pixel-art');
  });
});
