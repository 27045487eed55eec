/**
 * The sprite-sheet slicing the Dataset panel edits (grid, automatic islands, JSON atlas), with
 * the engine's defaults (src/contract/data.ts sheetSlicingSchema), and its translation to the payload.
 */
import type { SheetSlicingIn } from '../../src/contract';

export type SheetMode = 'grid' | 'auto' | 'atlas';

export interface SheetForm {
  mode: SheetMode;
  cellWidth: number;
  cellHeight: number;
  margin: number;
  spacing: number;
  skipEmpty: boolean;
  gap: number;
  minArea: number;
  alphaThreshold: number;
  /** 0: never cut islands. */
  splitWidth: number;
  splitHeight: number;
  /** Empty: the JSON beside the sheet. */
  atlas: string;
}

export const DEFAULT_SHEET_FORM: SheetForm = {
  mode: 'auto',
  cellWidth: 32,
  cellHeight: 32,
  margin: 0,
  spacing: 0,
  skipEmpty: true,
  gap: 1,
  minArea: 16,
  alphaThreshold: 0,
  splitWidth: 0,
  splitHeight: 0,
  atlas: '',
};

const whole = (label: string, v: number, min: number, max: number): string | null =>
  Number.isInteger(v) && v >= min && v <= max ? null : `${label} must be a whole number from ${min} to ${max}; got ${Number.isFinite(v) ? v : 'nothing'}.`;

/** The payload's slicing, or a sentence naming the first bad field. */
export function toSheetSlicing(form: SheetForm): { ok: true; slicing: SheetSlicingIn } | { ok: false; error: string } {
  const check = (fields: Array<[string, number, number, number]>) => fields.map(([l, v, lo, hi]) => whole(l, v, lo, hi)).find((e) => e !== null) ?? null;
  if (form.mode === 'grid') {
    const error = check([
      ['Cell width', form.cellWidth, 1, 16384],
      ['Cell height', form.cellHeight, 1, 16384],
      ['Margin', form.margin, 0, 16384],
      ['Spacing', form.spacing, 0, 16384],
    ]);
    if (error) return { ok: false, error };
    return { ok: true, slicing: { mode: 'grid', cellWidth: form.cellWidth, cellHeight: form.cellHeight, margin: form.margin, spacing: form.spacing, skipEmpty: form.skipEmpty } };
  }
  if (form.mode === 'auto') {
    const error = check([
      ['Merge gap', form.gap, 0, 256],
      ['Minimum area', form.minArea, 1, 1_000_000],
      ['Alpha threshold', form.alphaThreshold, 0, 254],
      ['Split width', form.splitWidth, 0, 16384],
      ['Split height', form.splitHeight, 0, 16384],
    ]);
    if (error) return { ok: false, error };
    return { ok: true, slicing: { mode: 'auto', gap: form.gap, minArea: form.minArea, alphaThreshold: form.alphaThreshold, splitWidth: form.splitWidth, splitHeight: form.splitHeight } };
  }
  const atlas = form.atlas.trim();
  return { ok: true, slicing: atlas ? { mode: 'atlas', atlas } : { mode: 'atlas' } };
}
