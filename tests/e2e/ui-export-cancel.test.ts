import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { screenshot } from '../helpers/browser';
import { importSmall, openApp, setSmallTraining, startUiSession, writeImageFolder, type UiSession } from '../helpers/ui-app';

/**
 * The Export panel while a 256-frame export runs: its progress, the Cancel button and Esc stop
 * it and leave the folder empty; an export into a read-only folder shows the reason at once.
 */
let session: UiSession;
beforeAll(async () => {
  session = await startUiSession();
});
afterAll(() => session?.close());

const filesIn = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

describe('Export panel: progress, Cancel and Esc, unwritable folder', () => {
  it('stops a 256-frame export on Cancel and on Esc, and names a read-only folder', { timeout: 600_000 }, async () => {
    const images = path.join(session.tmp, 'images');
    await writeImageFolder(images, 24, 16);
    const { page, errors } = await openApp(session);
    await importSmall(page, images);
    await setSmallTraining(page, 2);
    await page.getByTestId('train-start').click();
    await page.getByTestId('scatter-count').waitFor({ timeout: 300_000 });

    await page.getByTestId('rail-interpolate').click();
    await page.getByTestId('end-a-index').fill('1');
    await page.getByTestId('end-a-index').press('Enter');
    await page.getByTestId('end-b-index').fill('9');
    await page.getByTestId('end-b-index').press('Enter');
    await page.getByTestId('interp-frames').fill('256');
    await page.getByTestId('interp-run').click();
    await page.getByTestId('interp-to-export').waitFor({ timeout: 120_000 });
    await page.getByTestId('interp-to-export').click();
    await page.getByTestId('panel-export').waitFor();
    for (const f of ['png', 'sheet', 'gif', 'webp']) await page.getByTestId(`export-format-${f}`).check();
    await page.getByTestId('export-scale').selectOption('8');

    const stop = async (how: 'button' | 'escape', out: string, shot: string | null) => {
      await page.getByTestId('export-dir').fill(out);
      await page.getByTestId('export-run').click();
      const block = page.getByTestId('export-progress');
      await block.waitFor({ timeout: 60_000 });
      await expect.poll(() => block.textContent(), { timeout: 120_000 }).toMatch(/Encoding frames|Writing files/);
      if (shot) await screenshot(page, shot);
      if (how === 'button') await page.getByTestId('export-progress-cancel').click();
      else await page.keyboard.press('Escape');
      await block.waitFor({ state: 'detached', timeout: 60_000 });
      expect(await page.getByTestId('export-run').textContent()).toBe('Export');
      expect(await page.getByTestId('export-error').count()).toBe(0);
      expect(await page.getByTestId('export-summary').count()).toBe(0);
      expect(filesIn(out)).toEqual([]);
    };
    await page.getByTestId('panel-export').scrollIntoViewIfNeeded();
    await stop('button', path.join(session.tmp, 'cancelled-by-button'), 'ui-export-cancel-01-progress-dark');
    await stop('escape', path.join(session.tmp, 'cancelled-by-esc'), null);

    // Not cancelled, the same export writes 256 frames, the sheet and atlas, the GIF and the WebP.
    const whole = path.join(session.tmp, 'whole');
    await page.getByTestId('export-dir').fill(whole);
    await page.getByTestId('export-run').click();
    await page.getByTestId('export-summary').waitFor({ timeout: 300_000 });
    expect(filesIn(whole)).toHaveLength(260);

    // A read-only folder (a read-only tmpfs: root ignores permissions) fails before any decoding, with the reason.
    const ro = path.join(session.tmp, 'read-only');
    mkdirSync(ro);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,ro', 'tmpfs', ro]);
    try {
      await page.getByTestId('export-dir').fill(path.join(ro, 'frames'));
      await page.getByTestId('export-run').click();
      const shown = page.getByTestId('export-error');
      await shown.waitFor({ timeout: 60_000 });
      expect(await shown.textContent()).toContain(`Cannot write to the export folder ${path.join(ro, 'frames')}: the disk is read-only (EROFS)`);
      expect(await page.getByTestId('export-run').textContent()).toBe('Export');
      await shown.scrollIntoViewIfNeeded();
      await screenshot(page, 'ui-export-cancel-02-read-only-dark');
    } finally {
      execFileSync('umount', [ro]);
    }
    expect(errors).toEqual([]);
    await page.close();
  });
});
