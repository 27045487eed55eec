/**
 * A process that saves one project over and over (for the kill -9 test): version k has name
 * "v<k>" and a selection large enough that each write takes a moment.
 */
import { saveProject, createProject } from '../../src/project/project';

const dir = process.argv[2];
const opened = await createProject(dir, 'v0').catch(async () => (await import('../../src/project/project')).openProject(dir));
const indices = Array.from({ length: 20_000 }, (_, i) => i);
for (let k = 1; ; k++) {
  await saveProject(dir, { ...opened.project, name: `v${k}`, selections: [{ id: 's', name: `sel ${k}`, indices }] });
  // The test kills only after a save completed, so every run makes progress however slow the machine.
  if (k === 1) process.stdout.write('saved\n');
}
