/**
 * Loading an exported sheet in each game engine the way its documentation shows, in a
 * Chromium page (see engine-page.ts): every frame drawn at its size at (0, 0) and read back
 * from the engine's canvas, then an animation played while frames are read. The code inside
 * page.evaluate runs in the browser, against the engine's global, hence the loose types.
 */
import type { Page } from 'playwright-core';
import { EXPORT_URL, addEngineScript, type EngineResult } from './engine-page';

// biome-ignore lint/suspicious/noExplicitAny: the engines' page objects are checked by the assertions, not by the compiler
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
 * Phaser 3 or 4: load.atlas (TexturePacker Hash or Array), load.aseprite, or load.spritesheet
 * with the grid description's cell size, margin and spacing; each frame as an Image, then a
 * Sprite playing an animation (from the atlas' list, createFromAseprite, or the grid's frame
 * numbers), read back with renderer.snapshotArea after the engine's own render.
 */
export async function loadWithPhaser(page: Page, major: 3 | 4, atlas: string, kind: 'atlas' | 'aseprite' | 'grid'): Promise<EngineResult> {
  await addEngineScript(page, major === 3 ? 'phaser3/dist/phaser.min.js' : 'phaser/dist/phaser.min.js');
  return page.evaluate(
    async ({ base, atlas, kind, size }) => {
      const grid: Loose = kind === 'grid' ? await (await fetch(base + atlas)).json() : null;
      return new Promise<EngineResult>((resolve, reject) => {
        const Phaser = (globalThis as Loose).Phaser;
        const read = (globalThis as Loose).readRegion;
        const image = grid ? grid.image : atlas.replace(/\.json$/, '.png');
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
              if (grid)
                this.load.spritesheet('sheet', base + image, {
                  frameWidth: grid.cellSize.w,
                  frameHeight: grid.cellSize.h,
                  margin: grid.margin.x,
                  spacing: grid.spacing.x,
                  endFrame: grid.frameCount - 1,
                });
              else if (kind === 'aseprite') this.load.aseprite('sheet', base + image, base + atlas);
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
                  // realWidth/realHeight: the frame's size before trimming (sourceSize), which Phaser draws it at.
                  frames.push({ name, w: frame.realWidth, h: frame.realHeight, pixels: await snap(frame.realWidth, frame.realHeight) });
                  img.destroy();
                }
                const background = await new Promise<number[]>((done) => this.renderer.snapshotArea(size - 1, size - 1, 1, 1, (img: Loose) => done(read(img, 0, 0, 1, 1))));
                const json = this.cache.json.get('atlasJson');
                let key: string;
                if (kind === 'aseprite') key = this.anims.createFromAseprite('sheet')[0].key;
                else if (grid) {
                  key = grid.animations[0].name;
                  this.anims.create({
                    key,
                    frames: this.anims.generateFrameNumbers('sheet', { start: grid.animations[0].from, end: grid.animations[0].to }),
                    frameRate: 1000 / grid.frameDurationMs,
                    repeat: -1,
                  });
                } else {
                  const [name, list] = Object.entries(json.animations)[0] as [string, string[]];
                  this.anims.create({ key: name, frames: list.map((frame) => ({ key: 'sheet', frame })), frameRate: 30, repeat: -1 });
                  key = name;
                }
                const anim = this.anims.get(key);
                const first = texture.get(names[0]);
                // A TexturePacker pivot becomes each frame's origin in Phaser: the sprite is placed where the pivot falls,
                // so the frame's corner is at (0, 0). Aseprite frames carry no pivot: origin at the corner.
                const pivot = first.customPivot ? { x: first.pivotX, y: first.pivotY } : null;
                const sprite = pivot ? this.add.sprite(pivot.x * first.realWidth, pivot.y * first.realHeight, 'sheet') : this.add.sprite(0, 0, 'sheet').setOrigin(0, 0);
                sprite.play({ key, repeat: -1 }); // looped: reads keep coming until every frame was seen, however slow the machine
                const shown: number[] = [];
                const pixels: number[][] = [];
                // Played by Phaser's own clock: read until every frame has been shown (or give up after many reads).
                for (let k = 0; k < 400 && new Set(shown).size < anim.frames.length; k++) {
                  const px = await snap(first.realWidth, first.realHeight);
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
      });
    },
    { base: EXPORT_URL, atlas, kind, size: CANVAS },
  );
}

/** Resolves after the browser has drawn `n` more frames (engines that render in their own requestAnimationFrame loop). */
const FRAMES_JS = 'window.afterFrames = (n) => new Promise((done) => { const step = () => (--n <= 0 ? done() : requestAnimationFrame(step)); requestAnimationFrame(step); });';

/**
 * Kaplay: loadSpriteAtlas(image, atlas.json) (its own atlas format) or loadAseprite(name,
 * image, json); each frame as a sprite object, then the tag's animation played by Kaplay's loop.
 */
export async function loadWithKaplay(page: Page, atlas: string, kind: 'atlas' | 'aseprite'): Promise<EngineResult> {
  await addEngineScript(page, 'kaplay/dist/kaplay.js');
  await page.addScriptTag({ content: FRAMES_JS });
  return page.evaluate(
    ({ base, atlas, kind, size }) =>
      new Promise<EngineResult>((resolve, reject) => {
        const g = globalThis as Loose;
        const read = g.readRegion;
        const canvas = g.document.createElement('canvas');
        g.document.body.appendChild(canvas);
        const k = g.kaplay({ canvas, width: size, height: size, global: false, crisp: true, pixelDensity: 1, letterbox: false, background: [0, 0, 0], debug: false });
        k.onLoadError((name: string) => reject(new Error(`Kaplay could not load ${name}`)));
        if (kind === 'atlas') k.loadSpriteAtlas(base + 'sheet.png', base + atlas);
        else k.loadAseprite('sheet', base + 'sheet.png', base + atlas);
        k.onLoad(async () => {
          try {
            const data = k.getSprite('sheet').data;
            const frames = [];
            for (let i = 0; i < data.frames.length; i++) {
              const obj = k.add([k.sprite('sheet', { frame: i }), k.pos(0, 0)]);
              await g.afterFrames(3);
              frames.push({ name: String(i), w: obj.width, h: obj.height, pixels: read(canvas, 0, 0, obj.width, obj.height) });
              obj.destroy();
            }
            await g.afterFrames(2);
            const background = read(canvas, size - 1, size - 1, 1, 1);
            const name = Object.keys(data.anims)[0];
            const obj = k.add([k.sprite('sheet'), k.pos(0, 0)]);
            obj.play(name, { loop: true }); // looped: reads keep coming until every frame was seen, however slow the machine
            const anim = data.anims[name];
            const length = anim.to - anim.from + 1;
            const shown: number[] = [];
            const pixels: number[][] = [];
            for (let n = 0; n < 400 && new Set(shown).size < length; n++) {
              await g.afterFrames(1);
              shown.push(obj.frame);
              pixels.push(read(canvas, 0, 0, obj.width, obj.height));
            }
            resolve({ version: k.VERSION, frames, background, animation: { name, length, shown, pixels }, extra: { speed: anim.speed } });
          } catch (err) {
            reject(err);
          }
        });
      }),
    { base: EXPORT_URL, atlas, kind, size: CANVAS },
  );
}

/**
 * Excalibur with @excaliburjs/plugin-aseprite: an AsepriteResource through ex.Loader, its
 * SpriteSheet's sprites on an Actor one by one, then getAnimation(tag) playing; read back with
 * Engine.screenshot().
 */
export async function loadWithExcalibur(page: Page, atlas: string): Promise<EngineResult> {
  await addEngineScript(page, 'excalibur/build/dist/excalibur.min.js');
  await addEngineScript(page, '@excaliburjs/plugin-aseprite/build/umd/excalibur-aseprite.min.js');
  await page.addScriptTag({ content: FRAMES_JS });
  return page.evaluate(
    async ({ url, size }) => {
      const g = globalThis as Loose;
      const ex = g.ex;
      const read = g.readRegion;
      const canvas = g.document.createElement('canvas');
      g.document.body.appendChild(canvas);
      const game = new ex.Engine({
        canvasElement: canvas,
        width: size,
        height: size,
        displayMode: ex.DisplayMode.Fixed,
        suppressHiDPIScaling: true,
        pixelRatio: 1,
        antialiasing: false,
        backgroundColor: ex.Color.Black,
        suppressConsoleBootMessage: true,
      });
      const resource = new ex.Plugin.Aseprite.AsepriteResource(url);
      const loader = new ex.Loader([resource]);
      loader.suppressPlayButton = true;
      await game.start(loader);
      const shot = async (w: number, h: number) => read(await game.screenshot(), 0, 0, w, h);
      const sheet = resource.getSpriteSheet();
      const actor = new ex.Actor({ pos: ex.vec(0, 0), anchor: ex.vec(0, 0) });
      game.add(actor);
      const frames = [];
      for (let i = 0; i < sheet.sprites.length; i++) {
        const sprite = sheet.sprites[i];
        actor.graphics.use(sprite);
        await g.afterFrames(3);
        frames.push({ name: String(i), w: sprite.width, h: sprite.height, pixels: await shot(sprite.width, sprite.height) });
      }
      actor.graphics.hide();
      await g.afterFrames(3);
      const background = read(await game.screenshot(), size - 1, size - 1, 1, 1);
      const name: string = [...resource.data.animations.keys()][0];
      const anim = resource.getAnimation(name);
      actor.graphics.use(anim);
      anim.strategy = ex.AnimationStrategy.Loop; // looped: reads keep coming until every frame was seen, however slow the machine
      anim.play();
      const shown: number[] = [];
      const pixels: number[][] = [];
      const { width: w, height: h } = sheet.sprites[0];
      for (let n = 0; n < 400 && new Set(shown).size < anim.frames.length; n++) {
        await g.afterFrames(1);
        const index = anim.currentFrameIndex;
        const px = await shot(w, h);
        // Keep the read only if the frame did not change while the screenshot was taken.
        if (anim.currentFrameIndex !== index) continue;
        shown.push(index);
        pixels.push(px);
      }
      const durations = anim.frames.map((f: Loose) => f.duration);
      game.stop();
      return { version: ex.EX_VERSION, frames, background, animation: { name, length: anim.frames.length, shown, pixels }, extra: { durations } };
    },
    { url: `${EXPORT_URL}${atlas}`, size: CANVAS },
  );
}

/**
 * melonJS: the atlas and image through me.loader.preload, a me.TextureAtlas (it reads
 * TexturePacker JSON Array and Aseprite JSON, picked by meta.app), each region drawn as a
 * Sprite, then an animated Sprite (the Aseprite tags, or the listed frames) advanced by update().
 */
export async function loadWithMelon(page: Page, atlas: string): Promise<EngineResult> {
  await page.addScriptTag({ type: 'module', content: `import * as me from '${new URL('/node_modules/melonjs/build/index.js', EXPORT_URL)}'; window.me = me;` });
  await page.waitForFunction(() => (globalThis as Loose).me !== undefined);
  return page.evaluate(
    ({ base, atlas, size }) =>
      new Promise<EngineResult>((resolve, reject) => {
        // An error anywhere in the async body rejects (an async executor would swallow it).
        (async () => {
          const g = globalThis as Loose;
          const me = g.me;
          const read = g.readRegion;
          const parent = g.document.createElement('div');
          parent.id = 'screen';
          g.document.body.appendChild(parent);
          const app = new me.Application(size, size, { parent: 'screen', renderer: me.video.CANVAS, scale: 1, antiAlias: false });
          await app.init();
          me.loader.preload(
            [
              { name: 'sheet', type: 'json', src: base + atlas },
              { name: 'sheet', type: 'image', src: base + 'sheet.png' },
            ],
            () => {
              try {
                const json = me.loader.getJSON('sheet');
                const texture = new me.TextureAtlas(json, me.loader.getImage('sheet'));
                const renderer = app.renderer;
                const canvas = renderer.getCanvas();
                const draw = (sprite: Loose, w: number, h: number) => {
                  renderer.clearColor('#000000');
                  sprite.preDraw(renderer);
                  sprite.draw(renderer);
                  sprite.postDraw(renderer);
                  return read(canvas, 0, 0, w, h);
                };
                // Region names: TexturePacker's file names; Aseprite frames by their number (melonJS walks the array's keys).
                const names: string[] = json.frames.map((f: Loose, i: number) => f.filename ?? String(i));
                if (json.meta.frameTags) names.forEach((_, i) => (names[i] = String(i)));
                const frames = names.map((name) => {
                  const region = texture.getRegion(name);
                  const sprite = texture.createSpriteFromName(name);
                  sprite.anchorPoint.set(0, 0);
                  sprite.pos.set(0, 0);
                  return { name, w: region.width, h: region.height, pixels: draw(sprite, region.width, region.height) };
                });
                renderer.clearColor('#000000');
                const background = read(canvas, size - 1, size - 1, 1, 1);
                const animated = texture.createAnimationFromName(names);
                // A TexturePacker pivot becomes each region's anchor point in melonJS: place the sprite where the
                // pivot falls so the frame's corner is at (0, 0). Aseprite frames carry none: anchor at the corner.
                const pivot = json.frames[0].pivot as { x: number; y: number } | undefined;
                if (pivot) animated.pos.set(pivot.x * frames[0].w, pivot.y * frames[0].h);
                else {
                  animated.anchorPoint.set(0, 0);
                  animated.pos.set(0, 0);
                }
                const tags = json.meta.frameTags as { name: string }[] | undefined;
                const name = tags?.[0]?.name ?? 'walk';
                if (!tags)
                  animated.addAnimation(
                    name,
                    names.map((_, i) => i),
                    json.frames[0].duration ?? 50,
                  );
                animated.setCurrentAnimation(name);
                const length = names.length;
                const shown: number[] = [];
                const pixels: number[][] = [];
                for (let n = 0; n < length + 2; n++) {
                  shown.push(animated.getCurrentAnimationFrame());
                  pixels.push(draw(animated, frames[0].w, frames[0].h));
                  animated.update(50); // one frame delay (ms) of game time
                }
                resolve({ version: me.version, frames, background, animation: { name, length, shown, pixels }, extra: { anchor: { x: animated.anchorPoint.x, y: animated.anchorPoint.y } } });
              } catch (err) {
                reject(err);
              }
            },
          );
        })().catch(reject);
      }),
    { base: EXPORT_URL, atlas, size: CANVAS },
  );
}
