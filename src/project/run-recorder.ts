/**
 * A training run's record in project.json, kept by the engine while the run trains: created
 * (or reopened on resume) when it starts, brought up to the checkpoint every epoch and at the
 * end. One of the run records' writers (see the import rules).
 */
import path from 'node:path';
import type { BackendLabel, EpochReport, Payload, RunRecord, TrainSelectionNote } from '../contract';
import { AtlasError } from '../errors';
import { readCheckpointState } from '../train/checkpoint';
import { epochReport } from '../train/events';
import { syncRunWithCheckpoint, updateProject } from './project';

/** Which project a run belongs to, and its name there. */
export type ProjectRef = NonNullable<Payload<'train.run'>['project']>;

/** Changes the run's record in project.json (under the project's lock). */
export function markRun(project: ProjectRef, change: (run: RunRecord) => void) {
  return updateProject(project.dir, (p) => {
    const run = p.runs.find((r) => r.id === project.runId);
    if (run) change(run);
  });
}

/** Keeps the project's record of this run current: created (or reopened) now, updated every epoch. */
export async function projectRunRecorder(
  project: ProjectRef,
  runDir: string,
  settings: Payload<'train.run'>['settings'],
  backend: BackendLabel,
  resume: boolean,
  selection: TrainSelectionNote | null,
) {
  const now = () => new Date().toISOString();
  let earlier: EpochReport[] = [];
  // Resuming continues from the checkpoint, whatever epoch the record last heard of.
  const saved = resume ? await readCheckpointState(runDir) : null;
  await updateProject(project.dir, (p) => {
    const existing = p.runs.find((r) => r.id === project.runId);
    if (existing && resume) {
      if (saved) syncRunWithCheckpoint(existing, saved);
      earlier = (existing.history as unknown as EpochReport[]).map(epochReport);
      Object.assign(existing, { status: 'running', updatedAt: now(), backend, settings });
    } else {
      if (existing) throw new AtlasError('invalid_input', `The project already has a run named ${project.runId}; resume it or pick another name.`);
      const dir = path.relative(project.dir, path.resolve(runDir)) || '.';
      // A project's runs live inside its folder (project.json holds them relative, never "..").
      if (dir === '.' || dir.split(/[\\/]/).includes('..') || path.isAbsolute(dir))
        throw new AtlasError(
          'invalid_input',
          `The run folder ${runDir} is not inside the project ${project.dir}: a project's runs live in its own folder (for example ${path.join(project.dir, 'runs', project.runId)}).`,
        );
      p.runs.push({ id: project.runId, dir, startedAt: now(), updatedAt: now(), status: 'running', settings, epoch: 0, step: 0, backend, history: [], ...(selection ? { selection } : {}) });
    }
  });
  // The record follows the checkpoint, which train() writes before it reports an epoch or
  // returns; the reported numbers stand in only where no checkpoint could be read.
  const follow = async (run: { epoch: number; step: number; history?: EpochReport }, status?: RunRecord['status']) => {
    const state = await readCheckpointState(runDir);
    return markRun(project, (record) => {
      if (state) syncRunWithCheckpoint(record, state);
      else {
        Object.assign(record, { epoch: run.epoch, step: run.step });
        if (run.history) record.history = [...record.history.filter((h) => h.epoch < run.epoch), { ...epochReport(run.history) }];
      }
      Object.assign(record, { updatedAt: now() }, status ? { status } : {});
    });
  };
  return {
    earlier,
    epoch: (e: EpochReport) => follow({ epoch: e.epoch, step: e.step, history: e }),
    finish: (status: 'completed' | 'stopped', step: number, epoch: number) => follow({ epoch, step }, status),
  };
}
