import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-write';

const RECENT_FILE = '.latent-atlas-recent.json';
const MAX_RECENT = 10;

export interface RecentProject {
  dir: string;
  name: string;
  openedAt: string;
}

/** Recently opened projects, kept in the workspace folder; a damaged list is just empty. */
export async function readRecent(workspace: string): Promise<RecentProject[]> {
  try {
    const list = JSON.parse(await fs.readFile(path.join(workspace, RECENT_FILE), 'utf8')) as unknown;
    return Array.isArray(list) ? (list as RecentProject[]).filter((r) => typeof r?.dir === 'string' && typeof r?.name === 'string') : [];
  } catch {
    return [];
  }
}

/** Read-change-write of the list, one at a time: two projects opened at once both stay listed. */
let pending: Promise<unknown> = Promise.resolve();
export function rememberRecent(workspace: string, entry: Omit<RecentProject, 'openedAt'>): Promise<void> {
  const next = pending.then(() => addRecent(workspace, entry));
  pending = next.catch(() => {});
  return next;
}

async function addRecent(workspace: string, entry: Omit<RecentProject, 'openedAt'>): Promise<void> {
  const list = (await readRecent(workspace)).filter((r) => r.dir !== entry.dir);
  list.unshift({ ...entry, openedAt: new Date().toISOString() });
  await fs.mkdir(workspace, { recursive: true });
  await writeFileAtomic(path.join(workspace, RECENT_FILE), JSON.stringify(list.slice(0, MAX_RECENT), null, 1));
}
