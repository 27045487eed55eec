import { describe, expect, it } from 'vitest';
import { csvField, selectionCsv } from '../../../src/data/selection-csv';
import type { DatasetItem } from '../../../src/data/store';

const item = (source: string, label: string | null): DatasetItem => ({ source, label, hash: 'h', width: 8, height: 8, split: 'train' });

describe('selection as a CSV file list', () => {
  it('writes file, label and index in the order given, with RFC 4180 quoting', () => {
    const items = [item('cats/a.png', 'cats'), item('dogs/b, "big".png', 'dogs'), item('c.png', null), item('line\nbreak.png', 'x')];
    const text = selectionCsv({ items, count: items.length }, [2, 0, 1, 3]);
    expect(text).toBe('file,label,index\r\nc.png,,2\r\ncats/a.png,cats,0\r\n"dogs/b, ""big"".png",dogs,1\r\n"line\nbreak.png",x,3\r\n');
    expect(csvField('plain')).toBe('plain');
  });

  it('names an image outside the dataset', () => {
    expect(() => selectionCsv({ items: [item('a.png', null)], count: 1 }, [0, 5])).toThrow(/names image 5, but the dataset has 1 images/);
  });
});
