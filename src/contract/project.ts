/** Projects (src/project): the project.json a user saves, reopens and resumes. Part of the contract (src/contract/index.ts re-exports every file). */
import { z } from 'zod';
import { projectRelativeDir } from './shared';
import { importOptionsSchema } from './data';
import { trainSettingsSchema } from './train';
import { INTERPOLATION_METHODS, LATENT_LIMITS } from './latent';

// ---------------------------------------------------------------------------------------
// Projects (src/project): the project.json a user saves, reopens and resumes

export const PROJECT_SCHEMA_VERSION = 1;

const isoTime = z.string().min(1).max(64);
const shortId = z.string().regex(/^[\w-]{1,64}$/);

export const runRecordSchema = z
  .object({
    id: shortId,
    /** Run folder (checkpoints, latents.bin), relative to the project folder. */
    dir: projectRelativeDir(),
    startedAt: isoTime,
    updatedAt: isoTime,
    /** 'running' in a file that is being opened means the app or engine died mid-run. */
    status: z.enum(['running', 'completed', 'stopped', 'interrupted', 'failed']),
    settings: trainSettingsSchema,
    epoch: z.number().int().min(0),
    step: z.number().int().min(0),
    backend: z.string().max(32).nullable(),
    /** Per-epoch numbers (EpochReport), kept so charts survive a reopen. */
    history: z.array(z.object({ epoch: z.number().int(), step: z.number().int() }).passthrough()),
    /** Present when the run trained on a saved selection only (train.run `selection`). */
    selection: z
      .object({ name: z.string().max(200), images: z.number().int().min(0), trainImages: z.number().int().min(0), valImages: z.number().int().min(0) })
      .strict()
      .optional(),
  })
  .strict();

export const projectFileSchema = z
  .object({
    schemaVersion: z.literal(PROJECT_SCHEMA_VERSION),
    name: z.string().min(1).max(200),
    createdAt: isoTime,
    updatedAt: isoTime,
    dataset: z
      .object({
        /** Dataset folder, relative to the project folder. */
        dir: projectRelativeDir(),
        /** The folder the images were imported from (absolute), or null for uploads. */
        sourceFolder: z.string().max(4096).nullable(),
        importOptions: importOptionsSchema,
        datasetHash: z.string().max(128).nullable(),
        count: z.number().int().min(0),
      })
      .strict()
      .nullable(),
    trainSettings: trainSettingsSchema,
    runs: z.array(runRecordSchema),
    /** Saved interpolation paths between dataset images. */
    paths: z.array(
      z
        .object({
          id: shortId,
          name: z.string().max(200),
          waypoints: z.array(z.number().int().min(0)).min(LATENT_LIMITS.waypoints.min).max(LATENT_LIMITS.waypoints.max),
          method: z.enum(INTERPOLATION_METHODS),
          frames: z.number().int().min(2).max(512),
        })
        .strict(),
    ),
    selections: z.array(z.object({ id: shortId, name: z.string().max(200), indices: z.array(z.number().int().min(0)).max(1_000_000) }).strict()),
  })
  .strict();

export type ProjectFile = z.infer<typeof projectFileSchema>;
export type RunRecord = z.infer<typeof runRecordSchema>;

export interface OpenedProject {
  /** The project folder (absolute). */
  dir: string;
  project: ProjectFile;
  /** Things the user should know: originals moved, a run was interrupted. */
  notices: string[];
  /** Runs that were cut off (crash, kill) and can resume from their last checkpoint. */
  resumable: string[];
}
