import { describe, expect, it } from 'vitest';
import { baseName, formatDuration, joinPath, timestampedName } from '../../../renderer/lib/paths';

describe('timestamped folder names', () => {
  const at = new Date(2026, 0, 21, 15, 30, 12, 42);
  it('slugs the base and stamps it to the millisecond', () => {
    expect(timestampedName('My Sprites!', at)).toBe('my-sprites-20260121-153012-042');
    expect(timestampedName('', at)).toBe('images-20260121-153012-042');
  });
  it('replaces a stamp the base already carries instead of adding a second', () => {
    expect(timestampedName('sprites-20251231-235959-999', at)).toBe('sprites-20260121-153012-042');
    expect(timestampedName('sprites-20251231-235959', at)).toBe('sprites-20260121-153012-042');
  });
});

describe('engine paths', () => {
  it('join with one slash between parts, whatever slashes the parts carry, skipping empty parts', () => {
    expect(joinPath('/work/projects/', '/runs/', 'r1')).toBe('/work/projects/runs/r1');
    expect(joinPath('C:\\data\\', 'sprites')).toBe('C:\\data/sprites');
    expect(joinPath('', 'a', '', 'b/')).toBe('a/b');
  });
  it('name their last folder, ignoring trailing slashes; an empty path names "images"', () => {
    expect(baseName('/data/pixel-art/')).toBe('pixel-art');
    expect(baseName('C:\\Users\\me\\sprites')).toBe('sprites');
    expect(baseName('/')).toBe('images');
  });
});

describe('durations', () => {
  it('print seconds, then minutes and seconds, then hours and minutes, rounded to the second', () => {
    expect([0, 9.4, 59.4, 59.6, 60, 545, 3599].map(formatDuration)).toEqual(['0 s', '9 s', '59 s', '1 min 00 s', '1 min 00 s', '9 min 05 s', '59 min 59 s']);
    expect([3600, 3661, 7 * 24 * 3600].map(formatDuration)).toEqual(['1 h 00 min', '1 h 01 min', '168 h 00 min']);
  });
  it('print a dash when unknown and never a negative time', () => {
    expect([null, undefined, Number.NaN, Number.POSITIVE_INFINITY].map(formatDuration)).toEqual(['–', '–', '–', '–']);
    expect(formatDuration(-5)).toBe('0 s');
  });
});
