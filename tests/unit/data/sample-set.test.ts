import { describe, it, expect } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDataset } from '../../../src/data/store';
import { pickSample } from '../../../src/data/make-sample-set';

const sample = fileURLToPath(new URL('../../../assets/sample/', import.meta.url));

describe('bundled sample set', () => {
  it('opens as a 32x32 RGBA dataset of Twemoji with category labels and a validation split', async () => {
    const ds = await openDataset(path.join(sample, 'twemoji-32'));
    expect(ds.index).toMatchObject({ size: 32, channels: 4, count: 507 });
    expect(ds.index.labels).toHaveLength(8);
    expect(ds.indicesOf('val').length).toBeGreaterThan(30);
    // Emoji sit on transparent ground: the corner pixel of most images is clear.
    const clearCorners = ds.index.items.filter((_, i) => ds.image(i)[3] === 0).length;
    expect(clearCorners).toBeGreaterThan(ds.index.count * 0.8);
  });

  it('ships its CC-BY attribution and stays small', async () => {
    expect(await fs.readFile(path.join(sample, 'ATTRIBUTION.md'), 'utf8')).toContain('CC-BY 4.0');
    let bytes = 0;
    for (const f of await fs.readdir(path.join(sample, 'twemoji-32'))) bytes += (await fs.stat(path.join(sample, 'twemoji-32', f))).size;
    expect(bytes).toBeLessThan(3 * 1024 * 1024);
  });

  it('picks emoji deterministically, spread over categories, leaving out flags', () => {
    const entries = Array.from({ length: 300 }, (_, i) => ({
      image: `${i}.png`,
      category: ['Flags', 'Objects', 'Symbols'][i % 3],
      sort_order: 300 - i,
      has_img_twitter: i !== 4,
    }));
    const a = pickSample(entries, 50);
    expect(pickSample([...entries].reverse(), 50).map((e) => e.image)).toEqual(a.map((e) => e.image));
    expect(a.length).toBe(50);
    expect(a.some((e) => e.category === 'Flags')).toBe(false);
    expect(a.filter((e) => e.category === 'Objects').length).toBe(25);
  });
});
