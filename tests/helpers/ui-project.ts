import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import type { ProjectFile } from '../../src/contract';
import type { WebModeServer } from './web-mode';

/** project.json as it is on disk now. */
export function readProject(dir: string): ProjectFile {
  return JSON.parse(readFileSync(path.join(dir, 'project.json'), 'utf8')) as ProjectFile;
}

export async function waitForTitle(page: Page, title: string, timeout = 20_000): Promise<void> {
  await expect.poll(() => page.title(), { timeout, interval: 100 }).toBe(title);
}

/** Chart points: training values and validation values (one per epoch when reopened). */
export async function chartPoints(page: Page): Promise<{ train: number; val: number }> {
  const charts = page.getByTestId('loss-charts');
  return { train: Number(await charts.getAttribute('data-points')), val: Number(await charts.getAttribute('data-val-points')) };
}

/** Kill the engine process behind the web server (its only child), as a crash would. */
export function killEngine(server: WebModeServer): number {
  const children = execFileSync('pgrep', ['-P', String(server.process.pid)]).toString().trim().split('\n').map(Number);
  expect(children.length).toBe(1);
  process.kill(children[0], 'SIGKILL');
  return children[0];
}

/** Small images and a small model keep each epoch to a few seconds on a two-core CPU. */
export async function importSmall(page: Page, folder: string): Promise<void> {
  await page.getByTestId('rail-dataset').click();
  const options = page.getByTestId('import-options');
  if (!(await options.evaluate((el) => (el as unknown as { open: boolean }).open))) await options.locator('summary').click();
  await options.locator('select').first().selectOption('16');
  await page.getByTestId('folder-path').fill(folder);
  await page.getByTestId('import-path').click();
  await page.getByTestId('import-report').waitFor({ timeout: 60_000 });
}

export async function setSmallTraining(page: Page, epochs: number): Promise<void> {
  await page.getByTestId('rail-train').click();
  const advanced = page.getByTestId('train-advanced');
  if (!(await advanced.evaluate((el) => (el as unknown as { open: boolean }).open))) await advanced.locator('summary').click();
  await page.getByTestId('set-epochs').fill(String(epochs));
  await page.getByTestId('set-batch').fill('8');
  await page.getByTestId('set-latent').fill('4');
}

/** Reload the page (a fresh renderer over the same server) and wait for the engine. */
export async function reloadApp(page: Page): Promise<void> {
  await page.reload();
  await expect.poll(async () => (await page.getByTestId('engine-state').textContent())?.trim(), { timeout: 60_000 }).toBe('Engine ready');
}
