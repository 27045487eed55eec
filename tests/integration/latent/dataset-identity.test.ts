/**
 * A checkpoint records the identity of the dataset it was trained on; the latent channels and
 * `eval` refuse another dataset with a message naming both, unless it is encoded (or
 * evaluated) deliberately.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EngineClient } from '../../../src/host/client';
import { spawnNodeEngine } from '../../../src/host/spawn-node';
import { requireBuilt } from '../../helpers/built';
import { writePngs } from '../../helpers/images';

let engine: EngineClient;
let work: string;
let trainedOn: string;
let other: string;
let runDir: string;

beforeAll(async () => {
  engine = new EngineClient(spawnNodeEngine({ entry: requireBuilt('src/engine.js') }));
  work = mkdtempSync(path.join(tmpdir(), 'atlas-identity-'));
  await writePngs(path.join(work, 'a'), 32, 16);
  await writePngs(path.join(work, 'b'), 12, 16);
  trainedOn = path.join(work, 'ds-a');
  other = path.join(work, 'ds-b');
  await engine.request('dataset.import', { source: { folder: path.join(work, 'a') }, output: trainedOn, options: { size: 16 } });
  await engine.request('dataset.import', { source: { folder: path.join(work, 'b') }, output: other, options: { size: 16 } });
  runDir = path.join(work, 'run');
  await engine.request('train.run', { dataset: trainedOn, runDir, settings: { epochs: 1, batchSize: 16, latentDim: 4, architecture: 'conv' } });
}, 300_000);
afterAll(() => engine.close());

describe('dataset identity of a checkpoint', () => {
  it('refuses another dataset in every latent channel, naming both, and works on its own', async () => {
    const refusal = expect.objectContaining({ message: expect.stringMatching(new RegExp(`trained on another dataset.*${other.replace(/[/\\]/g, '.')}.*12 images.*--other-dataset`)) });
    await expect(engine.request('latent.encode', { runDir, dataset: other })).rejects.toEqual(refusal);
    await expect(engine.request('latent.sample', { runDir, dataset: other, count: 2 })).rejects.toEqual(refusal);
    await expect(engine.request('latent.interpolate', { runDir, dataset: other, waypoints: [{ index: 0 }, { index: 1 }] })).rejects.toEqual(refusal);
    await expect(engine.request('latent.project', { runDir, dataset: other })).rejects.toEqual(refusal);
    expect((await engine.request('latent.sample', { runDir, dataset: trainedOn, count: 2 })).z).toHaveLength(2);
  });

  it('encodes another dataset when asked to deliberately, and the other channels then use that encoding', async () => {
    const r = await engine.request('latent.encode', { runDir, dataset: other, otherDataset: true });
    expect(r.count).toBe(12);
    expect((await engine.request('latent.sample', { runDir, dataset: other, count: 2 })).z).toHaveLength(2);
  });

  it('eval refuses another dataset without --other-dataset (exit 1, both named) and evaluates it with the flag', () => {
    const cli = (args: string[]) => spawnSync(process.execPath, [requireBuilt('src/cli.js'), ...args], { encoding: 'utf8' });
    const refused = cli(['eval', runDir, '--dataset', other, '--json']);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/trained on another dataset.*--other-dataset/);
    const ok = cli(['eval', runDir, '--dataset', other, '--other-dataset', '--json']);
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).images).toBeGreaterThan(0);
  }, 300_000);
});
