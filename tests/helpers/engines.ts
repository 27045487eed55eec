/**
 * Loading an exported sheet in each game engine the way its documentation shows, in a
 * Chromium page (see engine-page.ts): every frame drawn at its size at (0, 0) and read back
 * from the engine's canvas, then an animation played while frames are read. The code inside
 * page.evaluate runs in the browser, against the engine's global, hence the loose types.
 */
import type { Page } from 'playwright-core';
import { EXPORT_URL, addEngineScript, type EngineResult } from './engine-page';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Loose = any;

/** Canvas size for every engine: larger than a frame, so its bottom-right pixel shows the background. */
const CANVAS = 96;

/**
 * PixiJS 7 or 8: Assets.load(atlas.json) gives a Spritesheet (TexturePacker JSON Hash); a
 * Sprite per texture, then an AnimatedSprite of the atlas' animation advanced frame by frame.
 */
export async function loadWithPixi(page: Page, major: 7 | 8, atlas: string): Promise<EngineResult> {
  await addEngineScript(page, major === 7 ? 'pixi7/dist/pixi.min.js' : 'pixi.js/dist/pixi.min.js');
  return page.evaluate(
    async ({ url, major, size }) => {
      const PIXI = (globalThis as Loose).PIXI;
      const read = (globalThis as Loose).readRegion;
      const options = { width: size, height: size, backgroundAlpha: 0, antialias: false, preserveDrawingBuffer: true, autoStart: false };
      let app: Loose;
      if (major === 8) {
        app = new PIXI.Application();
        await app.init({ ...options, preference: 'webgl' });
      } else app = new PIXI.Application(options);
      const canvas = app.canvas ?? app.view;
      (globalThis as Loose).document.body.appendChild(canvas);
      const sheet = await PIXI.Assets.load(url);
      const draw = (obj: Loose, w: number, h: number) => {
        app.stage.removeChildren();
        app.stage.addChild(obj);
        app.renderer.render(app.stage);
        return read(canvas, 0, 0, w, h);
      };
      const frames = Object.entries(sheet.textures).map(([name, texture]: [string, Loose]) => {
        const sprite = new PIXI.Sprite(texture);
        sprite.anchor.set(0, 0); // the atlas' pivot is the texture's default anchor; draw from the corner
        return { name, w: texture.width, h: texture.height, pixels: draw(sprite, texture.width, texture.height) };
      });
      const first: Loose = Object.values(sheet.textures)[0];
      const background = (() => {
        app.stage.removeChildren();
        app.renderer.render(app.stage);
        return read(canvas, size - 1, size - 1, 1, 1);
      })();
      const [name, textures] = Object.entries(sheet.animations)[0] as [string, Loose[]];
      const anim = new PIXI.AnimatedSprite(textures, false);
      // Left at the atlas' pivot (the textures' default anchor) and placed where that pivot falls, the frame's corner is at (0, 0).
      anim.position.set(first.defaultAnchor.x * first.width, first.defaultAnchor.y * first.height);
      anim.animationSpeed = 1; // one frame per update of one tick
      anim.play();
      const shown: number[] = [];
      const pixels: number[][] = [];
      for (let k = 0; k < textures.length + 2; k++) {
        shown.push(anim.currentFrame);
        pixels.push(draw(anim, first.width, first.height));
        if (major === 8) anim.update({ deltaTime: 1, deltaMS: 1000 / 60 });
        else anim.update(1);
      }
      const anchor = first.defaultAnchor;
      return { version: PIXI.VERSION, frames, background, animation: { name, length: textures.length, shown, pixels }, extra: { anchor: { x: anchor.x, y: anchor.y } } };
    },
    { url: `${EXPORT_URL}${atlas}`, major, size: CANVAS },
  );
}

/**
 * Phaser 3 or 4: load.atlas (TexturePacker Hash or Array) or load.aseprite; each frame as an
 * Image, then a Sprite playing an animation (from the atlas' list, or createFromAseprite),
 * read back with renderer.snapshotArea after the engine's own render.
 */
export async function loadWithPhaser(page: Page, major: 3 | 4, atlas: string, kind: 'atlas' | 'aseprite'): Promise<EngineResult> {
  await addEngineScript(page, major === 3 ? 'phaser3/dist/phaser.min.js' : 'phaser/dist/phaser.min.js');
  return page.evaluate(
    ({ base, atlas, kind, size }) =>
      new Promise<EngineResult>((resolve, reject) => {
        const Phaser = (globalThis as Loose).Phaser;
        const read = (globalThis as Loose).readRegion;
        const image = atlas.replace(/\.json$/, '.png');
        const game = new Phaser.Game({
          type: Phaser.WEBGL,
          width: size,
          height: size,
          transparent: true,
          banner: false,
          audio: { noAudio: true },
          render: { pixelArt: true, preserveDrawingBuffer: true },
          scene: {
            preload(this: Loose) {
              this.load.on('loaderror', (file: Loose) => reject(new Error(`Phaser could not load ${file.key}`)));
              if (kind === 'aseprite') this.load.aseprite('sheet', base + image, base + atlas);
              else this.load.atlas('sheet', base + image, base + atlas);
              this.load.json('atlasJson', base + atlas);
            },
            async create(this: Loose) {
              try {
                const snap = (w: number, h: number) => new Promise<number[]>((done) => this.renderer.snapshotArea(0, 0, w, h, (img: Loose) => done(read(img, 0, 0, w, h))));
                const texture = this.textures.get('sheet');
                const names: string[] = texture.getFrameNames();
                const frames = [];
                for (const name of names) {
                  const frame = texture.get(name);
                  const img = this.add.image(0, 0, 'sheet', name).setOrigin(0, 0);
                  frames.push({ name, w: frame.width, h: frame.height, pixels: await snap(frame.width, frame.height) });
                  img.destroy();
                }
                const background = await new Promise<number[]>((done) => this.renderer.snapshotArea(size - 1, size - 1, 1, 1, (img: Loose) => done(read(img, 0, 0, 1, 1))));
                const json = this.cache.json.get('atlasJson');
                let key: string;
                if (kind === 'aseprite') key = this.anims.createFromAseprite('sheet')[0].key;
                else {
                  const [name, list] = Object.entries(json.animations)[0] as [string, string[]];
                  this.anims.create({ key: name, frames: list.map((frame) => ({ key: 'sheet', frame })), frameRate: 30, repeat: -1 });
                  key = name;
                }
                const anim = this.anims.get(key);
                const first = texture.get(names[0]);
                // A TexturePacker pivot becomes each frame's origin in Phaser: the sprite is placed where the pivot falls,
                // so the frame's corner is at (0, 0). Aseprite frames carry no pivot: origin at the corner.
                const pivot = first.customPivot ? { x: first.pivotX, y: first.pivotY } : null;
                const sprite = pivot ? this.add.sprite(pivot.x * first.width, pivot.y * first.height, 'sheet') : this.add.sprite(0, 0, 'sheet').setOrigin(0, 0);
                sprite.play(key);
                const shown: number[] = [];
                const pixels: number[][] = [];
                // Played by Phaser's own clock: read until every frame has been shown (or give up after many reads).
                for (let k = 0; k < 400 && new Set(shown).size < anim.frames.length; k++) {
                  const px = await snap(first.width, first.height);
                  shown.push(sprite.anims.currentFrame.index - 1);
                  pixels.push(px);
                }
                const durations = anim.frames.map((f: Loose) => f.duration);
                resolve({ version: Phaser.VERSION, frames, background, animation: { name: key, length: anim.frames.length, shown, pixels }, extra: { durations, pivot } });
                game.destroy(true);
              } catch (err) {
                reject(err);
              }
            },
          },
        });
      }),
    { base: EXPORT_URL, atlas, kind, size: CANVAS },
  );
}
