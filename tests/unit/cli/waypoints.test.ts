import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveWaypoints } from '../../../src/cli/latent';
import { writeDataset } from '../../../src/data/store';

describe('interpolate waypoints on the command line', () => {
  it('resolves indices, vectors, relative paths and unique file names; an ambiguous name lists its images', async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'atlas-waypoints-')), 'ds');
    const item = (source: string) => ({ source, label: null, hash: source, width: 2, height: 2, split: 'train' as const });
    await writeDataset(dir, { size: 2, channels: 1 }, { options: {}, labels: [], items: [item('a/cat.png'), item('b/cat.png'), item('b/dog.png')] }, new Uint8Array(12));
    expect(await resolveWaypoints(dir, ['2', '0.5,-1', 'a/cat.png', 'dog.png'])).toEqual([{ index: 2 }, { z: [0.5, -1] }, { index: 0 }, { index: 2 }]);
    await expect(resolveWaypoints(dir, ['cat.png', '2'])).rejects.toThrow('"cat.png" names 2 images in the dataset: a/cat.png (0), b/cat.png (1); give its folder too, or its index');
    await expect(resolveWaypoints(dir, ['bird.png', '2'])).rejects.toThrow(/"bird.png" is not an image index/);
  });
});
