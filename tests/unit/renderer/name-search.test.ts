import { describe, expect, it } from 'vitest';
import { searchNames } from '../../../renderer/lib/name-search';

const items = new Map([
  [7, { source: 'cats/Tabby.png' }],
  [2, { source: 'cats/black-cat.png' }],
  [5, { source: 'dogs/beagle.png' }],
  [9, { source: 'catalogue/cover.png' }],
]);

describe('searchNames (the Explore panel search box)', () => {
  it('finds file names containing the query, ignoring case and surrounding spaces, in index order', () => {
    expect(searchNames(items, '  CAT ', 50)).toEqual([2, 7, 9]);
    expect(searchNames(items, 'tabby', 50)).toEqual([7]);
    expect(searchNames(items, 'horse', 50)).toEqual([]);
  });

  it('finds nothing for an empty query and stops at the limit', () => {
    expect(searchNames(items, '   ', 50)).toEqual([]);
    expect(searchNames(items, '.png', 2)).toHaveLength(2);
    expect(searchNames(items, '.png', Infinity)).toEqual([2, 5, 7, 9]);
  });
});
