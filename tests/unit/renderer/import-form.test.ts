import { describe, expect, it } from 'vitest';
import { DEFAULT_IMPORT_FORM, toImportOptions } from '../../../renderer/lib/import-options';

const options = (changes: Partial<typeof DEFAULT_IMPORT_FORM>) => {
  const result = toImportOptions({ ...DEFAULT_IMPORT_FORM, ...changes });
  if (!result.ok) throw new Error(result.error);
  return result.options;
};

describe("the Dataset panel's import form", () => {
  it('reads include and exclude patterns separated by commas or lines, trimmed, blanks dropped', () => {
    expect(options({ include: ' **/*.png, sprites/*.gif\n\n  *.webp ,', exclude: '' })).toMatchObject({ include: ['**/*.png', 'sprites/*.gif', '*.webp'], exclude: [] });
    expect(options({ exclude: 'tmp/**\r\n  backup/**' }).exclude).toEqual(['tmp/**', 'backup/**']);
  });

  it('turns the validation percentage into the fraction the engine takes', () => {
    expect(options({ valPercent: 12.5 }).valFraction).toBe(0.125);
    expect(options({ valPercent: 0 }).valFraction).toBe(0);
  });

  it('reads a blank max-images field as no limit and a number as that limit', () => {
    expect(options({ maxImages: '  ' }).maxImages).toBeNull();
    expect(options({ maxImages: ' 500 ' }).maxImages).toBe(500);
  });

  it('refuses max images that are not a whole positive number, quoting what was typed', () => {
    expect(toImportOptions({ ...DEFAULT_IMPORT_FORM, maxImages: 'ten' })).toEqual({ ok: false, error: 'Max images must be a whole number of 1 or more (or empty for no limit); got "ten".' });
    expect(toImportOptions({ ...DEFAULT_IMPORT_FORM, maxImages: '2.5' }).ok).toBe(false);
    expect(toImportOptions({ ...DEFAULT_IMPORT_FORM, maxImages: '0' }).ok).toBe(false);
  });

  it('refuses a validation share over half, in per cent', () => {
    expect(toImportOptions({ ...DEFAULT_IMPORT_FORM, valPercent: 60 })).toEqual({ ok: false, error: 'Validation split must be between 0 and 50 %; got 60.' });
  });
});
