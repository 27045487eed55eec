/**
 * The sprite-sheet flags of export, interpolate, sample and traverse: the atlas layout, the
 * packing options and indexed PNGs. `--indexed` implies pixel-art finishing (the palette).
 */
import { pixelArtFinishSchema, SHEET_LAYOUTS, SHEET_LIMITS, sheetOptionsSchema, type PixelArtFinishSpec, type SheetOptions, type SheetOptionsIn } from '../contract';
import { checked } from './args';
import { CliUsageError } from './output';
import { finishFromFlags } from './pixel-art';

const str = { type: 'string' } as const;
const bool = { type: 'boolean', default: false } as const;

export const sheetFlags = { layout: str, padding: str, extrude: str, 'power-of-two': bool, 'max-width': str, trim: bool, pivot: str, indexed: bool } as const;
export const sheetUsage = `[--layout ${SHEET_LAYOUTS.join('|')}] [--padding ${SHEET_LIMITS.padding.default}] [--extrude ${SHEET_LIMITS.extrude.default}] [--power-of-two] [--max-width PX] [--trim] [--pivot 0.5,1] [--indexed]`;

/** The sheet options the flags set, checked (a bad value names its flag); undefined = all defaults. */
export function sheetFromFlags(values: Record<string, unknown>, usage: string, base: SheetOptionsIn = {}): SheetOptions | undefined {
  const sheet: SheetOptionsIn = { ...base };
  if (values.layout !== undefined) sheet.layout = String(values.layout) as SheetOptionsIn['layout'];
  if (values.padding !== undefined) sheet.padding = Number(values.padding);
  if (values.extrude !== undefined) sheet.extrude = Number(values.extrude);
  if (values['power-of-two']) sheet.powerOfTwo = true;
  if (values['max-width'] !== undefined) sheet.maxWidth = Number(values['max-width']);
  if (values.trim) sheet.trim = true;
  if (values.pivot !== undefined) {
    const [x, y, ...rest] = String(values.pivot).split(',').map((s) => Number(s.trim()));
    if (rest.length || !(x >= 0 && x <= 1 && y >= 0 && y <= 1)) throw new CliUsageError(`--pivot takes two shares of the frame from its top-left, each from 0 to 1 (e.g. 0.5,1 for centre-bottom), got "${values.pivot}"; usage: ${usage}`);
    sheet.pivot = { x, y };
  }
  return Object.keys(sheet).length ? checked(sheetOptionsSchema, sheet as Record<string, unknown>, usage) : undefined;
}

/** The finish spec: --pixel-art's, or the default one when --indexed asks for palette PNGs without it. */
export function finishWithIndexed(values: Record<string, unknown>, usage: string): PixelArtFinishSpec | undefined {
  return finishFromFlags(values, usage) ?? (values.indexed ? pixelArtFinishSchema.parse({}) : undefined);
}
