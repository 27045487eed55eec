/**
 * `latent-atlas train` and `latent-atlas eval`: the training loop and the evaluation of
 * src/train on the command line, with a progress bar on stderr.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ARCHITECTURES, IMAGE_SIZES, IMPORT_DEFAULTS, LIKELIHOODS, TRAIN_DEFAULTS as D, TRAIN_LIMITS as L, trainSettingsSchema, type RunEstimate, type TrainSettingsIn } from '../contract';
import { openDataset, inspectDatasetTarget, markDatasetInUse } from '../data/store';
import { importImages } from '../data/import';
import { loadModel } from '../model/load';
import { checkTrainedOn } from '../latent/encode';
import { evaluate } from '../train/evaluate';
import { train } from '../train/train';
import { TrainControl } from '../train/control';
import { PRESET_IDS, presetSpec, type PresetId } from '../train/presets';
import { checked, cliBackend } from './args';
import { flag, limited, text, type FlagTable } from './flag-table';
import { hasCheckpoint, readCheckpointState } from '../train/checkpoint';
import { CliInterrupted, CliUsageError, createProgressPrinter, endProgress, shown, withExitCode } from './output';

type Values = Record<string, unknown>;
const num = (v: unknown) => (v === undefined ? undefined : Number(v));

export const trainFlags = {
  run: text('DIR', 'The run folder for checkpoints and history (required).'),
  epochs: limited(L.epochs, `Passes over the training images (default ${D.epochs}; with --preset, trains exactly this many).`),
  'batch-size': limited(L.batchSize, `Images per training step (default ${D.batchSize}).`),
  'latent-dim': limited(L.latentDim, `The size of the latent space z (default ${D.latentDim}).`),
  architecture: text(ARCHITECTURES.join('|'), `The network: a two-level hierarchical VAE, a convolutional or a dense one (default ${D.architecture}).`),
  likelihood: text('NAME', `How the decoder scores pixels: ${LIKELIHOODS.slice(0, -1).join(', ')} or ${LIKELIHOODS.at(-1)} (default ${D.likelihood}).`),
  beta: limited(L.beta, `The weight of the KL term: above 1 trades detail for a tidier latent space (default ${D.beta}).`),
  'warmup-steps': limited(L.warmupSteps, `Steps over which the KL weight rises from 0 to --beta, against posterior collapse (default ${D.warmupSteps}).`),
  'free-bits': limited(L.freeBits, `Nats of KL per dimension not penalised, against posterior collapse (default ${D.freeBits}).`, 'NATS'),
  'iwae-k': limited(L.iwaeK, `Importance samples per image in the training bound; 1 is the plain ELBO (default ${D.iwaeK}).`, 'K'),
  'learning-rate': limited(L.learningRate, `The Adam step size (default ${D.learningRate}).`),
  'lr-cooldown': limited(
    L.learningRateCooldown,
    `The share of the last steps over which the step size falls to 0; 0 keeps it constant (default ${D.learningRateCooldown}; the presets cool down).`,
    'SHARE',
  ),
  seed: limited(L.seed, `The seed of weights and batches, for a repeatable run (default ${D.seed}).`),
  'val-iwae-k': limited(L.valIwaeK, `Importance samples for the validation log-likelihood each epoch; 0 skips it (default ${D.valIwaeK}).`, 'K'),
  workers: text('auto|1|2', 'Training threads; auto uses 2 on the wasm backend with 2+ cores (default auto).'),
  size: text(IMAGE_SIZES.join('|'), `When the input is a folder of images: the side they are imported at (default ${IMPORT_DEFAULTS.size}).`),
  resume: flag('Continue the run already in --run from its last checkpoint.'),
  new: flag('Start a fresh run beside an existing one (DIR-2, DIR-3, ...).'),
  backend: text('tensorflow|wasm|cpu', 'The TensorFlow.js backend (default: the fastest present).'),
  json: flag('Print the run summary as one JSON object on stdout.'),
  preset: text('quick|balanced|quality', 'Start from a preset: its settings and time budget (flags given beside it win).'),
  'time-budget': limited(L.timeBudgetSec, 'Train for about this many seconds, epochs planned from a measured probe (0: off).', 'SECONDS'),
  conditional: flag("Condition on the images' labels (subfolders), to generate by label afterwards."),
  'fine-detail': text('on|off', 'Hierarchical model: the fine 16x16 latent layer under z2, for sharper detail (default on for 32x32 images and larger; off saves about a fifth of the compute).'),
} satisfies FlagTable;

export const evalFlags = {
  dataset: text('DIR', 'The dataset the run was trained on (required).'),
  split: text('val|train', 'Which images to evaluate (default val).'),
  'iwae-k': limited(L.valIwaeK, 'Importance samples for the IWAE estimate of log p(x); 0 skips it (default 0).', 'K'),
  'batch-size': limited(L.batchSize, 'Images per evaluation step (default 64).'),
  'other-dataset': flag('Evaluate on a dataset other than the one the model was trained on, deliberately.'),
  backend: text('tensorflow|wasm|cpu', 'The TensorFlow.js backend (default: the fastest present).'),
  json: flag('Print the evaluation as one JSON object on stdout.'),
} satisfies FlagTable;

/**
 * --preset starts from the preset's settings and its time budget (flags given next to it win);
 * --time-budget SECONDS sets a budget; an explicit --epochs without --time-budget trains those epochs.
 */
function settingsFromFlags(values: Values): TrainSettingsIn {
  const flags = settingsFromOwnFlags(values);
  const budget = values['time-budget'] === undefined ? undefined : Number(values['time-budget']);
  let preset: TrainSettingsIn = {};
  if (values.preset !== undefined) {
    if (!(PRESET_IDS as string[]).includes(String(values.preset))) throw new CliUsageError(`--preset must be one of ${PRESET_IDS.join(', ')}; got "${values.preset}"`);
    const spec = presetSpec(values.preset as PresetId);
    preset = { ...spec.settings, timeBudgetSec: flags.epochs === undefined ? spec.budgetSec : 0 };
  }
  const given = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
  return checked(trainSettingsSchema, { ...preset, ...given, ...(budget === undefined ? {} : { timeBudgetSec: budget }) });
}

/** An on|off flag's value; a misspelling is a usage error that names the flag. */
function onOff(name: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'on' || value === 'off') return value === 'on';
  throw new CliUsageError(`--${name} must be on or off; got "${String(value)}"`);
}

function settingsFromOwnFlags(values: Values): TrainSettingsIn {
  return checked(trainSettingsSchema, {
    epochs: num(values.epochs),
    batchSize: num(values['batch-size']),
    latentDim: num(values['latent-dim']),
    architecture: values.architecture,
    likelihood: values.likelihood,
    beta: num(values.beta),
    warmupSteps: num(values['warmup-steps']),
    freeBits: num(values['free-bits']),
    iwaeK: num(values['iwae-k']),
    learningRate: num(values['learning-rate']),
    learningRateCooldown: num(values['lr-cooldown']),
    seed: num(values.seed),
    valIwaeK: num(values['val-iwae-k']),
    workers: values.workers === undefined || values.workers === 'auto' ? values.workers : Number(values.workers),
    // Conditional on the images' labels (subfolders): generate by label afterwards (sample --label).
    conditional: values.conditional ? true : undefined,
    fineLatent: onOff('fine-detail', values['fine-detail']),
  });
}

/** A dataset folder is used as it is; a folder of images is imported into <run>/dataset first. */
async function datasetFor(source: string, runDir: string, size: unknown): Promise<string> {
  if ((await inspectDatasetTarget(source)).kind === 'dataset') return source;
  const sizeNumber = size === undefined ? undefined : Number(size);
  const printProgress = createProgressPrinter();
  const report = await importImages({
    source: { folder: source },
    output: path.join(runDir, 'dataset'),
    options: sizeNumber === undefined ? {} : { size: sizeNumber as 32 },
    onProgress: (p) => printProgress({ phase: 'importing', done: p.imported + p.skipped, total: null, rate: p.rate }),
  });
  endProgress();
  process.stderr.write(`Imported ${report.imported} images into ${shown(report.dataset)}${report.skipped.length ? ` (${report.skipped.length} skipped)` : ''}.\n`);
  return report.dataset;
}

export async function runTrain(values: Values, positionals: string[]) {
  if (positionals.length !== 1) throw new CliUsageError(`train takes one image folder or dataset folder, got ${positionals.length}`);
  if (typeof values.run !== 'string' || values.run === '') throw new CliUsageError('train needs --run <run-dir> (checkpoints go there)');
  const settings = settingsFromFlags(values);
  const runDir = await runFolder(path.resolve(values.run), Boolean(values.resume), Boolean(values.new));
  const backend = await cliBackend(values);
  process.stderr.write(`Backend: ${backend.label} (${backend.reason})\n`);
  const datasetDir = await datasetFor(path.resolve(positionals[0]), runDir, values.size);
  const dataset = await openDataset(datasetDir);
  // While this run trains, an import --overwrite of its dataset is refused.
  const releaseDataset = await markDatasetInUse(datasetDir, runDir);

  // First Ctrl+C: stop at the next step and save a checkpoint. Second: abort without saving.
  const control = new TrainControl();
  const abort = new AbortController();
  const onSigint = () => {
    if (control.stopRequested) return abort.abort();
    control.stop();
    process.stderr.write('\nStopping after this step and saving a checkpoint (Ctrl+C again to abort without saving)...\n');
  };
  process.on('SIGINT', onSigint);
  const printProgress = createProgressPrinter();
  let plan: RunEstimate | null = null;
  const started = performance.now();
  try {
    const result = await train(settings, dataset, {
      checkpointDir: runDir,
      resume: Boolean(values.resume),
      control,
      signal: abort.signal,
      onProgress: (e) => {
        if (e.type === 'step') {
          printProgress({
            phase: `epoch ${e.epoch}/${e.epochs}${e.workers > 1 ? ` (${e.workers} threads)` : ''}`,
            done: e.step,
            total: e.totalSteps,
            rate: e.imagesPerSec,
            etaSeconds: e.etaSec,
            message: `loss ${e.loss.toFixed(1)} kl ${e.kl.toFixed(1)} nats`,
          });
        } else if (e.type === 'plan') {
          const { type: _t, step: _s, epoch: _e, ...estimate } = e;
          plan = estimate;
          process.stderr.write(`${e.revised ? 'Plan revised' : 'Plan'}: ${e.summary}${e.budgetSec ? ` for a budget of ${Math.round(e.budgetSec)} s` : ''}${e.probe ? `; ${e.probe.note}` : ''}\n`);
        } else if (e.type === 'epoch') {
          endProgress();
          const quality = e.val?.psnrDb !== undefined ? `, quality ${e.val.psnrDb.toFixed(2)} dB PSNR` : '';
          const val = e.val ? `; validation ELBO ${e.val.elbo.toFixed(2)}${quality}, ${e.val.activeUnits} active units` : '';
          process.stderr.write(`epoch ${e.epoch}: train ELBO ${e.train.elbo.toFixed(2)} nats/image (${e.train.bitsPerDim.toFixed(3)} bits/dim)${val}\n`);
          for (const w of e.warnings ?? []) process.stderr.write(`warning: ${w}\n`);
        }
      },
    });
    endProgress();
    const last = result.history.at(-1) ?? null;
    if (!values.json)
      process.stderr.write(`${result.status === 'completed' ? 'Finished' : 'Stopped'} after ${result.epoch} epochs (${result.step} steps); checkpoint: ${shown(result.checkpoint ?? 'none')}\n`);
    // Stopped by Ctrl+C: the checkpoint is saved, but `train && export` must not carry on.
    return withExitCode(control.stopRequested ? 130 : 0, {
      status: result.status,
      epoch: result.epoch,
      step: result.step,
      checkpoint: result.checkpoint,
      run: runDir,
      dataset: datasetDir,
      backend: backend.label,
      final: last,
      plan,
      seconds: (performance.now() - started) / 1000,
    });
  } catch (err) {
    if (abort.signal.aborted) throw new CliInterrupted('training aborted by a second Ctrl+C; the last checkpoint is the one of the previous epoch');
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
    await releaseDataset();
  }
}

/**
 * The folder a run trains into. An existing run is never started over (that would delete its
 * checkpoints): --resume continues it, --new trains into a fresh numbered folder beside it
 * (DIR-2, DIR-3, ...). A folder of other files is refused too.
 */
async function runFolder(dir: string, resume: boolean, fresh: boolean): Promise<string> {
  if (resume && fresh) throw new CliUsageError('--resume and --new exclude each other: --resume continues the run in --run, --new starts another one beside it');
  if (fresh) {
    for (let n = 1; ; n++) {
      const candidate = n === 1 ? dir : `${dir}-${n}`;
      const entries = await fs.readdir(candidate).catch(() => null);
      if (entries && entries.length === 0) return candidate;
      if (entries) continue;
      try {
        await fs.mkdir(path.dirname(candidate), { recursive: true });
        await fs.mkdir(candidate); // not recursive: two runs started at once never share a folder
        return candidate;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
  }
  const entries = await fs.readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw new CliUsageError(`--run ${dir} exists but is not a folder that can be read (${err.code ?? err.message})`);
  });
  if (entries.length === 0 || resume) return dir;
  let next = 2;
  while ((await fs.readdir(`${dir}-${next}`).catch(() => [] as string[] | null))?.length) next++;
  if (await hasCheckpoint(dir)) {
    const state = await readCheckpointState(dir);
    const at = state ? ` (trained to epoch ${state.epoch}, step ${state.step})` : '';
    throw new CliUsageError(`--run ${dir} already holds a training run${at}; nothing was changed. Pass --resume to continue it, or --new to start a fresh run in ${dir}-${next}`);
  }
  throw new CliUsageError(`--run ${dir} is not empty and holds no training run; nothing was changed. Choose an empty or new folder, or pass --new to train into ${dir}-${next}`);
}

export async function runEval(values: Values, positionals: string[]) {
  if (positionals.length !== 1) throw new CliUsageError(`eval takes one run folder, got ${positionals.length}`);
  if (typeof values.dataset !== 'string') throw new CliUsageError('eval needs --dataset <dataset-dir>');
  const split = (values.split ?? 'val') as string;
  if (split !== 'val' && split !== 'train') throw new CliUsageError(`--split must be val or train, got "${split}"`);
  // Its range is checked with the flag table (evalFlags) before the command runs.
  const iwaeK = values['iwae-k'] === undefined ? 0 : Number(values['iwae-k']);
  await cliBackend(values);
  const model = await loadModel(path.resolve(positionals[0]));
  try {
    const dataset = await openDataset(path.resolve(values.dataset));
    if (!values['other-dataset']) checkTrainedOn(model, positionals[0], dataset, 'evaluate on it deliberately with --other-dataset');
    const printProgress = createProgressPrinter();
    const result = await evaluate(model, dataset, {
      split,
      iwaeK,
      batchSize: values['batch-size'] === undefined ? undefined : Number(values['batch-size']),
      onProgress: (done, total) => printProgress({ phase: iwaeK ? `evaluating (IWAE k=${iwaeK})` : 'evaluating', done, total }),
    });
    endProgress();
    const { perImage, ...numbers } = result;
    // The images the model reconstructs worst: where to look first.
    const worst = [...perImage.index.keys()]
      .sort((a, b) => perImage.reconError[b] - perImage.reconError[a])
      .slice(0, 10)
      .map((k) => ({ index: perImage.index[k], reconError: perImage.reconError[k] }));
    if (!values.json) {
      const iw = numbers.iwae ? `; log p(x) >= ${numbers.iwae.logLikelihood.toFixed(2)} (IWAE k=${numbers.iwae.k}, +-${numbers.iwae.stdError.toFixed(2)})` : '';
      process.stderr.write(
        `${numbers.images} ${split} images: ELBO ${numbers.elbo.toFixed(2)} nats/image, recon ${numbers.recon.toFixed(2)}, KL ${numbers.kl.toFixed(2)}, ${numbers.activeUnits} active units${iw}\n`,
      );
    }
    return { split, ...numbers, worst };
  } finally {
    model.dispose();
  }
}
