/**
 * Which projects use a dataset folder, found cheaply: the projects directly in the workspace
 * and in its projects/ folder, the recently opened ones, and a project that holds the dataset.
 * A command that would replace a dataset asks this first.
 */
import { promises as fs, realpathSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_FILE } from './project-file';
import { readRecent } from './recent';

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

async function subfolders(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name));
}

/** The project folders whose project.json names `datasetDir` as their dataset. */
export async function projectsUsingDataset(datasetDir: string, workspace: string): Promise<string[]> {
  const target = real(datasetDir);
  const candidates = new Set<string>([
    path.dirname(target),
    ...(await subfolders(workspace)),
    ...(await subfolders(path.join(workspace, 'projects'))),
    ...(await readRecent(workspace)).map((r) => r.dir),
  ]);
  const users: string[] = [];
  for (const dir of candidates) {
    let project: { dataset?: { dir?: unknown } | null };
    try {
      project = JSON.parse(await fs.readFile(path.join(dir, PROJECT_FILE), 'utf8'));
    } catch {
      continue;
    }
    const rel = project?.dataset?.dir;
    if (typeof rel === 'string' && real(path.resolve(dir, rel)) === target) users.push(path.resolve(dir));
  }
  return users;
}
