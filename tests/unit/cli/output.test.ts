import { describe, expect, it } from 'vitest';
import { failureLine, shown } from '../../../src/cli/output';

describe('what the CLI prints about files', () => {
  it('spells out control characters and bidi overrides, and leaves ordinary names (spaces, accents, emoji) alone', () => {
    expect(shown('a\nb\rc\td')).toBe('a\\nb\\rc\\td');
    expect(shown('red\x1b[31m\x07\x00\x7f\x9b')).toBe('red\\x1b[31m\\x07\\x00\\x7f\\x9b');
    expect(shown('gnp.\u202eexe')).toBe('gnp.\\u202eexe');
    expect(shown('/home/zoë/Sprites 2/😀 hero.png')).toBe('/home/zoë/Sprites 2/😀 hero.png');
    expect(failureLine(new Error('no folder /tmp/a\nlatent-atlas: ok'))).toBe('latent-atlas: no folder /tmp/a\\nlatent-atlas: ok');
  });
});
