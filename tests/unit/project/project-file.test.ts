import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync, mkdirSync, existsSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createProject, openProject, restoreBackup, saveProject, saveProjectAs, updateProject } from '../../../src/project/project';
import { PROJECT_FILE } from '../../../src/project/project-file';
import { confineToWorkspace } from '../../../src/project/workspace';
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
      runs: [{ id: 'r1', dir: 'runs/r1', startedAt: 't0', updatedAt: 't1', status: 'completed', settings: { epochs: 7 }, epoch: 7, step: 70, backend: 'wasm', history: [{ epoch: 1, step: 10, train: { loss: 1.5 } }] }],
    };
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

  it('marks a run left "running" as interrupted and offers to resume it when it has a checkpoint', async () => {
    const dir = path.join(fresh(), 'p');
    await createProject(dir, 'crashy');
    await updateProject(dir, (p) => {
      p.runs.push({ id: 'r1', dir: 'runs/r1', startedAt: 'a', updatedAt: 'b', status: 'running', settings: {}, epoch: 2, step: 20, backend: 'wasm', history: [{ epoch: 1, step: 10 }, { epoch: 2, step: 20 }] });
    });
    mkdirSync(path.join(dir, 'runs', 'r1'), { recursive: true });
    writeFileSync(path.join(dir, 'runs', 'r1', LATEST_FILE), '{}');
    const opened = await openProject(dir);
    expect(opened.resumable).toEqual(['r1']);
    expect(opened.project.runs[0].status).toBe('interrupted');
    expect(opened.project.runs[0].history).toHaveLength(2);
    expect(opened.notices.join(' ')).toContain('resume');
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
    await expect(saveProjectAs(dir, path.join(root, 'b'))).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(saveProjectAs(dir, path.join(dir, 'inner'))).rejects.toMatchObject({ code: 'invalid_input' });
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
});
