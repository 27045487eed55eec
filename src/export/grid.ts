/**
 * A plain description of a regular sheet for engines that slice an image by grid: the cell
 * size, the margin before the first cell and the spacing between cells, with the same numbers
 * under the names Unity's Sprite Editor ("Grid By Cell Size": Pixel Size, Offset, Padding,
 * custom pivot measured from the bottom-left) and GameMaker's "Import Strip Image" use.
 * Trimmed frames do not sit on a grid, so the export refuses trimming with this layout.
 */
import { APP_URL, APP_VERSION, type AtlasInput } from './atlas-input';

export interface GridDescription {
  app: string;
  version: string;
  image: string;
  imageSize: { w: number; h: number };
  frameCount: number;
  cellSize: { w: number; h: number };
  /** Pixels before the first cell's left and top edges. */
  margin: { x: number; y: number };
  /** Pixels between neighbouring cells. */
  spacing: { x: number; y: number };
  columns: number;
  rows: number;
  order: 'row-major';
  /** Share of the cell from its top-left. */
  pivot: { x: number; y: number };
  frameDurationMs: number;
  animations: Array<{ name: string; from: number; to: number; direction: 'forward' | 'pingpong' }>;
  unity: {
    sliceType: 'Grid By Cell Size';
    pixelSize: { x: number; y: number };
    offset: { x: number; y: number };
    padding: { x: number; y: number };
    pivot: 'Custom';
    customPivot: { x: number; y: number };
  };
  gameMaker: {
    numberOfFrames: number;
    framesPerRow: number;
    frameWidth: number;
    frameHeight: number;
    horizontalCellOffset: 0;
    verticalCellOffset: 0;
    horizontalPixelOffset: number;
    verticalPixelOffset: number;
    horizontalSeparation: number;
    verticalSeparation: number;
  };
}

export function gridDescription(a: AtlasInput): GridDescription {
  const { sheet } = a;
  const cell = sheet.frames[0]?.sourceSize ?? { w: 0, h: 0 };
  const { margin, spacing, columns, rows } = sheet;
  return {
    app: `${APP_URL}#grid`,
    version: APP_VERSION,
    image: a.image,
    imageSize: { w: sheet.width, h: sheet.height },
    frameCount: sheet.frames.length,
    cellSize: { ...cell },
    margin: { x: margin, y: margin },
    spacing: { x: spacing, y: spacing },
    columns,
    rows,
    order: 'row-major',
    pivot: a.pivot,
    frameDurationMs: a.delayMs,
    animations: a.tags.map((t) => ({ name: t.name, from: t.from, to: t.to, direction: a.pingPong ? 'pingpong' : 'forward' })),
    unity: {
      sliceType: 'Grid By Cell Size',
      pixelSize: { x: cell.w, y: cell.h },
      offset: { x: margin, y: margin },
      padding: { x: spacing, y: spacing },
      pivot: 'Custom',
      customPivot: { x: a.pivot.x, y: 1 - a.pivot.y },
    },
    gameMaker: {
      numberOfFrames: sheet.frames.length,
      framesPerRow: columns,
      frameWidth: cell.w,
      frameHeight: cell.h,
      horizontalCellOffset: 0,
      verticalCellOffset: 0,
      horizontalPixelOffset: margin,
      verticalPixelOffset: margin,
      horizontalSeparation: spacing,
      verticalSeparation: spacing,
    },
  };
}
