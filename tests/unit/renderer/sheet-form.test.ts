import { describe, expect, it } from 'vitest';
import { DEFAULT_SHEET_FORM, toSheetSlicing } from '../../../renderer/lib/sheet-form';

describe("the Dataset panel's sprite-sheet slicing form", () => {
  it('sends only the fields of the chosen mode', () => {
    expect(toSheetSlicing({ ...DEFAULT_SHEET_FORM, mode: 'grid', cellWidth: 16, cellHeight: 24, margin: 2, spacing: 1 })).toEqual({
      ok: true,
      slicing: { mode: 'grid', cellWidth: 16, cellHeight: 24, margin: 2, spacing: 1, skipEmpty: true },
    });
    expect(toSheetSlicing(DEFAULT_SHEET_FORM)).toEqual({ ok: true, slicing: { mode: 'auto', gap: 1, minArea: 16, alphaThreshold: 0, splitWidth: 0, splitHeight: 0 } });
  });

  it('sends an atlas path trimmed, and none when the field is blank (the JSON beside the sheet)', () => {
    expect(toSheetSlicing({ ...DEFAULT_SHEET_FORM, mode: 'atlas', atlas: '  sheets/hero.json ' })).toEqual({ ok: true, slicing: { mode: 'atlas', atlas: 'sheets/hero.json' } });
    expect(toSheetSlicing({ ...DEFAULT_SHEET_FORM, mode: 'atlas', atlas: '   ' })).toEqual({ ok: true, slicing: { mode: 'atlas' } });
  });

  it('accepts each grid bound and refuses one past it, naming the field, its range and the value', () => {
    const grid = { ...DEFAULT_SHEET_FORM, mode: 'grid' as const };
    expect(toSheetSlicing({ ...grid, cellWidth: 1 }).ok).toBe(true);
    expect(toSheetSlicing({ ...grid, cellWidth: 16384 }).ok).toBe(true);
    expect(toSheetSlicing({ ...grid, cellWidth: 0 })).toEqual({ ok: false, error: 'Cell width must be a whole number from 1 to 16384; got 0.' });
    expect(toSheetSlicing({ ...grid, cellHeight: 16385 })).toEqual({ ok: false, error: 'Cell height must be a whole number from 1 to 16384; got 16385.' });
    expect(toSheetSlicing({ ...grid, margin: -1 })).toEqual({ ok: false, error: 'Margin must be a whole number from 0 to 16384; got -1.' });
    expect(toSheetSlicing({ ...grid, spacing: 1.5 })).toEqual({ ok: false, error: 'Spacing must be a whole number from 0 to 16384; got 1.5.' });
  });

  it('says "nothing" for an emptied number field (NaN) and reports the first bad field only', () => {
    expect(toSheetSlicing({ ...DEFAULT_SHEET_FORM, gap: Number.NaN, minArea: 0 })).toEqual({ ok: false, error: 'Merge gap must be a whole number from 0 to 256; got nothing.' });
    expect(toSheetSlicing({ ...DEFAULT_SHEET_FORM, minArea: 0 })).toEqual({ ok: false, error: 'Minimum area must be a whole number from 1 to 1000000; got 0.' });
    expect(toSheetSlicing({ ...DEFAULT_SHEET_FORM, alphaThreshold: 255 })).toEqual({ ok: false, error: 'Alpha threshold must be a whole number from 0 to 254; got 255.' });
  });

  it("checks only the chosen mode's fields: a bad grid cell does not block automatic slicing", () => {
    expect(toSheetSlicing({ ...DEFAULT_SHEET_FORM, mode: 'auto', cellWidth: 0 }).ok).toBe(true);
    expect(toSheetSlicing({ ...DEFAULT_SHEET_FORM, mode: 'grid', gap: -5 }).ok).toBe(true);
    expect(toSheetSlicing({ ...DEFAULT_SHEET_FORM, mode: 'atlas', cellWidth: 0, gap: -5 }).ok).toBe(true);
  });
});
