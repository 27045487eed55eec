import type { Page } from 'playwright-core';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './built';

export interface PhaserAtlas {
  names: string[];
  sizes: Array<[number, number]>;
  /** Frames of the animation Phaser builds from the atlas's frame names for the path. */
  animationFrames: number;
}

/**
 * Load an exported atlas (JSON + the PNG it names) the way a Phaser game does,
 * `this.load.atlas(key, image, json)`, in a headless Phaser game in the browser page.
 */
export async function loadWithPhaser(page: Page, atlasFile: string, animation: string): Promise<PhaserAtlas> {
  const atlas = JSON.parse(readFileSync(atlasFile, 'utf8'));
  const png = readFileSync(path.join(path.dirname(atlasFile), atlas.meta.image));
  await page.addScriptTag({ path: path.join(repoRoot, 'node_modules', 'phaser', 'dist', 'phaser.min.js') });
  return page.evaluate(
    ({ atlas, dataUrl, animation }) =>
      new Promise<PhaserAtlas>((resolve, reject) => {
        // Runs in the browser: Phaser is the global the script tag defined.
        type Loose = any; // eslint-disable-line @typescript-eslint/no-explicit-any
        const Phaser = (globalThis as unknown as { Phaser: Loose }).Phaser;
        const frames: string[] = atlas.animations?.[animation] ?? [];
        const game = new Phaser.Game({
          type: Phaser.HEADLESS,
          width: 64,
          height: 64,
          banner: false,
          audio: { noAudio: true },
          scene: {
            preload(this: Loose) {
              this.load.on('loaderror', (file: Loose) => reject(new Error(`Phaser could not load ${file.key}`)));
              this.load.atlas('sheet', dataUrl, atlas);
            },
            create(this: Loose) {
              const texture = this.textures.get('sheet');
              const names: string[] = texture.getFrameNames();
              const sizes = names.map((n) => [texture.get(n).width, texture.get(n).height] as [number, number]);
              const anim = this.anims.create({ key: animation, frames: frames.map((frame) => ({ key: 'sheet', frame })), frameRate: 10 });
              resolve({ names, sizes, animationFrames: anim ? anim.frames.length : 0 });
              game.destroy(true);
            },
          },
        });
      }),
    { atlas, dataUrl: `data:image/png;base64,${png.toString('base64')}`, animation },
  );
}
