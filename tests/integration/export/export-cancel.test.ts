/**
 * Exports through the engine process: Cancel stops a 256-frame export within a frame or a file
 * and leaves the folder as it was (no frames, no temp); an export into a read-only folder
 * fails before any frame is encoded, saying why in words; a full disk keeps the earlier set;
 * a folder the user may not write to is refused with "permission denied".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initBackend } from '../../../src/backend/choose';
import type { ProgressEvent } from '../../../src/contract';
import { EngineClient } from '../../../src/host/client';
import { spawnNodeEngine } from '../../../src/host/spawn-node';
import { train } from '../../../src/train/train';
import { requireBuilt } from '../../helpers/built';
import { makeShapesDataset } from '../train/fixtures';

let engine: EngineClient;
let work: string;
let dataset: string;
let runDir: string;
const progress = new Map<string, ProgressEvent[]>();

beforeAll(async () => {
  await initBackend({ force: 'wasm' });
  work = mkdtempSync(path.join(tmpdir(), 'atlas-export-cancel-'));
  dataset = path.join(work, 'ds');
  runDir = path.join(work, 'run');
  const ds = await makeShapesDataset(dataset, { count: 48, size: 16, channels: 4, seed: 3 });
  await train({ architecture: 'conv', latentDim: 3, epochs: 1, batchSize: 16, previewCount: 0, valIwaeK: 0 }, ds, { checkpointDir: runDir });
  engine = new EngineClient(spawnNodeEngine({ entry: requireBuilt('src/engine.js'), env: { LATENT_ATLAS_BACKEND: 'wasm' } }));
  engine.on('progress', (p) => {
    const list = progress.get(p.requestId) ?? [];
    list.push(p);
    progress.set(p.requestId, list);
  });
}, 300_000);
afterAll(() => {
  engine?.close();
  rmSync(work, { recursive: true, force: true });
});

const path256 = (from: number, to: number) => ({ interpolate: { runDir, dataset, waypoints: [{ index: from }, { index: to }], frames: 256 } });
const hashes = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((f) => [
        f,
        createHash('sha256')
          .update(readFileSync(path.join(dir, f)))
          .digest('hex'),
      ]),
  );
const framesDone = (id: string, phase: string) => Math.max(0, ...(progress.get(id) ?? []).filter((p) => p.phase === phase).map((p) => p.done));

describe('export through the engine: cancel, unwritable folders', () => {
  it('Cancel during the frame encoding stops the export: no frame, no sheet, no temp is left', async () => {
    const outDir = path.join(work, 'cancel-encoding');
    const controller = new AbortController();
    const off = engine.on('progress', (p) => {
      if (p.requestId === 'x-enc' && ((p.phase === 'encoding' && p.done >= 8) || p.phase === 'writing')) controller.abort();
    });
    const started = engine.request('export.frames', { source: path256(0, 9), outDir, formats: ['png', 'sheet', 'gif', 'webp'], scale: 8 }, { requestId: 'x-enc', signal: controller.signal });
    await expect(started).rejects.toMatchObject({ code: 'cancelled' });
    off();
    // The 256 frames + sheet + atlas + GIF + WebP (260 files) were never written.
    expect(readdirSync(outDir)).toEqual([]);
    expect(framesDone('x-enc', 'encoding')).toBeLessThan(256);
    expect(framesDone('x-enc', 'writing')).toBe(0);
    // The engine carries on: the same export, not cancelled, writes all 260 files.
    const full = await engine.request('export.frames', { source: path256(0, 9), outDir, formats: ['png', 'sheet', 'gif', 'webp'], scale: 8 });
    expect(full.files).toHaveLength(260);
    expect(readdirSync(outDir)).toHaveLength(260);
  });

  it('Cancel while the sheet, GIF and WebP are encoded (after the last frame) also leaves nothing', async () => {
    const outDir = path.join(work, 'cancel-animations');
    const controller = new AbortController();
    const off = engine.on('progress', (p) => p.requestId === 'x-anim' && p.phase === 'encoding' && p.done === 256 && controller.abort());
    await expect(
      engine.request('export.frames', { source: path256(1, 8), outDir, formats: ['png', 'sheet', 'gif', 'webp'], scale: 8 }, { requestId: 'x-anim', signal: controller.signal }),
    ).rejects.toMatchObject({ code: 'cancelled' });
    off();
    expect(framesDone('x-anim', 'encoding')).toBe(256);
    expect(framesDone('x-anim', 'writing')).toBe(0);
    expect(readdirSync(outDir)).toEqual([]);
  });

  it('Cancel while the files are written keeps the earlier set byte for byte and removes the staged files', async () => {
    const outDir = path.join(work, 'cancel-writing');
    await engine.request('export.frames', { source: path256(0, 9), outDir, formats: ['png', 'sheet'] });
    const before = hashes(outDir);
    expect(Object.keys(before)).toHaveLength(258);
    const controller = new AbortController();
    const off = engine.on('progress', (p) => p.requestId === 'x-write' && p.phase === 'writing' && p.done >= 3 && controller.abort());
    await expect(
      engine.request('export.frames', { source: path256(3, 7), outDir, formats: ['png', 'sheet'], overwrite: true }, { requestId: 'x-write', signal: controller.signal }),
    ).rejects.toMatchObject({ code: 'cancelled' });
    off();
    expect(framesDone('x-write', 'writing')).toBeGreaterThanOrEqual(3);
    expect(hashes(outDir)).toEqual(before);
    // Not cancelled, the other path replaces the set: every frame differs in at least one file.
    await engine.request('export.frames', { source: path256(3, 7), outDir, formats: ['png', 'sheet'], overwrite: true });
    const after = hashes(outDir);
    expect(Object.keys(after)).toEqual(Object.keys(before));
    expect(Object.keys(after).filter((f) => after[f] !== before[f]).length).toBeGreaterThan(200);
  });

  it('still refuses to replace existing files without overwrite, naming them in detail.existing', async () => {
    const outDir = path.join(work, 'cancel-writing');
    await expect(engine.request('export.frames', { source: path256(0, 9), outDir, formats: ['png', 'sheet'] })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('258 files already exist'),
      detail: { existing: expect.arrayContaining([path.join(outDir, 'frame-000.png'), path.join(outDir, 'sheet.json')]) },
    });
  });

  it.runIf(process.getuid?.() === 0)('a read-only folder fails before any frame is encoded, naming the folder and the reason', async () => {
    // Root ignores permissions, so a read-only tmpfs gives the real EROFS.
    const ro = path.join(work, 'read-only');
    mkdirSync(ro);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,ro', 'tmpfs', ro]);
    try {
      for (const [id, outDir] of [
        ['ro-1', ro],
        ['ro-2', path.join(ro, 'new', 'folder')],
      ] as const) {
        const err = await engine.request('export.frames', { source: path256(0, 9), outDir, formats: ['png', 'sheet', 'gif'], scale: 8 }, { requestId: id }).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'io_error', message: expect.stringContaining(`Cannot write to the export folder ${path.resolve(outDir)}: the disk is read-only (EROFS)`) });
        expect((err as Error).message).toContain('choose a folder on a writable disk');
        expect((progress.get(id) ?? []).map((p) => p.phase)).not.toContain('encoding');
      }
      const projector = await engine.request('export.projector', { runDir, dataset, outDir: ro }).catch((e: unknown) => e);
      expect(projector).toMatchObject({ code: 'io_error', message: expect.stringContaining('read-only (EROFS)') });
    } finally {
      execFileSync('umount', [ro]);
    }
  });

  it.runIf(process.getuid?.() === 0)('a full disk keeps the earlier set byte for byte and leaves no staged files', async () => {
    const small = path.join(work, 'full');
    mkdirSync(small);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', small]);
    try {
      const outDir = path.join(small, 'frames');
      await engine.request('export.frames', { source: { interpolate: { runDir, dataset, waypoints: [{ index: 0 }, { index: 9 }], frames: 8 } }, outDir, formats: ['png'] });
      const before = hashes(outDir);
      let n = 0;
      try {
        for (;;) writeFileSync(path.join(small, `filler-${n++}`), Buffer.alloc(16384));
      } catch {
        /* full */
      }
      const err = await engine.request('export.frames', { source: path256(3, 7), outDir, formats: ['png', 'sheet'], scale: 8, overwrite: true }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'io_error', message: expect.stringContaining(`${outDir}: no space left on the disk (ENOSPC)`) });
      expect(hashes(outDir)).toEqual(before);
    } finally {
      execFileSync('umount', [small]);
    }
  });

  it.runIf(process.getuid?.() === 0)('a folder without write permission: the CLI says "permission denied" and names it (root capabilities dropped with setpriv)', () => {
    const locked = path.join(work, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    try {
      const out = path.join(locked, 'frames');
      const r = spawnSync(
        'setpriv',
        ['--bounding-set', '-dac_override,-dac_read_search', process.execPath, requireBuilt('src/cli.js'), 'sample', '--run', runDir, '--dataset', dataset, '--count', '4', '--out', out],
        {
          encoding: 'utf8',
          env: { ...process.env, LATENT_ATLAS_BACKEND: 'wasm' },
        },
      );
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain(`Cannot write to the export folder ${out}: permission denied (EACCES)`);
      expect(r.stderr).toContain('change its permissions');
      expect(readdirSync(locked)).toEqual([]);
    } finally {
      chmodSync(locked, 0o755);
    }
  });
});
