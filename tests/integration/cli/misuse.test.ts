/**
 * A scripted misuse run over the CLI: every destructive flag combination the trust issue
 * found, each refused with exit 2 and a message that names the way forward, and nothing on
 * disk changed (a hash of every file in the work folder before and after).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requireBuilt } from '../../helpers/built';
import { writePngs } from '../../helpers/images';

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [requireBuilt('src/cli.js'), ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file under `dir` (relative path, size, SHA-256): equal before and after means nothing changed. */
function hashTree(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => statSync(path.join(dir, f)).isFile())
    .sort()
    .map(
      (f) =>
        `${f} ${createHash('sha256')
          .update(readFileSync(path.join(dir, f)))
          .digest('hex')}`,
    );
}

let work: string;
const at = (...p: string[]) => path.join(work, ...p);

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'atlas-misuse-'));
  await writePngs(at('in'), 24, 16);
  await writePngs(at('in2'), 6, 16);
  // A folder of the user's own documents that happens to hold an index.json.
  mkdirSync(at('docs', 'src'), { recursive: true });
  writeFileSync(at('docs', 'index.json'), '{"toc": []}');
  writeFileSync(at('docs', 'notes.txt'), 'my notes');
  writeFileSync(at('docs', 'src', 'main.c'), 'int main(void) { return 0; }');
  expect(cli(['import', at('in'), '--out', at('ds'), '--size', '16', '--no-cache']).code).toBe(0);
  expect(cli(['train', at('ds'), '--run', at('run'), '--epochs', '1', '--batch-size', '8', '--latent-dim', '4', '--architecture', 'conv']).code).toBe(0);
  expect(cli(['sample', '--run', at('run'), '--dataset', at('ds'), '--count', '3', '--out', at('exp'), '--format', 'png,sheet']).code).toBe(0);
  expect(cli(['interpolate', '0', '1', '--run', at('run'), '--dataset', at('ds'), '--frames', '4', '--out', at('path')]).code).toBe(0);
  expect(cli(['export', '--projector', '--run', at('run'), '--dataset', at('ds'), '--out', at('proj')]).code).toBe(0);
}, 600_000);

/** Each misuse, and the words its message must contain to show the way forward. */
const MISUSES: { what: string; args: () => string[]; says: RegExp }[] = [
  { what: 'import onto an existing dataset', args: () => ['import', at('in2'), '--out', at('ds'), '--size', '16'], says: /--overwrite/ },
  { what: 'import onto a folder of documents with an index.json', args: () => ['import', at('in2'), '--out', at('docs'), '--size', '16'], says: /not a Latent Atlas dataset|not a dataset|not empty/i },
  {
    what: 'import --overwrite onto a folder of documents',
    args: () => ['import', at('in2'), '--out', at('docs'), '--size', '16', '--overwrite'],
    says: /not a Latent Atlas dataset|not a dataset|not empty/i,
  },
  { what: 'train onto an existing run without --resume or --new', args: () => ['train', at('ds'), '--run', at('run'), '--epochs', '1'], says: /--resume.*--new|--new.*--resume/ },
  { what: 'train --resume and --new together', args: () => ['train', at('ds'), '--run', at('run'), '--resume', '--new'], says: /--resume|--new/ },
  { what: 'sample over existing frames', args: () => ['sample', '--run', at('run'), '--dataset', at('ds'), '--count', '3', '--out', at('exp'), '--format', 'png,sheet'], says: /--overwrite/ },
  { what: 'interpolate over existing frames', args: () => ['interpolate', '0', '1', '--run', at('run'), '--dataset', at('ds'), '--frames', '4', '--out', at('path')], says: /--overwrite/ },
  { what: 'projector export over an existing one', args: () => ['export', '--projector', '--run', at('run'), '--dataset', at('ds'), '--out', at('proj')], says: /--overwrite/ },
  { what: 'a negative epoch count', args: () => ['train', at('ds'), '--run', at('run-new'), '--epochs', '-1'], says: /--epochs/ },
  { what: 'a fractional batch size', args: () => ['train', at('ds'), '--run', at('run-new'), '--batch-size', '2.5'], says: /--batch-size/ },
];

describe('CLI misuse run', () => {
  it('refuses every destructive combination with exit 2 and a message naming the way forward, and changes nothing on disk', () => {
    const before = hashTree(work);
    const outcomes = MISUSES.map((m) => {
      const r = cli(m.args());
      return { what: m.what, code: r.code, says: m.says.test(r.stderr), stderr: r.stderr.trim().split('\n').slice(-2).join(' | ') };
    });
    console.log(JSON.stringify({ cli_misuse: { cases: outcomes.length, refused_exit_2: outcomes.filter((o) => o.code === 2).length } }));
    for (const o of outcomes) {
      expect(o.code, `${o.what}: ${o.stderr}`).toBe(2);
      expect(o.says, `${o.what}: ${o.stderr}`).toBe(true);
    }
    expect(hashTree(work)).toEqual(before);
  }, 600_000);
});
