import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { EngineClient } from '../../../src/host/client';
import { spawnNodeEngine } from '../../../src/host/spawn-node';
import { writeColouredSquares } from '../../fixtures/coloured-squares';
import { requireBuilt } from '../../helpers/built';

/**
 * Attribute vectors of a conditional model work per label (issue 15): the strip is decoded as
 * the label asked for, by default the base image's own, through the channel and the CLI's
 * export; an unknown label is refused naming it and the labels the model knows.
 */
let engine: EngineClient;
let work: string;
let dataset: string;
let runDir: string;
const CELL = 16;

/** Every frame of an RGBA PNG strip, as bytes. */
async function frames(pngBase64: string, count: number): Promise<Buffer[]> {
  const png = Buffer.from(pngBase64, 'base64');
  return Promise.all(
    Array.from({ length: count }, (_, f) =>
      sharp(png)
        .extract({ left: f * CELL, top: 0, width: CELL, height: CELL })
        .ensureAlpha()
        .raw()
        .toBuffer(),
    ),
  );
}

/** Largest difference of one byte between two equally long images (0..255). */
const maxDiff = (a: Buffer, b: Buffer) => a.reduce((m, v, k) => Math.max(m, Math.abs(v - b[k])), 0);

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [requireBuilt('src/cli.js'), ...args], { encoding: 'utf8', env: { ...process.env, LATENT_ATLAS_BACKEND: 'wasm' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let shield: number[];
let plain: number[];

beforeAll(async () => {
  engine = new EngineClient(spawnNodeEngine({ entry: requireBuilt('src/engine.js') }));
  work = mkdtempSync(path.join(tmpdir(), 'atlas-attribute-conditional-'));
  await writeColouredSquares(path.join(work, 'images'), 'shield', 24, { r: 230, g: 40, b: 40 }, 1);
  await writeColouredSquares(path.join(work, 'images'), 'plain', 24, { r: 40, g: 60, b: 230 }, 8);
  dataset = path.join(work, 'ds');
  runDir = path.join(work, 'run');
  await engine.request('dataset.import', { source: { folder: path.join(work, 'images') }, output: dataset, options: { size: 16, labels: 'folder' } });
  await engine.request('train.run', { dataset, runDir, settings: { epochs: 3, batchSize: 16, latentDim: 5, conditional: true } });
  const { items } = await engine.request('dataset.items', { path: dataset, from: 0, count: 48 });
  shield = items.filter((it) => it.label === 'shield').map((it) => it.index);
  plain = items.filter((it) => it.label === 'plain').map((it) => it.index);
}, 300_000);
afterAll(() => {
  engine?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('attribute vectors of a conditional model, per label', () => {
  it('decodes the same z path as the chosen label: the strips of two labels differ, the default is the image’s own label', async () => {
    const base = plain[2];
    const spec = { runDir, dataset, positive: shield, negative: plain, base: { index: base }, strength: 1, frames: 4 };
    const asShield = await engine.request('latent.attribute', { ...spec, label: 'shield' });
    const asPlain = await engine.request('latent.attribute', { ...spec, label: 'plain' });
    const own = await engine.request('latent.attribute', spec);
    // The label changes only the decoder's input: the vector and the z path are the same.
    expect(asShield.z).toEqual(asPlain.z);
    expect(asShield.vector).toEqual(asPlain.vector);
    const shieldFrames = await frames(asShield.strip.png, 4);
    const plainFrames = await frames(asPlain.strip.png, 4);
    const ownFrames = await frames(own.strip.png, 4);
    // Every frame differs between the two labels…
    for (let f = 0; f < 4; f++) expect(maxDiff(shieldFrames[f], plainFrames[f])).toBeGreaterThan(2);
    // …and without a label the strip is the base image's own label's ("plain"), byte for byte.
    for (let f = 0; f < 4; f++) expect(maxDiff(ownFrames[f], plainFrames[f])).toBe(0);
  });

  it('refuses an unknown label, naming it and the labels the model knows', async () => {
    const spec = { runDir, dataset, positive: shield, negative: plain, base: { index: plain[0] }, strength: 1, frames: 3, label: 'sword' };
    await expect(engine.request('latent.attribute', spec)).rejects.toMatchObject({ message: 'Unknown label "sword": the model knows "plain", "shield".' });
    // The same refusal when exporting the strip; nothing is written.
    const out = path.join(work, 'refused');
    await expect(engine.request('export.frames', { source: { attribute: spec }, outDir: out, formats: ['png'] })).rejects.toMatchObject({ message: expect.stringContaining('Unknown label "sword"') });
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });

  it('latent-atlas export --spec writes the strip of the label in the spec, and names an unknown one in one line', { timeout: 120_000 }, async () => {
    const spec = { runDir, dataset, positive: shield, negative: plain, base: { index: plain[1] }, strength: 1.5, frames: 3 };
    const viaChannel = await engine.request('latent.attribute', { ...spec, label: 'shield' });
    const specFile = path.join(work, 'attribute-shield.json');
    const out = path.join(work, 'as-shield');
    writeFileSync(specFile, JSON.stringify({ source: { attribute: { ...spec, label: 'shield' } }, outDir: out, formats: ['png'] }));
    const r = cli(['export', '--spec', specFile, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['frame-0.png', 'frame-1.png', 'frame-2.png']);
    const channelFrames = await frames(viaChannel.strip.png, 3);
    for (let f = 0; f < 3; f++)
      expect(
        maxDiff(
          await sharp(path.join(out, `frame-${f}.png`))
            .ensureAlpha()
            .raw()
            .toBuffer(),
          channelFrames[f],
        ),
      ).toBe(0);

    const badFile = path.join(work, 'attribute-sword.json');
    writeFileSync(badFile, JSON.stringify({ source: { attribute: { ...spec, label: 'sword' } }, outDir: path.join(work, 'as-sword'), formats: ['png'] }));
    const bad = cli(['export', '--spec', badFile]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('Unknown label "sword": the model knows "plain", "shield".');
  });
});
