import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { removeStaging, stageFiles, stagingDir } from '../../../src/data/staging';

let work: string;
let outside: string;
let saved: string | undefined;
beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'atlas-staging-ws-'));
  outside = mkdtempSync(path.join(tmpdir(), 'atlas-staging-outside-'));
  saved = process.env.LATENT_ATLAS_WORKSPACE;
  process.env.LATENT_ATLAS_WORKSPACE = work;
});
afterAll(() => {
  if (saved === undefined) delete process.env.LATENT_ATLAS_WORKSPACE;
  else process.env.LATENT_ATLAS_WORKSPACE = saved;
  rmSync(work, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

const file = (name: string, bytes: number) => ({ name, base64: Buffer.alloc(bytes, 7).toString('base64') });

describe('upload staging', () => {
  it('stages inside the workspace, keeps dropped folders and never climbs out with ..', async () => {
    expect(stagingDir('u1')).toBe(path.join(work, '.uploads', 'u1'));
    await stageFiles('u1', [file('birds/a.png', 10), file('../../../evil.png', 5)]);
    expect(existsSync(path.join(work, '.uploads', 'u1', 'birds', 'a.png'))).toBe(true);
    expect(existsSync(path.join(work, '.uploads', 'u1', 'evil.png'))).toBe(true);
    await removeStaging('u1');
    expect(existsSync(stagingDir('u1'))).toBe(false);
  });

  it('refuses an upload past its size limit, counting what earlier calls staged', async () => {
    await stageFiles('u2', [file('a.png', 60)], 100);
    await expect(stageFiles('u2', [file('b.png', 30), file('c.png', 30)], 100)).rejects.toThrow(/u2.*limit of 100 bytes at c\.png/);
    // What fitted was kept; the file that would pass the limit was not written.
    expect(readdirSync(stagingDir('u2')).sort()).toEqual(['a.png', 'b.png']);
  });

  it('does not follow a link planted in the staging folder, to a folder or to a file', async () => {
    mkdirSync(stagingDir('u3'), { recursive: true });
    symlinkSync(outside, path.join(stagingDir('u3'), 'linked'));
    await expect(stageFiles('u3', [file('linked/x.png', 4)])).rejects.toThrow(/outside its staging folder/);
    const victim = path.join(outside, 'victim.txt');
    writeFileSync(victim, 'keep me');
    symlinkSync(victim, path.join(stagingDir('u3'), 'y.png'));
    await expect(stageFiles('u3', [file('y.png', 4)])).rejects.toThrow(/already holds a file named y\.png/);
    expect(readdirSync(outside).sort()).toEqual(['victim.txt']);
    expect(readFileSync(victim, 'utf8')).toBe('keep me');
  });
});
