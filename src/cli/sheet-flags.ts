/**
 * The sprite-sheet flags of export, interpolate, sample and traverse: the atlas layout, the
 * packing options and indexed PNGs. `--indexed` implies pixel-art finishing (the palette).
 */
import { pixelArtFinishSchema, SHEET_DEFAULTS, SHEET_LAYOUTS, SHEET_LIMITS, sheetOptionsSchema, withinLimit, type PixelArtFinishSpec, type SheetOptions, type SheetOptionsIn } from '../contract';
import { checked } from './args';
import { CliUsageError } from './output';
import { finishFromFlags } from './pixel-art';
import { describeRange, flag, limited, text, type FlagTable } from './flag-table';

const pivotDefault = `${SHEET_DEFAULTS.pivot.x},${SHEET_DEFAULTS.pivot.y}`;

export const sheetFlags = {
  layout: text('FORMAT', `The sprite sheet's atlas format, for the engine that loads it: ${SHEET_LAYOUTS.join(', ')} (default ${SHEET_DEFAULTS.layout}).`),
  padding: limited(SHEET_LIMITS.padding, `Transparent pixels between frames and around the sheet (default ${SHEET_DEFAULTS.padding}).`, 'PX'),
  extrude: limited(SHEET_LIMITS.extrude, `Pixels each frame's edge is repeated outward, against bleeding when scaled (default ${SHEET_DEFAULTS.extrude}).`, 'PX'),
  'power-of-two': flag("Round the sheet's width and height up to powers of two."),
  'max-width': limited(SHEET_LIMITS.maxWidth, 'The widest the sheet may be in pixels (default: no limit, the columns decide).', 'PX'),
  trim: flag('Cut each frame to its opaque pixels; the atlas keeps the offsets so engines place it as before.'),
  pivot: text('X,Y', `Each frame's pivot as shares of its size from the top-left (default ${pivotDefault}: centre-bottom).`),
  indexed: flag("Write palette (indexed) PNGs; implies --pixel-art's default palette."),
} satisfies FlagTable;

/** The sheet options the flags set, checked (a bad value names its flag); undefined = all defaults. */
export function sheetFromFlags(values: Record<string, unknown>, base: SheetOptionsIn = {}): SheetOptions | undefined {
  const sheet: SheetOptionsIn = { ...base };
  if (values.layout !== undefined) sheet.layout = String(values.layout) as SheetOptionsIn['layout'];
  if (values.padding !== undefined) sheet.padding = Number(values.padding);
  if (values.extrude !== undefined) sheet.extrude = Number(values.extrude);
  if (values['power-of-two']) sheet.powerOfTwo = true;
  if (values['max-width'] !== undefined) sheet.maxWidth = Number(values['max-width']);
  if (values.trim) sheet.trim = true;
  if (values.pivot !== undefined) {
    const [x, y, ...rest] = String(values.pivot)
      .split(',')
      .map((s) => Number(s.trim()));
    if (rest.length || !withinLimit(x, SHEET_LIMITS.pivot) || !withinLimit(y, SHEET_LIMITS.pivot))
      throw new CliUsageError(`--pivot takes two shares of the frame from its top-left, each ${describeRange(SHEET_LIMITS.pivot)} (e.g. ${pivotDefault} for centre-bottom), got "${values.pivot}"`);
    sheet.pivot = { x, y };
  }
  return Object.keys(sheet).length ? checked(sheetOptionsSchema, sheet as Record<string, unknown>) : undefined;
}

/** The finish spec: --pixel-art's, or the default one when --indexed asks for palette PNGs without it. */
export function finishWithIndexed(values: Record<string, unknown>): PixelArtFinishSpec | undefined {
  return finishFromFlags(values) ?? (values.indexed ? pixelArtFinishSchema.parse({}) : undefined);
}
