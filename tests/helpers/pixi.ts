import type { Page } from 'playwright-core';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './built';

export interface ParsedSpritesheet {
  names: string[];
  sizes: Array<[number, number]>;
  /** Animation name -> frame count. */
  animations: Record<string, number>;
}

/**
 * Load an exported atlas (JSON + the PNG it names) with the real PixiJS Spritesheet parser in a
 * browser page: the consumer a game engine uses.
 */
export async function parseWithPixi(page: Page, atlasFile: string): Promise<ParsedSpritesheet> {
  const atlas = JSON.parse(readFileSync(atlasFile, 'utf8'));
  const png = readFileSync(path.join(path.dirname(atlasFile), atlas.meta.image));
  await page.addScriptTag({ path: path.join(repoRoot, 'node_modules', 'pixi.js', 'dist', 'pixi.min.js') });
  return page.evaluate(
    async ({ atlas, dataUrl }) => {
      const PIXI = (globalThis as unknown as { PIXI: typeof import('pixi.js') }).PIXI;
      // Runs in the browser; the Node-side tsconfig has no DOM types, hence the cast.
      const ImageElement = (globalThis as unknown as { Image: new () => { src: string; decode(): Promise<void> } }).Image;
      const img = new ImageElement();
      img.src = dataUrl;
      await img.decode();
      const sheet = new PIXI.Spritesheet(PIXI.Texture.from(img as never), atlas);
      await sheet.parse();
      return {
        names: Object.keys(sheet.textures),
        sizes: Object.values(sheet.textures).map((t) => [t.width, t.height] as [number, number]),
        animations: Object.fromEntries(Object.entries(sheet.animations).map(([k, v]) => [k, v.length])),
      };
    },
    { atlas, dataUrl: `data:image/png;base64,${png.toString('base64')}` },
  );
}
