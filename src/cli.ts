#!/usr/bin/env node
/**
 * `latent-atlas <command>`: the command line. Each command parses its own flags, reports
 * progress on stderr and, with --json, prints exactly one JSON object on stdout.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliExit, CliInterrupted, CliUsageError, failureLine, isOverwriteRefusal } from './cli/output';
import { serve } from './cli/serve';
import { launch } from './cli/launch';
import { importFlags, importHelp, importUsage, runImport } from './cli/import';
import { evalFlags, evalUsage, runEval, runTrain, trainFlags, trainUsage } from './cli/train';
import { labelPathFlags, labelPathUsage, relabelFlags, relabelUsage, runLabelPath, runRelabel } from './cli/conditional';
import { encodeFlags, encodeUsage, interpolateFlags, interpolateUsage, runEncode, runInterpolate, runSample, runTraverse, sampleFlags, sampleUsage, traverseFlags, traverseUsage } from './cli/latent';
import { exportCommandFlags, exportCommandUsage, runExport } from './cli/export';
import { pixelArtArgv } from './cli/pixel-art';
import { APP_VERSION } from './version';

interface Command {
  summary: string;
  usage: string;
  /** More than the usage line, for `latent-atlas <command> --help`. */
  help?: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(values: Record<string, unknown>, positionals: string[]): Promise<unknown>;
}

const jsonFlag = { json: { type: 'boolean', default: false } } as const;

function intOption(values: Record<string, unknown>, name: string, min: number, max: number): number {
  const raw = values[name];
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new CliUsageError(`--${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return n;
}

const commands: Record<string, Command> = {
  import: {
    summary: 'Import a folder of images, or sprite sheets (--sheet), into a dataset (decoded, resized, checked; bad files skipped and reported).',
    usage: importUsage,
    help: importHelp,
    options: importFlags,
    run: (values, positionals) => runImport(values, positionals),
  },
  train: {
    summary: 'Train a VAE on a dataset (or a folder of images, imported first); checkpoints every epoch, Ctrl+C stops cleanly.',
    usage: trainUsage,
    options: trainFlags,
    run: (values, positionals) => runTrain(values, positionals),
  },
  eval: {
    summary: 'Evaluate a run on held-out images: ELBO, KL, active units, IWAE estimate of log p(x).',
    usage: evalUsage,
    options: evalFlags,
    run: (values, positionals) => runEval(values, positionals),
  },
  serve: {
    summary: 'Serve the app in a browser (web mode), bound to 127.0.0.1 with an access token.',
    usage: 'latent-atlas serve [--port N] [--host 127.0.0.1] [--open] [--allow DIR ...] [--json]   (the page may use files in the workspace and in each --allow folder only)',
    options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' }, open: { type: 'boolean', default: false }, allow: { type: 'string', multiple: true }, ...jsonFlag },
    async run(values) {
      const { server } = await serve({ host: String(values.host), port: intOption(values, 'port', 0, 65535), open: Boolean(values.open), allow: (values.allow as string[] | undefined) ?? [] });
      if (values.json) process.stdout.write(JSON.stringify({ url: server.url, host: server.host, port: server.port }) + '\n');
      else process.stdout.write(`Latent Atlas web mode: ${server.url}\n(Ctrl+C stops it)\n`);
      return KEEP_RUNNING;
    },
  },
  start: {
    summary: 'Open the desktop app if Electron is installed, else serve web mode (what "npm start" runs).',
    usage: 'latent-atlas start [--port N]',
    options: { port: { type: 'string', default: '0' } },
    async run(values) {
      await launch({ port: intOption(values, 'port', 0, 65535) });
      return KEEP_RUNNING;
    },
  },
  encode: {
    summary: 'Encode a dataset with the newest checkpoint of a run (cached in <run>/latents.bin).',
    usage: encodeUsage,
    options: encodeFlags,
    run: (values, positionals) => runEncode(values, positionals),
  },
  interpolate: {
    summary: 'Interpolate between images or latent vectors (linear, slerp, geodesic); --out writes frames.',
    usage: interpolateUsage,
    options: interpolateFlags,
    run: (values, positionals) => runInterpolate(values, positionals),
  },
  sample: {
    summary: 'Generate images from the prior or around an image, with a memorisation check; --out writes them.',
    usage: sampleUsage,
    options: sampleFlags,
    run: (values, positionals) => runSample(values, positionals),
  },
  traverse: {
    summary: 'Sweep latent dimensions one at a time (-3..3) around a base point; --out writes the grid.',
    usage: traverseUsage,
    options: traverseFlags,
    run: (values, positionals) => runTraverse(values, positionals),
  },
  relabel: {
    summary: 'A conditional model: draw images as every other label at their own z (one row per label); --out writes the grid.',
    usage: relabelUsage,
    options: relabelFlags,
    run: (values, positionals) => runRelabel(values, positionals),
  },
  'label-path': {
    summary: 'A conditional model: one z decoded from one label to another; --out writes the frames.',
    usage: labelPathUsage,
    options: labelPathFlags,
    run: (values, positionals) => runLabelPath(values, positionals),
  },
  export: {
    summary: 'Export PNG frames, a sprite sheet with JSON atlas, GIF or WebP from a spec or latent vectors.',
    usage: exportCommandUsage,
    options: exportCommandFlags,
    run: (values, positionals) => runExport(values, positionals),
  },
};

/** A command that keeps the process alive (a server) returns this instead of a result. */
const KEEP_RUNNING = Symbol('keep-running');

function helpText(): string {
  const lines = [`latent-atlas ${APP_VERSION}: train a VAE on your own images and explore it.`, '', 'Commands:'];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(10)} ${c.summary}`, `  ${' '.repeat(10)} ${c.usage}`);
  lines.push('', 'With --json a command prints one JSON object (its result) on stdout; progress goes to stderr.');
  return lines.join('\n') + '\n';
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(helpText());
    return 0;
  }
  if (name === '--version' || name === 'version') {
    process.stdout.write(`${APP_VERSION}\n`);
    return 0;
  }
  const command = commands[name];
  if (!command) throw new CliUsageError(`unknown command "${name}"; commands: ${Object.keys(commands).join(', ')}`);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.summary}\nUsage: ${command.usage}\n${command.help ? `\n${command.help}` : ''}`);
    return 0;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: 'pixel-art' in command.options ? pixelArtArgv(rest) : rest, options: command.options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliUsageError(`${(err as Error).message.split('\n')[0]}; usage: ${command.usage}`);
  }
  const outcome = await command.run(parsed.values as Record<string, unknown>, parsed.positionals);
  if (outcome === KEEP_RUNNING) return -1;
  const [result, code] = outcome instanceof CliExit ? [outcome.result, outcome.exitCode] : [outcome, 0];
  if (parsed.values.json) process.stdout.write(JSON.stringify(result) + '\n');
  return code;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err) => {
    process.stderr.write(failureLine(err) + '\n');
    process.exitCode = err instanceof CliUsageError || isOverwriteRefusal(err) ? 2 : err instanceof CliInterrupted ? 130 : 1;
  },
);
