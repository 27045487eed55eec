import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/built';

/**
 * The import rules of .dependency-cruiser.cjs (layers, one writer of run records, no cycles),
 * checked with dependency-cruiser on the real tree, and on a small tree that breaks each rule
 * once, to show that every rule can fail.
 */
const cli = path.join(repoRoot, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const config = path.join(repoRoot, '.dependency-cruiser.cjs');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

function cruise(cwd: string, roots: string[]): Violation[] {
  let out: string;
  try {
    out = execFileSync(process.execPath, [cli, ...roots, '--config', config, '--output-type', 'json'], { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  } catch (err) {
    // Violations of severity "error" make it exit non-zero; the report is still on stdout.
    out = (err as { stdout?: string }).stdout ?? '';
    if (!out) throw err;
  }
  return (JSON.parse(out) as { summary: { violations: Violation[] } }).summary.violations;
}

const temp: string[] = [];
afterAll(() => {
  for (const dir of temp) rmSync(dir, { recursive: true, force: true });
});

describe('import rules', () => {
  it('hold for src, electron and renderer as they are', { timeout: 300_000 }, () => {
    const violations = cruise(repoRoot, ['src', 'electron', 'renderer']);
    expect(violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).toEqual([]);
  });

  it('fail on a tree that breaks each of them, naming the rule and the import', { timeout: 120_000 }, () => {
    const root = mkdtempSync(path.join(tmpdir(), 'atlas-import-rules-'));
    temp.push(root);
    const files: Record<string, string> = {
      'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'ESNext', moduleResolution: 'Bundler', strict: true } }),
      'src/contract.ts': "export const channels = ['project.save'];\n",
      // A module the renderer may import pulls in the engine's project code.
      'src/errors.ts': "import { saveProject } from './project/project';\nexport const x = saveProject;\n",
      'src/project/project.ts': 'export function saveProject(): void {}\n',
      'src/train/train.ts': "import { vae } from '../model/vae';\nexport const run = vae;\n",
      // The model reaches up into training, and back: a cycle.
      'src/model/vae.ts': "import { run } from '../train/train';\nexport const vae = () => run;\n",
      // A library takes a cache from a handler (the handler table may import handlers; a library may not).
      'src/handlers/data.ts': 'export const openCache = new Map<string, unknown>();\n',
      'src/latent/session.ts': "import { openCache } from '../handlers/data';\nexport const session = () => openCache;\n",
      'src/engine.ts': "import { openCache } from './handlers/data';\nexport const handlers = { openCache };\n",
      // The renderer writes a run record through the engine's project module.
      'renderer/lib/project.ts': "import { saveProject } from '../../src/project/project';\nimport { channels } from '../../src/contract';\nexport const save = () => [saveProject, channels];\n",
      // Electron main loads the model (and with it tfjs).
      'electron/main.ts': "import { vae } from '../src/model/vae';\nexport const m = vae;\n",
    };
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), text);
    }
    const violations = cruise(root, ['src', 'electron', 'renderer']);
    const seen = (rule: string) => violations.filter((v) => v.rule.name === rule).map((v) => `${v.from} -> ${v.to}`);
    expect(seen('renderer-imports-only-the-contract')).toEqual(['renderer/lib/project.ts -> src/project/project.ts']);
    expect(seen('renderer-never-writes-run-records')).toEqual(expect.arrayContaining(['renderer/lib/project.ts -> src/project/project.ts']));
    expect(seen('renderer-shared-modules-stay-light')).toEqual(['src/errors.ts -> src/project/project.ts']);
    expect(seen('electron-never-loads-engine-libraries')).toEqual(expect.arrayContaining(['electron/main.ts -> src/model/vae.ts']));
    expect(seen('model-never-imports-train')).toEqual(['src/model/vae.ts -> src/train/train.ts']);
    expect(seen('library-never-imports-a-handler')).toEqual(['src/latent/session.ts -> src/handlers/data.ts']);
    expect(seen('no-circular').length).toBeGreaterThan(0);
  });
});
