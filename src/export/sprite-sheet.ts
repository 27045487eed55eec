/**
 * A sprite sheet: frames packed into one PNG (see sheet-pack.ts) and the atlas file of the
 * chosen layout (TexturePacker JSON Hash or Array, Aseprite JSON, Godot 4 SpriteFrames,
 * Kaplay's atlas JSON, or a grid description). Written as a palette PNG when a palette is given.
 */
import sharp from 'sharp';
import type { SheetLayout, SheetOptions } from '../contract';
import { AtlasError } from '../errors';
import { asepriteJson } from './aseprite';
import type { AnimationTag, AtlasInput } from './atlas-input';
import { godotSpriteFrames } from './godot';
import { gridDescription } from './grid';
import { indexedPng } from './indexed-png';
import { kaplayAtlas } from './kaplay-atlas';
import type { Palette } from './palette';
import type { RgbaFrames } from './pixels';
import { packSheet, type PackedSheet } from './sheet-pack';
import { texturePackerArray, texturePackerHash } from './texturepacker';

/** The atlas file's name for each layout (the sheet image is `<sheet>.png`). */
export const atlasFileName = (sheetName: string, layout: SheetLayout): string =>
  ({
    'texturepacker-hash': `${sheetName}.json`,
    'texturepacker-array': `${sheetName}.json`,
    aseprite: `${sheetName}.json`,
    godot: `${sheetName}.tres`,
    kaplay: `${sheetName}.kaplay.json`,
    grid: `${sheetName}.grid.json`,
  })[layout];

export interface SpriteSheetRequest {
  sheetName: string;
  /** Frames per row; null = a square-ish grid. */
  columns: number | null;
  names: string[];
  tags: AnimationTag[];
  pingPong: boolean;
  delayMs: number;
  loop: number;
  options: SheetOptions;
  /** Write the sheet as a palette PNG with this palette. */
  palette?: Palette;
}

export interface SpriteSheet {
  png: Uint8Array;
  packed: PackedSheet;
  atlas: { name: string; data: string };
}

const json = (value: unknown) => JSON.stringify(value, null, 1);

export function atlasText(layout: SheetLayout, input: AtlasInput, sheetName: string): string {
  switch (layout) {
    case 'texturepacker-hash':
      return json(texturePackerHash(input));
    case 'texturepacker-array':
      return json(texturePackerArray(input));
    case 'aseprite':
      return json(asepriteJson(input));
    case 'godot':
      return godotSpriteFrames(input);
    case 'kaplay':
      return json(kaplayAtlas(input, sheetName));
    case 'grid':
      return json(gridDescription(input));
  }
}

export async function spriteSheet(frames: RgbaFrames, req: SpriteSheetRequest): Promise<SpriteSheet> {
  const { layout, trim } = req.options;
  if (trim && (layout === 'grid' || layout === 'kaplay'))
    throw new AtlasError(
      'invalid_input',
      `The ${layout === 'grid' ? 'grid description' : 'Kaplay atlas'} layout needs every frame at its full size (${layout === 'grid' ? 'a grid has one cell size' : 'Kaplay cannot offset a trimmed frame'}); turn trimming off or choose another layout.`,
    );
  const packed = packSheet(frames, { columns: req.columns, padding: req.options.padding, extrude: req.options.extrude, trim, powerOfTwo: req.options.powerOfTwo, maxWidth: req.options.maxWidth });
  const image = `${req.sheetName}.png`;
  const input: AtlasInput = { sheet: packed, image, names: req.names, tags: req.tags, pingPong: req.pingPong, delayMs: req.delayMs, loop: req.loop, pivot: req.options.pivot };
  const png = req.palette
    ? await indexedPng(packed.rgba, packed.width, packed.height, req.palette)
    : new Uint8Array(
        await sharp(packed.rgba, { raw: { width: packed.width, height: packed.height, channels: 4 } })
          .png({ compressionLevel: 6 })
          .toBuffer(),
      );
  return { png, packed, atlas: { name: atlasFileName(req.sheetName, layout), data: atlasText(layout, input, req.sheetName) } };
}
