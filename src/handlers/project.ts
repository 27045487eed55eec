/** The project channels of the contract, as engine handlers over src/project. */
import type { EngineHandler } from '../host/handler';
import { appPaths } from '../util/app-paths';
import { createProject, openProject, restoreBackup, saveProject, saveProjectAs } from '../project/project';
import { readRecent, rememberRecent } from '../project/recent';
import { confineToWorkspace } from '../project/workspace';
import { isTrainingProjectRun } from '../train/active-run';
import type { OpenedProject } from '../contract';

const inWorkspace = (dir: string) => confineToWorkspace(dir, appPaths().workspace);

async function remembered(opened: OpenedProject): Promise<OpenedProject> {
  await rememberRecent(appPaths().workspace, { dir: opened.dir, name: opened.project.name }).catch(() => {});
  return opened;
}

export const projectHandlers: {
  create: EngineHandler<'project.create'>;
  open: EngineHandler<'project.open'>;
  save: EngineHandler<'project.save'>;
  saveAs: EngineHandler<'project.saveAs'>;
  restoreBackup: EngineHandler<'project.restoreBackup'>;
  recent: EngineHandler<'project.recent'>;
} = {
  create: async ({ dir, name }) => remembered(await createProject(inWorkspace(dir), name)),
  open: async ({ dir }) => {
    const root = inWorkspace(dir);
    return remembered(await openProject(root, { isRunActive: (runId) => isTrainingProjectRun(root, runId) }));
  },
  save: async ({ dir, project }) => saveProject(inWorkspace(dir), project),
  saveAs: async ({ dir, to }) => remembered(await saveProjectAs(inWorkspace(dir), inWorkspace(to))),
  restoreBackup: async ({ dir, backup }) => restoreBackup(inWorkspace(dir), backup),
  recent: async () => ({ recent: await readRecent(appPaths().workspace) }),
};
