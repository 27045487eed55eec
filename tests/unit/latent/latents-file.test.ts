import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Latents } from '../../../src/latent/encode';
import { LATENTS_BIN, LATENTS_JSON, readLatents, writeLatents, type LatentsKey } from '../../../src/latent/latents-file';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'atlas-latents-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function latents(count: number, J: number, offset: number): Latents {
  const f = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => offset + k + i / 7);
  return { count, latentDim: J, mu: f(count * J, 0), logvar: f(count * J, 1), reconError: f(count, 2), kl: f(count, 3) };
}

const key: LatentsKey = { modelKey: 'ckpt-000000010|1234|99', datasetHash: 'abc', count: 5, latentDim: 3 };

describe('latents.bin cache', () => {
  it('reads back exactly what was written for the same model and dataset', async () => {
    const l = latents(5, 3, 0);
    await writeLatents(dir, key, l, { step: 10, checkpoint: 'ckpt-000000010' });
    const back = await readLatents(dir, key);
    expect(back).not.toBeNull();
    expect(Array.from(back!.mu)).toEqual(Array.from(l.mu));
    expect(Array.from(back!.logvar)).toEqual(Array.from(l.logvar));
    expect(Array.from(back!.kl)).toEqual(Array.from(l.kl));
    expect((await fs.readdir(dir)).sort()).toEqual([LATENTS_BIN, LATENTS_JSON]);
  });

  it('misses when the weights or the dataset changed', async () => {
    expect(await readLatents(dir, { ...key, modelKey: 'ckpt-000000020|1234|100' })).toBeNull();
    expect(await readLatents(dir, { ...key, datasetHash: 'def' })).toBeNull();
    expect(await readLatents(path.join(dir, 'missing'), key)).toBeNull();
  });

  it('does not pair a json with a bin written for another key (a crash between the two writes)', async () => {
    const oldBin = await fs.readFile(path.join(dir, LATENTS_BIN));
    const newKey = { ...key, modelKey: 'ckpt-000000020|1|1' };
    await writeLatents(dir, newKey, latents(5, 3, 100), { step: 20, checkpoint: 'ckpt-000000020' });
    await fs.writeFile(path.join(dir, LATENTS_BIN), oldBin);
    expect(await readLatents(dir, newKey)).toBeNull();
    await fs.writeFile(path.join(dir, LATENTS_BIN), oldBin.subarray(0, 60));
    expect(await readLatents(dir, key)).toBeNull();
  });
});
