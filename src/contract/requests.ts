/** Every request channel: engine requests, shell requests, and payload validation. Part of the contract (src/contract/index.ts re-exports every file). */
import { z } from 'zod';
import type { AtlasErrorData } from '../errors';
import { fsPath, numberIn, result, type AppPaths, type EngineInfo, type SpeedResult } from './shared';
import { importOptionsSchema, sheetSlicingSchema, type DatasetImportReport, type DatasetItemInfo, type DatasetSummary, type SheetPreview, type ThumbnailAtlas } from './data';
import { trainSettingsSchema, type RunEstimate, type TrainRunReport, type TrainStatusReport } from './train';
import { projectFileSchema, type OpenedProject } from './project';
import {
  LATENT_DEFAULTS,
  LATENT_LIMITS,
  NONLINEAR_LAYOUTS,
  attributeSpecSchema,
  conditionalLabel,
  datasetPath,
  interpolateSpecSchema,
  labelPathSpecSchema,
  latentAxes,
  latentPath,
  latentPointSchema,
  latentVector,
  relabelSpecSchema,
  runAndDataset,
  sampleSpecSchema,
  traverseSpecSchema,
  type LatentAttributeResult,
  type LatentDecodeResult,
  type LatentEncodeReport,
  type LatentGenerated,
  type LatentLabelPathResult,
  type LatentLayout,
  type LatentNeighbours,
  type LatentPathResult,
  type LatentProjection,
  type LatentRelabelResult,
  type LatentTraversal,
  type SelectionCsvReport,
} from './latent';
import { exportOptionsSchema, projectorExportSchema, type ExportReport, type ProjectorExportReport } from './export';

// ---------------------------------------------------------------------------------------
// Engine requests

/** A sprite sheet on the engine's disk. */
const sheetOnDiskSchema = z.object({ sheet: fsPath('read') });
/** A sprite sheet uploaded into a staging area (dataset.stageFiles), by its file name there; its atlas may lie beside it. */
const sheetUploadedSchema = z.object({ staged: z.string().regex(/^[\w-]{1,64}$/), sheetName: z.string().min(1).max(1024) });
/** Where a sheet import or preview reads the sheet. */
export type SheetSource = z.input<typeof sheetOnDiskSchema> | z.input<typeof sheetUploadedSchema>;

export const engineRequests = {
  /** Which backend the engine runs on and its versions; a cheap round trip. */
  'engine.info': {
    payload: z.object({}).strict(),
    result: result<EngineInfo>(),
  },
  /** Where the app keeps its work (datasets, runs) and the bundled sample set. */
  'engine.paths': {
    payload: z.object({}).strict(),
    result: result<AppPaths>(),
  },
  /** Measure this machine's matmul throughput on the engine's backend (progress, cancel). */
  'engine.measureSpeed': {
    payload: z
      .object({
        seconds: z.number().min(0.1).max(60).default(2),
        size: z.number().int().min(16).max(2048).default(256),
      })
      .strict(),
    result: result<SpeedResult>(),
  },
  /** Import a folder (or staged uploads) into a dataset folder; progress, cancel, skipped-file report. */
  'dataset.import': {
    payload: z
      .object({
        source: z.union([
          z.object({ folder: fsPath('read') }).strict(),
          z.object({ staged: z.string().regex(/^[\w-]{1,64}$/) }).strict(),
          sheetOnDiskSchema.extend({ slicing: sheetSlicingSchema }).strict(),
          sheetUploadedSchema.extend({ slicing: sheetSlicingSchema }).strict(),
        ]),
        output: fsPath(),
        options: importOptionsSchema.default({}),
      })
      .strict(),
    result: result<DatasetImportReport>(),
  },
  /** Slice a sprite sheet without importing: the frames' boxes, their sizes and the image to draw them on. */
  'dataset.sheetPreview': {
    payload: z.union([
      sheetOnDiskSchema.extend({ slicing: sheetSlicingSchema, maxPixels: z.number().int().positive().optional() }).strict(),
      sheetUploadedSchema.extend({ slicing: sheetSlicingSchema, maxPixels: z.number().int().positive().optional() }).strict(),
    ]),
    result: result<SheetPreview>(),
  },
  /**
   * Upload files for an import (drag and drop, web mode): appended to a staging area named
   * by `staged`; the next dataset.import with source {staged} imports them. Send big drops in
   * several calls below the message limit.
   */
  'dataset.stageFiles': {
    payload: z
      .object({
        staged: z.string().regex(/^[\w-]{1,64}$/),
        files: z
          .array(z.object({ name: z.string().min(1).max(1024), base64: z.string() }).strict())
          .min(1)
          .max(10_000),
      })
      .strict(),
    result: result<{ staged: string; files: number; bytes: number }>(),
  },
  /** Copy a dataset (e.g. the bundled sample set into a project), written atomically. */
  'dataset.copy': {
    payload: z.object({ from: fsPath('read'), to: fsPath() }).strict(),
    result: result<DatasetSummary>(),
  },
  /** Open an imported dataset and summarise it. */
  'dataset.info': {
    payload: z.object({ path: fsPath('read') }).strict(),
    result: result<DatasetSummary>(),
  },
  /** One image's record: where it came from, its label and split (for the inspector). */
  'dataset.item': {
    payload: z.object({ path: fsPath('read'), index: z.number().int().min(0) }).strict(),
    result: result<DatasetItemInfo>(),
  },
  /** Many image records at once (search over file names, big datasets). */
  'dataset.items': {
    payload: z.object({ path: fsPath('read'), from: z.number().int().min(0), count: z.number().int().min(1).max(10_000) }).strict(),
    result: result<{ items: DatasetItemInfo[]; total: number }>(),
  },
  /** One page of thumbnails as a PNG grid. */
  'dataset.thumbnails': {
    payload: z.object({ path: fsPath('read'), page: z.number().int().min(0), perPage: z.number().int().min(1).max(1024).default(256) }).strict(),
    result: result<ThumbnailAtlas>(),
  },
  /**
   * Train a VAE on a dataset, checkpointing into runDir every epoch and on stop. Progress
   * events carry TrainProgress in `data`. Cancelling ends the run without saving; use
   * train.control 'stop' to end it at a step boundary with a checkpoint.
   */
  'train.run': {
    payload: z
      .object({
        dataset: fsPath('read'),
        runDir: fsPath(),
        settings: trainSettingsSchema.default({}),
        /** Continue from runDir's newest checkpoint (epochs may be raised). */
        resume: z.boolean().default(false),
        /** The project this run belongs to: its run record is saved after every epoch. */
        project: z
          .object({ dir: fsPath(), runId: z.string().regex(/^[\w-]{1,64}$/) })
          .strict()
          .optional(),
        /**
         * Train on these images only ("train on this selection"): the selection's training-split
         * images train, its validation-split images validate; the rest of the dataset is left out.
         */
        selection: z
          .object({ name: z.string().min(1).max(200), indices: z.array(z.number().int().min(0)).min(1, { error: 'the selection is empty' }).max(1_000_000) })
          .strict()
          .optional(),
      })
      .strict(),
    result: result<TrainRunReport>(),
  },
  /**
   * The training run in progress, if any: a page that was reloaded (or a second window) uses
   * it to show the run again and to poll its progress.
   */
  'train.status': {
    /** previewsAfter: send only previews of later epochs (a polling page has the others). */
    payload: z.object({ previewsAfter: z.number().int().min(0).optional() }).strict(),
    result: result<TrainStatusReport>(),
  },
  /**
   * How long training with these settings would take on this dataset here, measured with a short
   * probe of the model (a few seconds); with settings.timeBudgetSec, the epochs that fit in it.
   * Refused while a run trains (it would slow the run and measure the wrong thing).
   */
  'train.estimate': {
    payload: z
      .object({
        dataset: fsPath('read'),
        settings: trainSettingsSchema.default({}),
      })
      .strict(),
    result: result<RunEstimate>(),
  },
  /** Pause, resume or stop the running training at the next step boundary. */
  'train.control': {
    payload: z.object({ action: z.enum(['pause', 'resume', 'stop']) }).strict(),
    result: result<{ running: boolean; paused: boolean }>(),
  },
  /** Make a new project folder (refuses a folder that already holds a project). */
  'project.create': {
    payload: z.object({ dir: fsPath(), name: z.string().min(1).max(200) }).strict(),
    result: result<OpenedProject>(),
  },
  /**
   * Open a project. A corrupt or missing project.json fails with code 'invalid_input' or
   * 'not_found' and detail {backups: [{backup, updatedAt}]} naming the good backups; a file
   * from a newer app fails with 'unsupported'.
   */
  'project.open': {
    payload: z.object({ dir: fsPath() }).strict(),
    result: result<OpenedProject>(),
  },
  /**
   * Save the user's part of the project (atomic; the previous 3 versions are kept as
   * project.json.1..3). Run records are the engine's alone: a `runs` field is dropped here
   * and the file's own are kept; the UI reads them back with project.open.
   */
  'project.save': {
    payload: z.object({ dir: fsPath(), project: projectFileSchema.omit({ runs: true }).strip() }).strict(),
    result: result<{ savedAt: string }>(),
  },
  /** Copy the whole project (dataset, runs) to a new folder and open it there. */
  'project.saveAs': {
    payload: z.object({ dir: fsPath(), to: fsPath() }).strict(),
    result: result<OpenedProject>(),
  },
  /** Replace a damaged project.json with backup n (1 = newest). */
  'project.restoreBackup': {
    payload: z.object({ dir: fsPath(), backup: z.number().int().min(1).max(3) }).strict(),
    result: result<OpenedProject>(),
  },
  /** Recently opened projects, newest first. */
  'project.recent': {
    payload: z.object({}).strict(),
    result: result<{ recent: Array<{ dir: string; name: string; openedAt: string }> }>(),
  },
  /**
   * Encode every image of a dataset with the newest checkpoint of runDir (cached in
   * runDir/latents.bin; encodes again only when the weights or the dataset changed). Progress.
   */
  'latent.encode': {
    payload: z
      .object({
        ...runAndDataset,
        batchSize: numberIn(LATENT_LIMITS.encodeBatchSize).default(LATENT_DEFAULTS.encodeBatchSize),
        force: z.boolean().default(false),
        /** Encode a dataset the model was not trained on, deliberately; without this such a dataset is refused. */
        otherDataset: z.boolean().default(false),
      })
      .strict(),
    result: result<LatentEncodeReport>(),
  },
  /** The 3D view of the latent space: points, colouring data, posterior ellipsoids, the prior. */
  'latent.project': {
    payload: z.object({ ...runAndDataset, axes: latentAxes, batchSize: numberIn(LATENT_LIMITS.encodeBatchSize).default(LATENT_DEFAULTS.encodeBatchSize) }).strict(),
    result: result<LatentProjection>(),
  },
  /**
   * UMAP or t-SNE of the posterior means into 3D, seeded (same model, data and seed: same
   * map), cached in runDir/layouts/ with the model's weights (a new checkpoint computes it
   * again). Progress (data.stage: 'neighbours' then 'optimising'); cancellable.
   */
  'latent.layout': {
    payload: z.object({ ...runAndDataset, method: z.enum(NONLINEAR_LAYOUTS), seed: numberIn(LATENT_LIMITS.layoutSeed).default(LATENT_DEFAULTS.layoutSeed) }).strict(),
    result: result<LatentLayout>(),
  },
  /** Where latent vectors (path frames, samples) fall in a nonlinear layout: among their nearest images. */
  'latent.place': {
    payload: z
      .object({ ...runAndDataset, method: z.enum(NONLINEAR_LAYOUTS), seed: numberIn(LATENT_LIMITS.layoutSeed).default(LATENT_DEFAULTS.layoutSeed), z: z.array(latentVector).min(1).max(4096) })
      .strict(),
    result: result<{ points: string }>(),
  },
  /** Decode latent vectors, or 3D view points mapped back with z = m + P^T y, to images. */
  'latent.decode': {
    payload: z.union([
      z
        .object({ runDir: latentPath, z: z.array(latentVector).min(1).max(1024), pixelNoise: z.boolean().default(false), seed: z.number().int().min(0).default(0), label: conditionalLabel.optional() })
        .strict(),
      z
        .object({
          ...runAndDataset,
          points: z
            .array(z.tuple([z.number(), z.number(), z.number()]))
            .min(1)
            .max(1024),
          axes: latentAxes,
          pixelNoise: z.boolean().default(false),
          seed: z.number().int().min(0).default(0),
          /** Conditional model: the label to decode as (required there). */
          label: conditionalLabel.optional(),
        })
        .strict(),
    ]),
    result: result<LatentDecodeResult>(),
  },
  /** Exact k nearest dataset images in latent space (distance between posterior means). */
  'latent.neighbours': {
    payload: z
      .object({
        ...runAndDataset,
        queries: z.array(latentPointSchema).min(1).max(1024),
        k: z.number().int().min(1).max(1000).default(10),
        /** Leave an image query out of its own result. */
        excludeSelf: z.boolean().default(true),
      })
      .strict(),
    result: result<LatentNeighbours>(),
  },
  /** A path between images or vectors (linear, slerp, geodesic): latents, 3D points, frames, image-space lengths. */
  'latent.interpolate': {
    payload: interpolateSpecSchema,
    result: result<LatentPathResult>(),
  },
  /** New images from the prior N(0, tau^2 I) or around an image from q(z|x), with a memorisation check. */
  'latent.sample': {
    payload: sampleSpecSchema,
    result: result<LatentGenerated>(),
  },
  /** Sweep dimensions one at a time from -range to range, the others held at a base point. */
  /** "Same z, other label" (conditional model): each image re-drawn as each label; one strip row per label. */
  'latent.relabel': {
    payload: relabelSpecSchema,
    result: result<LatentRelabelResult>(),
  },
  /** A fixed z decoded from one label to another (conditional model). */
  'latent.labelPath': {
    payload: labelPathSpecSchema,
    result: result<LatentLabelPathResult>(),
  },
  'latent.traverse': {
    payload: traverseSpecSchema,
    result: result<LatentTraversal>(),
  },
  /** Attribute vector of two selections applied to an image: the vector, the strip and its 3D path. */
  'latent.attribute': {
    payload: attributeSpecSchema,
    result: result<LatentAttributeResult>(),
  },
  /**
   * Write a selection as a file list, CSV with the header "file,label,index" (file = path
   * relative to the import root). Atomic; refuses to replace an existing file unless overwrite.
   */
  'selection.exportCsv': {
    payload: z
      .object({
        dataset: datasetPath,
        indices: z.array(z.number().int().min(0)).min(1, { error: 'the selection is empty' }).max(1_000_000),
        file: fsPath(),
        overwrite: z.boolean().default(false),
      })
      .strict(),
    result: result<SelectionCsvReport>(),
  },
  /**
   * Decode a path, samples, a traversal or given vectors and write PNG frames (optionally
   * indexed), a sprite sheet with its atlas in the chosen layout (see SHEET_LAYOUTS), an animated
   * GIF and/or WebP into outDir. Refuses to replace existing files (naming them) unless overwrite
   * is true. The files are written as a set (staged in a hidden folder, moved in once complete):
   * Cancel, a failure or a kill leaves the folder's earlier files; progress phases 'decoding',
   * 'encoding' (frames) and 'writing' (files). An unwritable folder fails before any decoding.
   */
  'export.frames': {
    payload: exportOptionsSchema,
    result: result<ExportReport>(),
  },
  /**
   * Write the dataset's latent map for the TensorFlow Embedding Projector: vectors.tsv (the
   * posterior means), metadata.tsv (file, label, KL, reconstruction error), sprite.png and
   * projector_config.json. Refuses to replace existing files unless overwrite is true.
   */
  'export.projector': {
    payload: projectorExportSchema,
    result: result<ProjectorExportReport>(),
  },
} as const;

// ---------------------------------------------------------------------------------------
// Shell requests (Electron main, or the web server in web mode)

export const shellRequests = {
  /** Ask the user for a folder (Electron: native dialog). null when they cancel. */
  'shell.openFolder': {
    payload: z.object({ title: z.string().max(200).optional() }).strict(),
    result: result<{ path: string | null }>(),
  },
  /** Ask the user where to save (Electron: native dialog). null when they cancel. */
  'shell.saveTo': {
    payload: z.object({ title: z.string().max(200).optional(), defaultName: z.string().max(255).optional() }).strict(),
    result: result<{ path: string | null }>(),
  },
  /** Show a written file or folder in the system file manager (Electron; 'unsupported' in web mode). */
  'shell.reveal': {
    payload: z.object({ path: fsPath('read') }).strict(),
    result: result<{ ok: true }>(),
  },
} as const;

export const requests = { ...engineRequests, ...shellRequests } as const;

export type EngineChannel = keyof typeof engineRequests;
export type ShellChannel = keyof typeof shellRequests;
export type RequestChannel = EngineChannel | ShellChannel;

/** Runtime lists of channel names: preload and the web transport expose exactly these. */
export const engineChannels = Object.keys(engineRequests) as EngineChannel[];
export const shellChannels = Object.keys(shellRequests) as ShellChannel[];
export const requestChannels: RequestChannel[] = [...engineChannels, ...shellChannels];

/** What the caller passes (defaults may be omitted). */
export type PayloadIn<C extends RequestChannel> = z.input<(typeof requests)[C]['payload']>;
/** What the handler receives (defaults filled in, validated). */
export type Payload<C extends RequestChannel> = z.output<(typeof requests)[C]['payload']>;
export type Result<C extends RequestChannel> = (typeof requests)[C]['result'];

export function isRequestChannel(name: unknown): name is RequestChannel {
  return typeof name === 'string' && Object.hasOwn(requests, name);
}

export function isEngineChannel(name: unknown): name is EngineChannel {
  return typeof name === 'string' && Object.hasOwn(engineRequests, name);
}

/**
 * Validate a payload for a channel. Returns the parsed payload (defaults applied) or an
 * error whose message names the channel and the offending fields.
 */
export function parsePayload<C extends RequestChannel>(channel: C, payload: unknown): { ok: true; value: Payload<C> } | { ok: false; error: AtlasErrorData } {
  const schema = requests[channel].payload as z.ZodType;
  const parsed = schema.safeParse(payload ?? {});
  if (parsed.success) return { ok: true, value: parsed.data as Payload<C> };
  const issues = parsed.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(payload)'}: ${i.message}`)
    .join('; ');
  return {
    ok: false,
    error: { code: 'bad_request', message: `Invalid payload for ${channel}: ${issues}`, detail: parsed.error.issues },
  };
}
