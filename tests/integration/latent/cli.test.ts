import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { initBackend } from '../../../src/backend/choose';
import { train } from '../../../src/train/train';
import { requireBuilt } from '../../helpers/built';
import { makeShapesDataset } from '../train/fixtures';

let tmp: string;
let dataset: string;
let run: string;

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [requireBuilt('src/cli.js'), ...args], { encoding: 'utf8', env: { ...process.env, LATENT_ATLAS_BACKEND: 'wasm' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout.trim().split('\n').at(-1)!) };
}

beforeAll(async () => {
  await initBackend({ force: 'wasm' });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'atlas-latent-cli-'));
  dataset = path.join(tmp, 'ds');
  run = path.join(tmp, 'run');
  const ds = await makeShapesDataset(dataset, { count: 48, size: 16, channels: 4, seed: 8 });
  await train({ architecture: 'conv', latentDim: 3, epochs: 1, batchSize: 16, previewCount: 0, valIwaeK: 0 }, ds, { checkpointDir: run });
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('latent-atlas encode, interpolate, sample, traverse, export', () => {
  it('encodes once, then reports the cache as up to date; stdout is one JSON object', () => {
    const first = cli(['encode', run, '--dataset', dataset, '--json']);
    expect(first.code).toBe(0);
    expect(first.stdout.trim().split('\n')).toHaveLength(1);
    expect(first.json()).toMatchObject({ count: 48, latentDim: 3, cached: false });
    expect(cli(['encode', run, '--dataset', dataset, '--json']).json().cached).toBe(true);
  });

  it('interpolates two images into PNG frames and a sprite sheet', async () => {
    const out = path.join(tmp, 'path');
    const r = cli(['interpolate', '0', '5', '--run', run, '--dataset', dataset, '--method', 'slerp', '--frames', '6', '--out', out, '--format', 'png,sheet,gif', '--scale', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = r.json();
    expect(result).toMatchObject({ method: 'slerp', frames: 6 });
    expect(result.files).toHaveLength(9);
    expect(await sharp(path.join(out, 'frame-3.png')).metadata()).toMatchObject({ width: 32, height: 32, hasAlpha: true });
    expect((await sharp(path.join(out, 'sheet.gif'), { animated: true }).metadata()).pages).toBe(6);
    const again = cli(['interpolate', '0', '5', '--run', run, '--dataset', dataset, '--frames', '6', '--out', out]);
    // A refusal to replace files is a usage error on the command line: exit 2, naming --overwrite.
    expect(again.code).toBe(2);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(again.stderr).toContain('already exist');
    expect(again.stderr).toContain('--overwrite');
  });

  it('takes waypoints by file name and names a file it cannot find', () => {
    const byIndex = cli(['interpolate', '0', '5', '--run', run, '--dataset', dataset, '--frames', '4', '--json']);
    const byName = cli(['interpolate', 'shape-0.png', 'shape-5.png', '--run', run, '--dataset', dataset, '--frames', '4', '--json']);
    expect(byName.code, byName.stderr).toBe(0);
    expect(byName.json().z).toEqual(byIndex.json().z);
    const missing = cli(['interpolate', 'shape-0.png', 'nope.png', '--run', run, '--dataset', dataset]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('"nope.png" is not an image index, a latent vector or the name of an image in');
  });

  it('samples with a memorisation check and traverses dimensions', () => {
    const s = cli(['sample', '--run', run, '--dataset', dataset, '--count', '4', '--seed', '2', '--json']);
    expect(s.code, s.stderr).toBe(0);
    expect(s.json().nearest).toHaveLength(4);
    const out = path.join(tmp, 'trav');
    const t = cli(['traverse', '--run', run, '--dataset', dataset, '--base', '3', '--dims', '0,2', '--steps', '5', '--out', out, '--format', 'sheet', '--padding', '0', '--extrude', '0', '--json']);
    expect(t.code, t.stderr).toBe(0);
    expect(t.json()).toMatchObject({ dims: [0, 2], values: [-3, -1.5, 0, 1.5, 3] });
    // One row per swept dimension: 5 columns x 2 rows of 16-pixel cells.
    expect(JSON.parse(readFileSync(path.join(out, 'sheet.json'), 'utf8')).meta.size).toEqual({ w: 80, h: 32 });
  });

  it('exports latent vectors from a file and rejects bad flags with one line', async () => {
    const zFile = path.join(tmp, 'z.json');
    await fs.writeFile(
      zFile,
      JSON.stringify([
        [0, 0, 0],
        [1, 1, 1],
      ]),
    );
    const out = path.join(tmp, 'exp');
    const r = cli(['export', '--latents', zFile, '--run', run, '--out', out, '--format', 'webp', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().files).toEqual([path.join(out, 'sheet.webp')]);
    const bad = cli(['interpolate', '0', '1', '--run', run, '--dataset', dataset, '--method', 'zigzag']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--method');
  });

  it('writes the sheet in the layout asked for: a traversal as Aseprite JSON with one tag per row, a path as an indexed Godot sheet', async () => {
    const trav = path.join(tmp, 'trav-aseprite');
    const t = cli(['traverse', '--run', run, '--dataset', dataset, '--dims', '1,2', '--steps', '4', '--out', trav, '--format', 'sheet', '--layout', 'aseprite', '--ping-pong', '--json']);
    expect(t.code, t.stderr).toBe(0);
    const aseprite = JSON.parse(readFileSync(path.join(trav, 'sheet.json'), 'utf8'));
    expect(aseprite.frames).toHaveLength(8);
    expect(aseprite.meta.frameTags).toEqual([
      { name: 'sheet-dim1', from: 0, to: 3, direction: 'pingpong', color: '#000000ff' },
      { name: 'sheet-dim2', from: 4, to: 7, direction: 'pingpong', color: '#000000ff' },
    ]);
    const godot = path.join(tmp, 'path-godot');
    const g = cli(['interpolate', '0', '5', '--run', run, '--dataset', dataset, '--frames', '5', '--out', godot, '--format', 'png,sheet', '--layout', 'godot', '--indexed', '--trim', '--json']);
    expect(g.code, g.stderr).toBe(0);
    expect(g.json().pixelArt.colors).toBe(32); // --indexed alone finishes with the default palette size
    const tres = readFileSync(path.join(godot, 'sheet.tres'), 'utf8');
    expect(tres.startsWith('[gd_resource type="SpriteFrames" load_steps=7 format=3]')).toBe(true);
    for (const png of ['sheet.png', 'frame-2.png']) expect(readFileSync(path.join(godot, png))[25], png).toBe(3); // colour type 3: palette
    const badPivot = cli(['interpolate', '0', '5', '--run', run, '--dataset', dataset, '--out', path.join(tmp, 'never'), '--pivot', '0.5,2']);
    expect(badPivot.code).toBe(2);
    expect(badPivot.stderr).toContain('--pivot');
    const badLayout = cli(['interpolate', '0', '5', '--run', run, '--dataset', dataset, '--out', path.join(tmp, 'never'), '--layout', 'unity']);
    expect(badLayout.code).toBe(2);
    expect(badLayout.stderr).toContain('--layout');
  });

  it('exports the latent map for the Embedding Projector: one TSV row per image, the sprite in its square grid', async () => {
    const out = path.join(tmp, 'projector');
    const r = cli(['export', '--projector', '--run', run, '--dataset', dataset, '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ count: 48, latentDim: 3, singleImageDim: [16, 16], spriteGrid: 7 });
    const vectors = readFileSync(path.join(out, 'vectors.tsv'), 'utf8').trimEnd().split('\n');
    expect(vectors).toHaveLength(48);
    expect(vectors.every((row) => row.split('\t').length === 3 && row.split('\t').every((v) => Number.isFinite(Number(v))))).toBe(true);
    const metadata = readFileSync(path.join(out, 'metadata.tsv'), 'utf8').trimEnd().split('\n');
    expect(metadata[0]).toBe('file\tlabel\tkl_nats\treconstruction_error');
    expect(metadata).toHaveLength(49);
    expect(metadata[1].split('\t')[0]).toBe('shape-0.png');
    // ceil(sqrt(48)) = 7 thumbnails a side.
    expect(await sharp(path.join(out, 'sprite.png')).metadata()).toMatchObject({ width: 112, height: 112 });
    const config = JSON.parse(readFileSync(path.join(out, 'projector_config.json'), 'utf8'));
    expect(config.embeddings[0]).toMatchObject({ tensorShape: [48, 3], tensorPath: 'vectors.tsv', metadataPath: 'metadata.tsv', sprite: { imagePath: 'sprite.png', singleImageDim: [16, 16] } });
  });
});
