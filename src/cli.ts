#!/usr/bin/env node
/**
 * `latent-atlas <command>`: the command line. Each command's flags are a table (src/cli/*.ts)
 * that commander parses (src/cli/program.ts); a command reports progress on stderr and, with
 * --json, prints exactly one JSON object on stdout. Exit codes: 0 done, 1 failed, 2 usage error
 * or refusal to overwrite, 130 stopped by Ctrl+C.
 */
import { CliExit, CliInterrupted, CliUsageError, failureLine, isOverwriteRefusal } from './cli/output';
import { serve } from './cli/serve';
import { launch } from './cli/launch';
import { importFlags, importNotes, runImport } from './cli/import';
import { evalFlags, runEval, runTrain, trainFlags } from './cli/train';
import { labelPathFlags, relabelFlags, runLabelPath, runRelabel } from './cli/conditional';
import { encodeFlags, interpolateFlags, runEncode, runInterpolate, runSample, runTraverse, sampleFlags, traverseFlags } from './cli/latent';
import { exportCommandFlags, runExport } from './cli/export';
import { pixelArtArgv } from './cli/pixel-art';
import { flag, text, texts, whole } from './cli/flag-table';
import { parseCommandLine, type CliCommand } from './cli/program';
import { APP_VERSION } from './version';

/** A command that keeps the process alive (a server) returns this instead of a result. */
const KEEP_RUNNING = Symbol('keep-running');

const port = whole(0, 65_535, 'The port to listen on; 0 picks a free one (default 0).');

const serveFlags = {
  port,
  host: text('ADDRESS', 'The address to listen on; anything but 127.0.0.1 lets the network in (default 127.0.0.1).'),
  open: flag('Open the page in the default browser.'),
  allow: texts('DIR', 'Another folder the page may use besides the workspace (may be repeated).'),
  json: flag('Print the URL, host and port as one JSON object on stdout.'),
};

/** Every command: its flags (with help and ranges), usage lines and examples, and what it runs. */
const commands: Record<string, CliCommand> = {
  import: {
    summary: 'Import a folder of images, or sprite sheets (--sheet), into a dataset (decoded, resized, checked; bad files skipped and reported).',
    usage: ['<folder> --out <dataset-dir> [options]', '<sheet.png>... --sheet grid|auto|atlas --out <dataset-dir> [options]'],
    flags: importFlags,
    examples: ['latent-atlas import ./sprites --out ./datasets/sprites --size 32', 'latent-atlas import heroes.png --sheet grid --cell 32x32 --out ./datasets/heroes'],
    notes: importNotes,
    run: runImport,
  },
  train: {
    summary: 'Train a VAE on a dataset (or a folder of images, imported first); checkpoints every epoch, Ctrl+C stops cleanly.',
    usage: ['<image-folder|dataset-dir> --run <run-dir> [options]'],
    flags: trainFlags,
    examples: ['latent-atlas train ./datasets/sprites --run ./runs/sprites --epochs 20', 'latent-atlas train ./datasets/sprites --run ./runs/sprites --preset quick --json'],
    run: runTrain,
  },
  eval: {
    summary: 'Evaluate a run on held-out images: ELBO, KL, active units, IWAE estimate of log p(x).',
    usage: ['<run-dir> --dataset <dataset-dir> [options]'],
    flags: evalFlags,
    examples: ['latent-atlas eval ./runs/sprites --dataset ./datasets/sprites --iwae-k 1000'],
    run: runEval,
  },
  serve: {
    summary: 'Serve the app in a browser (web mode), bound to 127.0.0.1 with an access token.',
    usage: ['[options]'],
    flags: serveFlags,
    examples: ['latent-atlas serve --open', 'latent-atlas serve --port 8080 --allow ~/Pictures'],
    notes: 'The page may use files in the workspace and in each --allow folder only.',
    async run(values) {
      const { server } = await serve({ host: String(values.host ?? '127.0.0.1'), port: Number(values.port ?? 0), open: Boolean(values.open), allow: (values.allow as string[] | undefined) ?? [] });
      if (values.json) process.stdout.write(JSON.stringify({ url: server.url, host: server.host, port: server.port }) + '\n');
      else process.stdout.write(`Latent Atlas web mode: ${server.url}\n(Ctrl+C stops it)\n`);
      return KEEP_RUNNING;
    },
  },
  start: {
    summary: 'Open the desktop app if Electron is installed, else serve web mode (what "npm start" runs).',
    usage: ['[options]'],
    flags: { port: whole(0, 65_535, 'In web mode: the port to listen on; 0 picks a free one (default 0).') },
    examples: ['latent-atlas start'],
    async run(values) {
      await launch({ port: Number(values.port ?? 0) });
      return KEEP_RUNNING;
    },
  },
  encode: {
    summary: 'Encode a dataset with the newest checkpoint of a run (cached in <run>/latents.bin).',
    usage: ['<run-dir> --dataset <dataset-dir> [options]'],
    flags: encodeFlags,
    examples: ['latent-atlas encode ./runs/sprites --dataset ./datasets/sprites', 'latent-atlas encode ./runs/sprites --dataset ./datasets/sprites --layout umap --points map.csv'],
    run: runEncode,
  },
  interpolate: {
    summary: 'Interpolate between images or latent vectors (linear, slerp, geodesic); --out writes frames.',
    usage: ['<A> <B> [more waypoints] --run <run-dir> --dataset <dataset-dir> [options]'],
    flags: interpolateFlags,
    examples: [
      'latent-atlas interpolate 0 12 --run ./runs/sprites --dataset ./datasets/sprites --frames 8 --out ./frames',
      'latent-atlas interpolate cat.png dog.png --run ./runs/sprites --dataset ./datasets/sprites --method geodesic --json',
    ],
    notes: 'A waypoint is an image index, an imported file name such as cat.png, or a comma-separated latent vector.',
    prepareArgs: pixelArtArgv,
    run: runInterpolate,
  },
  sample: {
    summary: 'Generate images from the prior or around an image, with a memorisation check; --out writes them.',
    usage: ['--run <run-dir> --dataset <dataset-dir> [options]'],
    flags: sampleFlags,
    examples: [
      'latent-atlas sample --run ./runs/sprites --dataset ./datasets/sprites --count 16 --out ./samples',
      'latent-atlas sample --run ./runs/sprites --dataset ./datasets/sprites --temperature 0.7 --pixel-art 24 --out ./samples',
    ],
    prepareArgs: pixelArtArgv,
    run: runSample,
  },
  traverse: {
    summary: 'Sweep latent dimensions one at a time (-3..3) around a base point; --out writes the grid.',
    usage: ['--run <run-dir> --dataset <dataset-dir> [options]'],
    flags: traverseFlags,
    examples: ['latent-atlas traverse --run ./runs/sprites --dataset ./datasets/sprites --base 5 --dims 0,1,2 --out ./grid'],
    prepareArgs: pixelArtArgv,
    run: runTraverse,
  },
  relabel: {
    summary: 'A conditional model: draw images as every other label at their own z (one row per label); --out writes the grid.',
    usage: ['<image> [more images] --run <run-dir> --dataset <dataset-dir> [options]'],
    flags: relabelFlags,
    examples: ['latent-atlas relabel 0 7 --run ./runs/fruit --dataset ./datasets/fruit --labels apple,pear --out ./grid'],
    notes: 'An image is an index or an imported file name; the run must have been trained with --conditional.',
    prepareArgs: pixelArtArgv,
    run: runRelabel,
  },
  'label-path': {
    summary: 'A conditional model: one z decoded from one label to another; --out writes the frames.',
    usage: ['<image|vector> --from LABEL --to LABEL --run <run-dir> --dataset <dataset-dir> [options]'],
    flags: labelPathFlags,
    examples: ['latent-atlas label-path 3 --from apple --to pear --run ./runs/fruit --dataset ./datasets/fruit --out ./frames'],
    prepareArgs: pixelArtArgv,
    run: runLabelPath,
  },
  export: {
    summary: 'Export PNG frames, a sprite sheet with JSON atlas, GIF or WebP from a spec or latent vectors.',
    usage: ['--spec export.json --out DIR [options]', '--latents z.json --run <run-dir> --out DIR [options]', '--projector --run <run-dir> --dataset <dataset-dir> --out DIR [options]'],
    flags: exportCommandFlags,
    examples: [
      'latent-atlas export --latents z.json --run ./runs/sprites --out ./frames --format png,gif --scale 4',
      'latent-atlas export --projector --run ./runs/sprites --dataset ./datasets/sprites --out ./projector',
    ],
    prepareArgs: pixelArtArgv,
    run: runExport,
  },
};

const ABOUT = `latent-atlas ${APP_VERSION}: train a VAE on your own images and explore it.`;
const FOOTER = `Run "latent-atlas <command> --help" for a command's flags and examples.
With --json a command prints one JSON object (its result) on stdout; progress goes to stderr.
Exit codes: 0 done, 1 failed, 2 usage error or refusal to overwrite, 130 stopped by Ctrl+C.
`;

export async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine(argv, commands, ABOUT, FOOTER);
  if (parsed.kind === 'help') {
    process.stdout.write(parsed.text);
    return 0;
  }
  if (parsed.kind === 'version') {
    process.stdout.write(`${APP_VERSION}\n`);
    return 0;
  }
  let outcome: unknown;
  try {
    outcome = await parsed.command.run(parsed.values, parsed.positionals);
  } catch (err) {
    // A usage error found while running points at this command's --help.
    if (err instanceof CliUsageError) err.command ??= parsed.name;
    throw err;
  }
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
