import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { screenshot } from '../helpers/browser';
import { openApp, startUiSession, watchForTestId, writeImageFolder, type UiSession } from '../helpers/ui-app';
import { chartPoints, importSmall, killEngine, readProject, recordTitles, reloadApp, setSmallTraining, waitForTitle } from '../helpers/ui-project';

/**
 * Projects in the real UI (web mode): a project keeps the dataset, the settings and the runs
 * across a reload; a training cut off by a dead engine resumes from its checkpoint with its
 * charts intact; a damaged project.json is named and restored from a backup.
 */
let session: UiSession;
beforeAll(async () => {
  session = await startUiSession();
});
afterAll(() => session?.close());

const projectsDir = () => path.join(session.workspace, 'projects');

describe('projects in the UI', () => {
  it('saves a project with its dataset, settings and run, and reopens all of it after a reload', { timeout: 300_000 }, async () => {
    const folder = path.join(session.tmp, 'sprites');
    const { good } = await writeImageFolder(folder, 40, 16);
    const { page, errors } = await openApp(session);

    // The welcome card names the project; importing creates it under <workspace>/projects.
    await page.getByTestId('first-run-project-name').fill('Sprites');
    const dir = path.join(projectsDir(), 'sprites');
    expect(await page.getByTestId('first-run-folder').textContent()).toBe(dir);
    await page.getByTestId('first-run-import').click();
    await waitForTitle(page, 'Sprites — Latent Atlas');
    expect(existsSync(path.join(dir, 'project.json'))).toBe(true);
    await screenshot(page, 'ui-project-01-created');

    await importSmall(page, folder);
    await expect.poll(() => readProject(dir).dataset?.count ?? 0).toBe(good.length);
    const saved = readProject(dir);
    expect(saved.dataset).toMatchObject({ dir: 'dataset', sourceFolder: folder, datasetHash: expect.any(String) });
    expect(saved.dataset!.importOptions.size).toBe(16);
    expect(existsSync(path.join(dir, 'dataset', 'index.json'))).toBe(true);

    // A settings change shows the unsaved dot in the title until it is saved (Ctrl+S here).
    await waitForTitle(page, 'Sprites — Latent Atlas');
    const titles = await recordTitles(page);
    const sawDirty = await watchForTestId(page, 'project-dirty');
    // A preset fills the form; then every advanced setting is set by hand and must reach the engine.
    await page.getByTestId('rail-train').click();
    await page.getByTestId('preset-quality').click();
    await page.getByTestId('train-advanced').locator('summary').click();
    expect([await page.getByTestId('set-latent').inputValue(), await page.getByTestId('set-batch').inputValue(), await page.getByTestId('set-freebits').inputValue()]).toEqual(['32', '64', '0.05']);
    await setSmallTraining(page, 2);
    await page.getByTestId('set-likelihood').selectOption('gaussian-learned');
    await page.getByTestId('set-beta').fill('0.5');
    await page.getByTestId('set-warmup').fill('5');
    await page.getByTestId('set-freebits').fill('0.1');
    await page.getByTestId('set-iwae').fill('2');
    await page.getByTestId('set-lr').fill('0.003');
    await page.getByTestId('set-seed').fill('7');
    expect(await page.getByTestId('preset-quality').getAttribute('aria-checked')).toBe('false'); // now custom
    await screenshot(page, 'ui-project-02-unsaved');
    await page.locator('body').press('Control+s');
    await waitForTitle(page, 'Sprites — Latent Atlas');
    // (Typing may pause long enough for an autosave in between: the dot comes and goes, ending saved.)
    expect(await titles()).toContain('• Sprites — Latent Atlas');
    expect((await titles()).at(-1)).toBe('Sprites — Latent Atlas');
    expect(await sawDirty()).toBe(true);
    const chosen = { epochs: 2, batchSize: 8, latentDim: 4, likelihood: 'gaussian-learned', beta: 0.5, warmupSteps: 5, freeBits: 0.1, iwaeK: 2, learningRate: 0.003, seed: 7 };
    expect(readProject(dir).trainSettings).toMatchObject(chosen);

    // Train two epochs: the run lives in the project and its record is kept by the engine.
    await page.getByTestId('train-start').click();
    await expect.poll(() => page.getByTestId('train-status').getAttribute('data-status'), { timeout: 180_000, interval: 500 }).toBe('completed');
    await expect.poll(() => readProject(dir).runs[0]?.status, { timeout: 30_000 }).toBe('completed');
    const run = readProject(dir).runs[0];
    expect(run.settings).toMatchObject(chosen); // what the engine was asked to train
    expect(run.dir).toBe(`runs/${run.id}`);
    expect(run.history.map((h) => h.epoch)).toEqual([1, 2]);
    expect(readdirSync(path.join(dir, run.dir)).some((f) => f.startsWith('ckpt-'))).toBe(true);
    await page.getByTestId('scatter-count').waitFor({ timeout: 60_000 });
    await page.locator('body').press('Control+s');
    await waitForTitle(page, 'Sprites — Latent Atlas');
    await screenshot(page, 'ui-project-03-trained');

    // A path picked in Interpolate and a search kept as a selection are saved in the project.
    await page.getByTestId('rail-interpolate').click();
    await page.getByTestId('interp-grid-toggle').click();
    await page.getByTestId('interp-grid').locator('[data-index="0"]').click();
    await page.getByTestId('interp-grid').locator('[data-index="4"]').click();
    await page.getByTestId('interp-method').selectOption('slerp');
    await page.getByTestId('interp-frames').fill('6');
    await page.getByTestId('interp-run').click();
    await expect.poll(() => page.getByTestId('interp-player').getAttribute('data-frames'), { timeout: 60_000 }).toBe('6');
    await page.getByTestId('interp-save-path').click();
    await expect.poll(() => readProject(dir).paths, { timeout: 30_000 }).toEqual([expect.objectContaining({ waypoints: [0, 4], method: 'slerp', frames: 6 })]);
    expect(await page.getByTestId('saved-paths-item').count()).toBe(1);
    await page.getByTestId('rail-explore').click();
    await page.getByTestId('explore-search').fill('img-01');
    await expect.poll(() => page.getByTestId('search-result').count(), { timeout: 30_000 }).toBe(10); // img-010..019
    await page.getByTestId('selection-save').click();
    await expect.poll(() => readProject(dir).selections.map((x) => x.indices.length), { timeout: 30_000 }).toEqual([10]);
    await page.getByTestId('explore-search').fill('');
    await waitForTitle(page, 'Sprites — Latent Atlas');

    // The source folder goes away: the project keeps its own copy of the pixels.
    renameSync(folder, `${folder}-moved`);

    // Reload: the window reopens the project it had open, by itself (issue 14).
    await reloadApp(page);
    await waitForTitle(page, 'Sprites — Latent Atlas');
    await screenshot(page, 'ui-project-04-reopened');

    await expect.poll(() => page.getByTestId('project-notice').first().textContent()).toContain(`${folder}, which no longer exists`);
    // Dataset, settings, and the run (charts from its history, scatter from its checkpoint) are back.
    await page.getByTestId('rail-dataset').click();
    await expect.poll(() => page.getByTestId('dataset-count').textContent()).toContain(`${good.length} images`);
    await expect.poll(() => page.getByTestId('thumb-cell').count()).toBe(good.length);
    await page.getByTestId('rail-train').click();
    await page.getByTestId('train-advanced').locator('summary').click();
    expect(await page.getByTestId('set-epochs').inputValue()).toBe('2');
    expect(await page.getByTestId('set-batch').inputValue()).toBe('8');
    expect(await page.getByTestId('set-latent').inputValue()).toBe('4');
    expect(await page.getByTestId('set-likelihood').inputValue()).toBe('gaussian-learned');
    expect(await page.getByTestId('set-iwae').inputValue()).toBe('2');
    expect(await page.getByTestId('train-status').getAttribute('data-status')).toBe('completed');
    await expect.poll(() => chartPoints(page)).toEqual({ train: 2, val: 2 });
    const count = page.getByTestId('scatter-count');
    await count.waitFor({ timeout: 60_000 });
    expect(Number((await count.textContent())!.replace(/,/g, ''))).toBe(good.length);
    // The saved path opens again (and runs); the selection lists the same ten images.
    await page.getByTestId('rail-interpolate').click();
    await page.getByTestId('saved-paths-item').click();
    expect(await page.getByTestId('end-a-index').inputValue()).toBe('1');
    expect(await page.getByTestId('end-b-index').inputValue()).toBe('5');
    expect(await page.getByTestId('interp-method').inputValue()).toBe('slerp');
    await expect.poll(() => page.getByTestId('interp-player').getAttribute('data-frames'), { timeout: 60_000 }).toBe('6');
    await page.getByTestId('rail-explore').click();
    await page.getByTestId('saved-selections-item').click();
    await expect.poll(() => page.getByTestId('selection-member').count()).toBe(10);
    await expect.poll(async () => (await page.getByTestId('selection-member').allTextContents()).every((t) => /img-01\d\.png/.test(t))).toBe(true);
    await screenshot(page, 'ui-project-05b-saved-path-and-selection');
    // Reopening changed nothing: no unsaved dot.
    expect(await page.title()).toBe('Sprites — Latent Atlas');
    await screenshot(page, 'ui-project-05-reopened');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('resumes a training that a dead engine cut off, from its checkpoint, keeping the old epochs on the charts', { timeout: 400_000 }, async () => {
    const folder = path.join(session.tmp, 'crashy-images');
    await writeImageFolder(folder, 48, 16);
    const { page, errors } = await openApp(session);

    // New Project from the top bar: name, default folder under the workspace.
    await page.getByTestId('first-run-dismiss').click();
    await page.getByTestId('project-new').click();
    await page.getByTestId('project-name').fill('Crashy');
    const dir = path.join(projectsDir(), 'crashy');
    expect(await page.getByTestId('project-folder').inputValue()).toBe(dir);
    await page.getByTestId('project-submit').click();
    await waitForTitle(page, 'Crashy — Latent Atlas');

    await importSmall(page, folder);
    await setSmallTraining(page, 200);
    await page.getByTestId('train-start').click();
    // Two epochs recorded in the project and their checkpoint written: then the engine dies.
    await expect.poll(() => readProject(dir).runs[0]?.epoch ?? 0, { timeout: 180_000, interval: 250 }).toBeGreaterThanOrEqual(2);
    const runId = readProject(dir).runs[0].id;
    const runDir = path.join(dir, 'runs', runId);
    await expect.poll(() => readdirSync(runDir).filter((f) => f.startsWith('ckpt-')).length, { timeout: 60_000 }).toBeGreaterThan(0);
    killEngine(session.server);
    await expect.poll(() => page.getByTestId('train-status').getAttribute('data-status'), { timeout: 30_000 }).toBe('failed');
    await expect.poll(async () => (await page.getByTestId('engine-state').textContent())?.trim(), { timeout: 60_000 }).toBe('Engine ready');
    await screenshot(page, 'ui-project-06-engine-killed');

    // A fresh page reopens the project by itself: the run is offered for resuming.
    await reloadApp(page);
    await waitForTitle(page, 'Crashy — Latent Atlas');
    const banner = page.getByTestId('resume-banner');
    await banner.waitFor({ timeout: 20_000 });
    const record = readProject(dir).runs[0];
    expect(record.status).toBe('interrupted');
    const before = record.epoch;
    expect(await banner.textContent()).toContain(`Training run ${runId} was interrupted after epoch ${before}`);
    await page.getByTestId('rail-train').click();
    await expect.poll(() => chartPoints(page)).toEqual({ train: before, val: before });
    await screenshot(page, 'ui-project-07-resume-banner');

    // Resume: the epoch count continues past the checkpoint and the old points stay on the charts.
    await page.getByTestId('resume-run').click();
    await page.getByTestId('train-progress').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('resume-banner').count()).toBe(0);
    const label = (await page.getByTestId('train-progress').textContent()) ?? '';
    const shownEpoch = Number(/Epoch (\d+) of 200/.exec(label)?.[1]);
    // Step events count epochs from 1: the epoch in progress after resuming is past the checkpoint.
    expect(shownEpoch).toBeGreaterThan(before);
    await expect.poll(async () => (await chartPoints(page)).val, { timeout: 120_000, interval: 250 }).toBeGreaterThanOrEqual(before + 1);
    const points = await chartPoints(page);
    expect(points.train).toBeGreaterThan(before);
    await screenshot(page, 'ui-project-08-resumed');
    await page.getByTestId('train-stop').click();
    await expect.poll(() => page.getByTestId('train-status').getAttribute('data-status'), { timeout: 60_000 }).toBe('stopped');
    await expect.poll(() => readProject(dir).runs[0].status, { timeout: 30_000 }).toBe('stopped');
    const after = readProject(dir).runs[0];
    expect(readProject(dir).runs.length).toBe(1);
    expect(after.epoch).toBeGreaterThan(before);
    // One history entry per epoch, in order, with the epochs from before the crash kept.
    expect(after.history.map((h) => h.epoch)).toEqual(Array.from({ length: after.history.length }, (_, i) => i + 1));
    expect(after.history.length).toBeGreaterThan(before);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('names a damaged project.json and restores the newest backup; a newer format is refused in words', { timeout: 120_000 }, async () => {
    const dir = path.join(projectsDir(), 'sprites');
    const file = path.join(dir, 'project.json');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.slice(0, good.length / 2));
    const { page, errors } = await openApp(session);
    await page.getByTestId('first-run-dismiss').click();
    await page.getByTestId('project-open').click();
    await page.getByTestId('project-folder').fill(dir);
    await page.getByTestId('project-submit').click();
    const box = page.getByTestId('project-error');
    await box.waitFor({ timeout: 20_000 });
    expect(await box.getAttribute('data-kind')).toBe('damaged');
    expect(await box.textContent()).toContain(file);
    const restore = page.getByTestId('project-restore-backup');
    expect(await restore.textContent()).toMatch(/^Restore backup from \S/);
    expect(await page.title()).toBe('Latent Atlas');
    await screenshot(page, 'ui-project-09-damaged');

    await restore.click();
    await waitForTitle(page, 'Sprites — Latent Atlas');
    expect(await page.getByTestId('project-error').count()).toBe(0);
    expect(readProject(dir).name).toBe('Sprites');
    expect(existsSync(path.join(dir, 'project.json.damaged'))).toBe(true);
    await expect.poll(() => page.getByTestId('dataset-count').textContent()).toContain('40 images');
    await screenshot(page, 'ui-project-10-restored');

    // A project from a newer app: the message says so and nothing breaks.
    const newer = path.join(projectsDir(), 'from-the-future');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(newer, { recursive: true });
    writeFileSync(path.join(newer, 'project.json'), JSON.stringify({ schemaVersion: 99, name: 'Future' }));
    await page.getByTestId('project-open').click();
    await page.getByTestId('project-folder').fill(newer);
    await page.getByTestId('project-submit').click();
    await expect.poll(() => page.getByTestId('project-error').getAttribute('data-kind'), { timeout: 20_000 }).toBe('newer');
    expect(await page.getByTestId('project-error').textContent()).toContain('newer Latent Atlas');
    expect(await page.getByTestId('project-restore-backup').count()).toBe(0);
    // The open project stays open.
    expect(await page.title()).toBe('Sprites — Latent Atlas');
    await screenshot(page, 'ui-project-11-newer-format');
    expect(errors).toEqual([]);
    await page.close();
  });
});
