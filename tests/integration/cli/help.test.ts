/**
 * The built CLI's help and usage errors: `import --help` shows the command's usage, one
 * sentence per flag and examples; `--help` lists the commands; a negative or fractional number
 * and an unknown flag are refused with exit 2 and one short line that names the flag (and the
 * range) and points at the command's --help, not a dump of every flag.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requireBuilt } from '../../helpers/built';
import { writePngs } from '../../helpers/images';

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [requireBuilt('src/cli.js'), ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The help with its line wrapping undone, to find a flag's whole sentence. */
const unwrapped = (text: string) => text.replace(/\s+/g, ' ');

describe('latent-atlas --help and usage errors', () => {
  it('import --help: the usage lines, every flag with its sentence (and range), and examples; exit 0', () => {
    const r = cli(['import', '--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Usage: latent-atlas import <folder> --out <dataset-dir> \[options\]\n +latent-atlas import <sheet\.png>\.\.\. --sheet grid\|auto\|atlas/);
    const text = unwrapped(r.stdout);
    expect(text).toContain('--out DIR The dataset folder to create (required); an existing dataset needs --overwrite.');
    expect(text).toContain('--val-fraction X The share of images held out for validation (default 0.1; a number from 0 to 0.5).');
    expect(text).toContain('--max-images N Import at most this many images (default: all; a whole number of 1 or more).');
    expect(text).toContain('--include GLOB Import only files matching this pattern');
    // Every flag of the command has a line in the help, each with a sentence after it.
    const flagLines = r.stdout.split('\n').filter((l) => /^ {2}--[a-z-]+/.test(l));
    for (const flag of ['--out', '--size', '--channels', '--fit', '--no-cache', '--overwrite', '--json', '--sheet', '--cell', '--gap', '--atlas']) {
      const line = flagLines.find((l) => l.trimStart().startsWith(`${flag} `));
      expect(line, flag).toBeDefined();
      expect(line!.replace(/^ +--[a-z-]+( \S+)? +/, ''), flag).toMatch(/^[A-Z(].{8,}/);
    }
    expect(r.stdout).toContain('Examples:\n  latent-atlas import ./sprites --out ./datasets/sprites --size 32\n');
    // The same text through `help import` and -h.
    expect(cli(['help', 'import']).stdout).toBe(r.stdout);
    expect(cli(['import', '-h']).stdout).toBe(r.stdout);
  });

  it('--help lists every command with a sentence, and no flags', () => {
    const r = cli(['--help']);
    expect(r.code).toBe(0);
    for (const command of ['import', 'train', 'eval', 'serve', 'start', 'encode', 'interpolate', 'sample', 'traverse', 'relabel', 'label-path', 'export']) {
      expect(r.stdout, command).toMatch(new RegExp(`^  ${command} +[A-Z]`, 'm'));
    }
    expect(r.stdout).not.toContain('--epochs');
    expect(r.stdout).toContain('latent-atlas <command> --help');
    expect(cli([]).stdout).toBe(r.stdout);
  });

  it('refuses a negative and a fractional number with exit 2, one short line naming the flag and its range, and writes nothing', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'atlas-cli-help-'));
    await writePngs(path.join(work, 'images'), 4, 16);
    const cases = [
      {
        args: ['train', path.join(work, 'images'), '--run', path.join(work, 'run'), '--epochs', '-1'],
        line: 'latent-atlas: --epochs must be a whole number from 1 to 100000, got -1 (see latent-atlas train --help)',
      },
      {
        args: ['train', path.join(work, 'images'), '--run', path.join(work, 'run'), '--batch-size', '2.5'],
        line: 'latent-atlas: --batch-size must be a whole number from 1 to 4096, got 2.5 (see latent-atlas train --help)',
      },
      {
        args: ['import', path.join(work, 'images'), '--out', path.join(work, 'ds'), '--val-fraction', '-0.1'],
        line: 'latent-atlas: --val-fraction must be a number from 0 to 0.5, got -0.1 (see latent-atlas import --help)',
      },
      {
        args: ['import', path.join(work, 'images'), '--out', path.join(work, 'ds'), '--max-images', '1.5'],
        line: 'latent-atlas: --max-images must be a whole number of 1 or more, got 1.5 (see latent-atlas import --help)',
      },
    ];
    for (const c of cases) {
      const r = cli(c.args);
      expect(r.code, c.args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`${c.line}\n`);
    }
    expect(existsSync(path.join(work, 'run'))).toBe(false);
    expect(existsSync(path.join(work, 'ds'))).toBe(false);
  });

  it('an unknown flag, a missing value and an unknown command exit 2 with one line under 200 characters', () => {
    const unknown = cli(['train', '/nowhere', '--run', '/tmp/nowhere-run', '--epoch', '3']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe("latent-atlas: unknown option '--epoch' (Did you mean --epochs?) (see latent-atlas train --help)\n");
    const missing = cli(['import', '/nowhere', '--out']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('latent-atlas: --out needs a value (DIR) (see latent-atlas import --help)\n');
    const command = cli(['frobnicate']);
    expect(command.code).toBe(2);
    for (const r of [unknown, missing, command, cli(['sample', '--run', 'r', '--dataset', 'd', 'stray']), cli(['export', '--bogus'])]) {
      expect(r.stderr.split('\n').filter(Boolean), r.stderr).toHaveLength(1);
      expect(r.stderr.length, r.stderr).toBeLessThan(200);
      expect(r.code).toBe(2);
    }
  });
});
