import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { pickPreviewIndices, previewIndicesFor } from '../../../src/train/preview-pick';
import type { DatasetIndex } from '../../../src/data/store';
import { repoRoot } from '../../helpers/built';

/** 60 images, labels a..e by i % 5 (f only at i = 59), every third image in validation. */
const labelOf = (i: number) => (i === 59 ? 'f' : 'abcde'[i % 5]);
const val = Array.from({ length: 60 }, (_, i) => i).filter((i) => i % 3 === 0 || i === 59);

describe('the preview picker', () => {
  it('shows every label when there are at least as many images to show as labels', () => {
    const picked = pickPreviewIndices(val, labelOf, 8, 1);
    expect(picked).toHaveLength(8);
    expect(new Set(picked.map(labelOf))).toEqual(new Set(['a', 'b', 'c', 'd', 'e', 'f']));
    // Round robin: no label shows twice before every label has shown once.
    expect(new Set(picked.slice(0, 6).map(labelOf)).size).toBe(6);
  });

  it('picks only the given (validation) indices, each once', () => {
    for (const seed of [0, 1, 2, 99]) {
      const picked = pickPreviewIndices(val, labelOf, 16, seed);
      expect(picked.every((i) => val.includes(i))).toBe(true);
      expect(new Set(picked).size).toBe(picked.length);
    }
    expect(pickPreviewIndices(val, labelOf, 100, 3).sort((a, b) => a - b)).toEqual(val);
    expect(pickPreviewIndices([], labelOf, 8, 1)).toEqual([]);
    expect(pickPreviewIndices(val, labelOf, 0, 1)).toEqual([]);
  });

  it('is deterministic in the seed (a resumed run shows the same images) whatever the order given', () => {
    const a = pickPreviewIndices(val, labelOf, 8, 7);
    expect(pickPreviewIndices([...val].reverse(), labelOf, 8, 7)).toEqual(a);
    expect(pickPreviewIndices(val, labelOf, 8, 7)).toEqual(a);
    const others = [1, 2, 3, 4, 5].map((s) => pickPreviewIndices(val, labelOf, 8, s).join(','));
    expect(new Set([a.join(','), ...others]).size).toBeGreaterThan(1);
  });

  it('with fewer slots than labels shows that many different labels; unlabelled images form one group', () => {
    const picked = pickPreviewIndices(val, labelOf, 4, 5);
    expect(new Set(picked.map(labelOf)).size).toBe(4);
    const none = pickPreviewIndices(val, () => null, 8, 5);
    expect(none).toHaveLength(8);
    expect(none.every((i) => val.includes(i))).toBe(true);
  });

  it('on the bundled sample set: 8 validation images from its 8 categories', () => {
    const index = JSON.parse(readFileSync(path.join(repoRoot, 'assets', 'sample', 'twemoji-32', 'index.json'), 'utf8')) as DatasetIndex;
    const valIdx = index.items.flatMap((it, i) => (it.split === 'val' ? [i] : []));
    const picked = previewIndicesFor({ index }, valIdx, 8, 1);
    expect(picked.every((i) => index.items[i].split === 'val')).toBe(true);
    expect(new Set(picked.map((i) => index.items[i].label)).size).toBe(8);
    // The first 8 validation images (what the preview showed before) cover far fewer.
    expect(new Set(valIdx.slice(0, 8).map((i) => index.items[i].label)).size).toBeLessThan(8);
  });
});
