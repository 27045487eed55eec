import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync, mkdirSync, existsSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createProject, openProject, restoreBackup, saveProject, saveProjectAs, updateProject } from '../../../src/project/project';
import { PROJECT_FILE } from '../../../src/project/project-file';
import { confineToWorkspace } from '../../../src/project/workspace';
import { readRecent, rememberRecent } from '../../../src/project/recent';
import { PROJECT_SCHEMA_VERSION, type ProjectFile } from '../../../src/contract';
import { repoRoot } from '../../helpers/built';
import { LATEST_FILE } from '../../../src/model/load';

const fresh = () => mkdtempSync(path.join(tmpdir(), 'atlas-project-'));
const fixtures = path.join(repoRoot, 'tests', 'fixtures', 'projects');

describe('project files', () => {
  it('round-trips settings, paths, selections and metrics exactly', async () => {
    const dir = path.join(fresh(), 'p');
    const { project } = await createProject(dir, 'Sprites');
    const edited: ProjectFile = {
      ...project,
      trainSettings: { epochs: 7, beta: 2.5, latentDim: 8, likelihood: 'gaussian-calibrated' },
      paths: [{ id: 'a', name: 'walk', waypoints: [0, 5, 9], method: 'geodesic', frames: 24 }],
      selections: [{ id: 's', name: 'blue ones', indices: [4, 8, 15, 16, 23, 42] }],
      runs: [
        {
          id: 'r1',
          dir: 'runs/r1',
          startedAt: 't0',
          updatedAt: 't1',
          status: 'completed',
          settings: { epochs: 7 },
          epoch: 7,
          step: 70,
          backend: 'wasm',
          history: [{ epoch: 1, step: 10, train: { loss: 1.5 } }],
        },
      ],
    };
    // The run record is the engine's to write; the rest is what the UI saves.
    await updateProject(dir, (p) => void (p.runs = edited.runs));
    const { savedAt } = await saveProject(dir, edited);
    const reopened = await openProject(dir);
    expect(reopened.project).toEqual({ ...edited, updatedAt: savedAt });
    expect(reopened.notices).toEqual([]);
  });

  it('keeps the last three versions as rotated backups', async () => {
    const dir = path.join(fresh(), 'p');
    const { project } = await createProject(dir, 'v0');
    for (let i = 1; i <= 5; i++) await saveProject(dir, { ...project, name: `v${i}` });
    const name = (f: string) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')).name;
    expect(name(PROJECT_FILE)).toBe('v5');
    expect([1, 2, 3].map((n) => name(`${PROJECT_FILE}.${n}`))).toEqual(['v4', 'v3', 'v2']);
    expect(existsSync(path.join(dir, `${PROJECT_FILE}.4`))).toBe(false);
  });

  it('loads the fixture of every project format that shipped', async () => {
    const shipped = readdirSync(fixtures).filter((f) => /^v\d+\.json$/.test(f));
    expect(shipped).toContain(`v${PROJECT_SCHEMA_VERSION}.json`);
    for (const fixture of shipped) {
      const dir = fresh();
      copyFileSync(path.join(fixtures, fixture), path.join(dir, PROJECT_FILE));
      const { project, notices } = await openProject(dir);
      expect(project.schemaVersion).toBe(PROJECT_SCHEMA_VERSION);
      expect(project.name).toBe('Emoji faces');
      expect(project.runs[0].history[0]).toMatchObject({ epoch: 1, train: { loss: 600.1 } });
      // The fixture's source folder does not exist here: the project opens and says so.
      expect(notices.join(' ')).toContain('/home/artist/sprites/emoji');
    }
  });

  it('refuses a project from a newer app with a clear message and leaves it unchanged', async () => {
    const dir = fresh();
    const text = JSON.stringify({ ...JSON.parse(readFileSync(path.join(fixtures, 'v1.json'), 'utf8')), schemaVersion: PROJECT_SCHEMA_VERSION + 1 });
    writeFileSync(path.join(dir, PROJECT_FILE), text);
    await expect(openProject(dir)).rejects.toMatchObject({ code: 'unsupported', message: expect.stringContaining('newer Latent Atlas') });
    expect(readFileSync(path.join(dir, PROJECT_FILE), 'utf8')).toBe(text);
  });

  it('names a damaged project.json and offers the newest good backup, which restores', async () => {
    const dir = path.join(fresh(), 'p');
    const { project } = await createProject(dir, 'good');
    await saveProject(dir, { ...project, name: 'good-2' });
    writeFileSync(path.join(dir, PROJECT_FILE), '{"schemaVersion": 1, "name": ');
    const err = await openProject(dir).catch((e) => e);
    expect(err.code).toBe('invalid_input');
    expect(err.message).toContain(path.join(dir, PROJECT_FILE));
    expect(err.message).toContain('backup');
    expect(err.detail.backups[0]).toMatchObject({ backup: 1 });
    const restored = await restoreBackup(dir, err.detail.backups[0].backup);
    expect(restored.project.name).toBe('good');
    expect(existsSync(path.join(dir, `${PROJECT_FILE}.damaged`))).toBe(true);
  });

  it('reports a missing project.json as not found, naming the file', async () => {
    const dir = fresh();
    await expect(openProject(dir)).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining(PROJECT_FILE) });
  });

  it('offers the newest good backup when project.json itself is gone, and restores it', async () => {
    const dir = path.join(fresh(), 'p');
    const { project } = await createProject(dir, 'v1');
    await saveProject(dir, { ...project, name: 'v2' });
    await saveProject(dir, { ...project, name: 'v3' });
    rmSync(path.join(dir, PROJECT_FILE));
    const err = await openProject(dir).catch((e) => e);
    expect(err.code).toBe('not_found');
    expect(err.message).toContain(path.join(dir, PROJECT_FILE));
    expect(err.message).toMatch(/backup from .* is available/);
    expect(err.detail.backups.map((b: { backup: number }) => b.backup)).toEqual([1, 2]);
    const restored = await restoreBackup(dir, 1);
    expect(restored.project.name).toBe('v2');
    expect(existsSync(path.join(dir, `${PROJECT_FILE}.damaged`))).toBe(false); // nothing to keep aside
  });

  it('marks a run left "running" as interrupted and offers to resume it when it has a checkpoint', async () => {
    const dir = path.join(fresh(), 'p');
    await createProject(dir, 'crashy');
    await updateProject(dir, (p) => {
      p.runs.push({
        id: 'r1',
        dir: 'runs/r1',
        startedAt: 'a',
        updatedAt: 'b',
        status: 'running',
        settings: {},
        epoch: 2,
        step: 20,
        backend: 'wasm',
        history: [
          { epoch: 1, step: 10 },
          { epoch: 2, step: 20 },
        ],
      });
    });
    mkdirSync(path.join(dir, 'runs', 'r1'), { recursive: true });
    writeFileSync(path.join(dir, 'runs', 'r1', LATEST_FILE), '{}');
    const opened = await openProject(dir);
    expect(opened.resumable).toEqual(['r1']);
    expect(opened.project.runs[0].status).toBe('interrupted');
    expect(opened.project.runs[0].history).toHaveLength(2);
    expect(opened.notices.join(' ')).toContain('resume');
  });

  it('brings an interrupted run record in line with its checkpoint, ahead of it or behind', async () => {
    // A kill can fall between the checkpoint and the run record: resume starts from the checkpoint.
    const entry = (epoch: number) => ({ epoch, step: epoch * 10, train: { loss: 100 - epoch }, val: null, seconds: 1 });
    // "interrupted": a page that saw its engine die marked the run so, with its own (older) copy.
    for (const [recorded, checkpointed, status] of [
      [2, 3, 'running'],
      [3, 2, 'running'],
      [2, 3, 'interrupted'],
    ] as const) {
      const dir = path.join(fresh(), 'p');
      await createProject(dir, 'kill');
      await updateProject(dir, (p) => {
        p.runs.push({
          id: 'r1',
          dir: 'runs/r1',
          startedAt: 'a',
          updatedAt: 'b',
          status,
          settings: {},
          epoch: recorded,
          step: recorded * 10,
          backend: 'wasm',
          history: Array.from({ length: recorded }, (_, i) => entry(i + 1)),
        });
      });
      const ckpt = path.join(dir, 'runs', 'r1', `ckpt-${checkpointed * 10}`);
      mkdirSync(ckpt, { recursive: true });
      writeFileSync(
        path.join(ckpt, 'state.json'),
        JSON.stringify({ schemaVersion: 1, epoch: checkpointed, step: checkpointed * 10, history: Array.from({ length: checkpointed }, (_, i) => entry(i + 1)) }),
      );
      writeFileSync(path.join(dir, 'runs', 'r1', LATEST_FILE), JSON.stringify({ schemaVersion: 1, dir: `ckpt-${checkpointed * 10}`, step: checkpointed * 10, epoch: checkpointed }));
      const opened = await openProject(dir);
      const run = opened.project.runs[0];
      expect([run.status, run.epoch, run.step]).toEqual(['interrupted', checkpointed, checkpointed * 10]);
      expect(run.history.map((h) => h.epoch)).toEqual(Array.from({ length: checkpointed }, (_, i) => i + 1));
      expect(opened.notices.join(' ')).toContain(`interrupted after epoch ${checkpointed}`);
    }
  });

  it('ignores run records in a save: the engine is their only writer', async () => {
    const dir = path.join(fresh(), 'p');
    const { project } = await createProject(dir, 'mine');
    const entry = (epoch: number) => ({ epoch, step: epoch * 10 });
    const base = { id: 'r1', dir: 'runs/r1', startedAt: 'a', settings: {}, backend: 'wasm' };
    await updateProject(dir, (p) => void p.runs.push({ ...base, status: 'running', updatedAt: '2026-01-01T00:01:00Z', epoch: 4, step: 40, history: [1, 2, 3, 4].map(entry) }));
    // A caller that still sends runs (an older page): a newer-looking record, a gap, a run the engine never had.
    const stale = { ...base, status: 'stopped' as const, updatedAt: '2026-01-01T00:09:00Z', epoch: 2, step: 20, history: [1, 2].map(entry) };
    await saveProject(dir, { ...project, name: 'renamed', runs: [stale, { ...stale, id: 'ghost', dir: 'runs/ghost' }] } as typeof project);
    const after = (await openProject(dir, { isRunActive: () => true })).project;
    expect(after.name).toBe('renamed');
    expect(after.runs.map((r) => [r.id, r.status, r.epoch, r.history.length])).toEqual([['r1', 'running', 4, 4]]);
  });

  it('refuses to save over a project.json it cannot read, naming it, and leaves it as it is', async () => {
    const dir = path.join(fresh(), 'p');
    const { project } = await createProject(dir, 'mine');
    writeFileSync(path.join(dir, PROJECT_FILE), '{"schemaVersion": 1, "na');
    await expect(saveProject(dir, { ...project, name: 'x' })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining(path.join(dir, PROJECT_FILE)) });
    expect(readFileSync(path.join(dir, PROJECT_FILE), 'utf8')).toBe('{"schemaVersion": 1, "na');
  });

  it("keeps the engine's newer run records when the UI saves an older copy of the project", async () => {
    const dir = path.join(fresh(), 'p');
    const { project: uiCopy } = await createProject(dir, 'mine');
    const record = {
      id: 'r1',
      dir: 'runs/r1',
      startedAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-01-01T00:00:00Z',
      status: 'running' as const,
      settings: {},
      epoch: 0,
      step: 0,
      backend: 'wasm',
      history: [],
    };
    // The engine records the run (it is the only writer of run records); the UI's copy has it too.
    await updateProject(dir, (p) => void p.runs.push({ ...record }));
    const ui = { ...uiCopy, runs: [record] };
    // The engine records two epochs and starts a second run the UI has not seen.
    await updateProject(dir, (p) => {
      Object.assign(p.runs[0], {
        epoch: 2,
        step: 20,
        updatedAt: '2026-01-01T00:05:00Z',
        history: [
          { epoch: 1, step: 10 },
          { epoch: 2, step: 20 },
        ],
      });
      p.runs.push({ ...record, id: 'r2', dir: 'runs/r2' });
    });
    // The UI saves its stale copy with a settings change.
    await saveProject(dir, { ...ui, trainSettings: { epochs: 99 } });
    const { project } = await openProject(dir, { isRunActive: () => true });
    expect(project.trainSettings).toEqual({ epochs: 99 });
    expect(project.runs.map((r) => [r.id, r.epoch])).toEqual([
      ['r1', 2],
      ['r2', 0],
    ]);
    expect(project.runs[0].history).toHaveLength(2);
  });

  it('applies concurrent saves and engine updates one at a time, in the order they were asked for', async () => {
    const dir = path.join(fresh(), 'p');
    const { project } = await createProject(dir, 'busy');
    await Promise.all([
      updateProject(dir, (p) => p.selections.push({ id: 'a', name: 'from the engine', indices: [1] })),
      saveProject(dir, { ...project, trainSettings: { beta: 4 } }),
      updateProject(dir, (p) => p.paths.push({ id: 'b', name: 'late', waypoints: [0, 1], method: 'linear', frames: 4 })),
    ]);
    const { project: after } = await openProject(dir);
    expect(after.trainSettings).toEqual({ beta: 4 });
    // The save (second) replaced the first update's selection with the user's version;
    // the last update, applied after the save, is there.
    expect(after.selections).toEqual([]);
    expect(after.paths.map((x) => x.id)).toEqual(['b']);
  });

  it('does not call a run interrupted while this engine is still training it', async () => {
    const dir = path.join(fresh(), 'p');
    await createProject(dir, 'live');
    await updateProject(dir, (p) => {
      p.runs.push({ id: 'live', dir: 'runs/live', startedAt: 'a', updatedAt: 'b', status: 'running', settings: {}, epoch: 1, step: 5, backend: 'wasm', history: [] });
    });
    const opened = await openProject(dir, { isRunActive: (id) => id === 'live' });
    expect(opened.project.runs[0].status).toBe('running');
    expect(opened.resumable).toEqual([]);
  });

  it('saves as a full copy elsewhere and refuses to overwrite another project', async () => {
    const root = fresh();
    const dir = path.join(root, 'a');
    await createProject(dir, 'orig');
    mkdirSync(path.join(dir, 'dataset'));
    writeFileSync(path.join(dir, 'dataset', 'pixels.bin'), Buffer.alloc(64, 7));
    const copy = await saveProjectAs(dir, path.join(root, 'b'));
    expect(copy.project.name).toBe('orig');
    expect(readFileSync(path.join(root, 'b', 'dataset', 'pixels.bin'))).toEqual(Buffer.alloc(64, 7));
    // A live run's in-use mark stays with the original dataset.
    writeFileSync(path.join(dir, 'dataset', `.in-use.${process.pid}.ab12.json`), '{}');
    await saveProjectAs(dir, path.join(root, 'c'));
    expect(readdirSync(path.join(root, 'c', 'dataset'))).toEqual(['pixels.bin']);
    await expect(saveProjectAs(dir, path.join(root, 'b'))).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(saveProjectAs(dir, path.join(dir, 'inner'))).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('Save As into a folder of documents refuses, naming it, and leaves every file there; an empty folder is used', async () => {
    const root = fresh();
    const dir = path.join(root, 'a');
    await createProject(dir, 'orig');
    const docs = path.join(root, 'docs');
    mkdirSync(path.join(docs, 'letters'), { recursive: true });
    writeFileSync(path.join(docs, 'thesis.txt'), 'four years of work');
    writeFileSync(path.join(docs, 'letters', 'mum.txt'), 'hello');
    const err = await saveProjectAs(dir, docs).catch((e) => e);
    expect(err).toMatchObject({ code: 'invalid_input' });
    expect(err.message).toContain(docs);
    expect(err.message).toMatch(/not empty/);
    expect(readFileSync(path.join(docs, 'thesis.txt'), 'utf8')).toBe('four years of work');
    expect(readFileSync(path.join(docs, 'letters', 'mum.txt'), 'utf8')).toBe('hello');
    expect(readdirSync(docs).sort()).toEqual(['letters', 'thesis.txt']);
    // Nothing was left beside it either.
    expect(readdirSync(root).sort()).toEqual(['a', 'docs']);
    // An existing empty folder (what a folder picker's "New folder" gives) is fine.
    const empty = path.join(root, 'empty');
    mkdirSync(empty);
    const copy = await saveProjectAs(dir, empty);
    expect(copy.project.name).toBe('orig');
    expect(existsSync(path.join(empty, PROJECT_FILE))).toBe(true);
  });

  it('refuses paths outside the workspace when confined (web mode), including through symlinks', async () => {
    const ws = fresh();
    expect(confineToWorkspace(path.join(ws, 'proj'), ws, true)).toBe(path.join(ws, 'proj'));
    expect(() => confineToWorkspace('/etc', ws, true)).toThrow(/outside the workspace/);
    expect(() => confineToWorkspace(path.join(ws, '..', 'x'), ws, true)).toThrow(/outside the workspace/);
    const { symlinkSync } = await import('node:fs');
    symlinkSync('/tmp', path.join(ws, 'link'));
    expect(() => confineToWorkspace(path.join(ws, 'link', 'p'), ws, true)).toThrow(/outside the workspace/);
    expect(confineToWorkspace('/etc', ws, false)).toBe('/etc');
  });

  it('opens while run records are being written without breaking those writes', async () => {
    // The engine writes a run record every epoch while the user may open the same project:
    // opening clears temp files of killed writers, never the temp file of a write in progress.
    const dir = path.join(fresh(), 'p');
    await createProject(dir, 'busy');
    const writes = Array.from({ length: 12 }, (_, i) => updateProject(dir, (p) => void (p.name = `busy ${i}`)));
    let writing = true;
    void Promise.allSettled(writes).then(() => (writing = false));
    const opens: Promise<unknown>[] = [];
    // Keep opening for as long as the writes go on, so opens land inside every phase of a write.
    while (writing) {
      opens.push(openProject(dir));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect(opens.length).toBeGreaterThan(5);
    const failed = (await Promise.allSettled([...writes, ...opens])).filter((r) => r.status === 'rejected');
    expect(failed.map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    expect((await openProject(dir)).project.name).toBe('busy 11');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('lists every project opened at the same moment as recent', async () => {
    const ws = fresh();
    await Promise.all(Array.from({ length: 8 }, (_, i) => rememberRecent(ws, { dir: path.join(ws, `p${i}`), name: `P${i}` })));
    const recent = await readRecent(ws);
    expect(recent.map((r) => r.name).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `P${i}`));
    // The newest first: a project opened again moves to the top without a duplicate.
    await rememberRecent(ws, { dir: path.join(ws, 'p3'), name: 'P3' });
    expect((await readRecent(ws)).map((r) => r.name)).toEqual(['P3', ...recent.map((r) => r.name).filter((n) => n !== 'P3')]);
  });
});
