import { AtlasError } from '../errors';
import type { SheetSlice } from './sheet-slices';

/**
 * Slicing by grid, as Tiled and Unity's "Grid by cell size" describe a sheet: `margin` pixels
 * around the whole sheet, cells of cellWidth x cellHeight, `spacing` pixels between cells.
 */
export interface GridSpec {
  cellWidth: number;
  cellHeight: number;
  margin: number;
  spacing: number;
}

/** How many cells of `cell` fit along `length` exactly, or null when pixels would be left over. */
function cellsAlong(length: number, cell: number, margin: number, spacing: number): number | null {
  const inner = length - 2 * margin + spacing;
  if (inner < cell + spacing || inner % (cell + spacing) !== 0) return null;
  return inner / (cell + spacing);
}

/** Cell sizes near `cell` that divide `length` with this margin and spacing (for the error message). */
function fittingSizes(length: number, cell: number, margin: number, spacing: number): number[] {
  const out: number[] = [];
  for (let c = 1; c <= length - 2 * margin; c++) if (cellsAlong(length, c, margin, spacing) !== null) out.push(c);
  return out
    .sort((a, b) => Math.abs(a - cell) - Math.abs(b - cell) || a - b)
    .slice(0, 3)
    .sort((a, b) => a - b);
}

function misfit(file: string, axis: 'wide' | 'high', length: number, cell: number, g: GridSpec): AtlasError {
  const used = Math.max(0, Math.floor((length - 2 * g.margin + g.spacing) / (cell + g.spacing)));
  const left = length - 2 * g.margin - used * cell - Math.max(0, used - 1) * g.spacing;
  const sizes = fittingSizes(length, cell, g.margin, g.spacing);
  const what = axis === 'wide' ? 'width' : 'height';
  return new AtlasError(
    'invalid_input',
    `${file} is ${length} pixels ${axis}, which ${cell}-pixel cells with margin ${g.margin} and spacing ${g.spacing} do not divide (${left} ${left === 1 ? 'pixel' : 'pixels'} left over). ` +
      `Check the cell ${what}, margin and spacing against the sheet` +
      (sizes.length ? ` (cell ${what}s that fit: ${sizes.join(', ')})` : '') +
      ', or slice it automatically instead.',
    { file, length, cell, margin: g.margin, spacing: g.spacing },
  );
}

/** Every cell of the grid, row by row, named r<row>c<column> counting from 1. Throws when the grid does not divide the sheet. */
export function gridSlices(file: string, width: number, height: number, g: GridSpec): SheetSlice[] {
  for (const [name, v, min] of [
    ['cell width', g.cellWidth, 1],
    ['cell height', g.cellHeight, 1],
    ['margin', g.margin, 0],
    ['spacing', g.spacing, 0],
  ] as const) {
    if (!Number.isInteger(v) || v < min) throw new AtlasError('invalid_input', `The grid's ${name} must be a whole number of at least ${min}; got ${v}.`);
  }
  const columns = cellsAlong(width, g.cellWidth, g.margin, g.spacing);
  if (columns === null) throw misfit(file, 'wide', width, g.cellWidth, g);
  const rows = cellsAlong(height, g.cellHeight, g.margin, g.spacing);
  if (rows === null) throw misfit(file, 'high', height, g.cellHeight, g);
  const slices: SheetSlice[] = [];
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < columns; c++) {
      slices.push({
        name: `r${r + 1}c${c + 1}`,
        tag: null,
        x: g.margin + c * (g.cellWidth + g.spacing),
        y: g.margin + r * (g.cellHeight + g.spacing),
        w: g.cellWidth,
        h: g.cellHeight,
      });
    }
  return slices;
}
