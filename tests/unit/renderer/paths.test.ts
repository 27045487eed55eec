import { describe, expect, it } from 'vitest';
import { timestampedName } from '../../../renderer/lib/paths';

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
