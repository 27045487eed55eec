#!/usr/bin/env node
// Type-checking electron/ needs Electron's type declarations. Where the electron package is
// installed they come with it; where its binary download failed (offline machines, CI) npm
// leaves it out, so this fetches just electron.d.ts for the locked version from the npm
// registry into node_modules/.cache/electron-types/, which tsconfig.json includes.
import { existsSync, readFileSync, rmSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cacheDir = path.join(root, 'node_modules', '.cache', 'electron-types');
const installed = path.join(root, 'node_modules', 'electron', 'electron.d.ts');

if (existsSync(installed)) {
  // Two copies of the declarations would clash: the installed package wins.
  rmSync(cacheDir, { recursive: true, force: true });
  process.exit(0);
}
const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
const version = lock.packages?.['node_modules/electron']?.version;
if (!version) throw new Error('package-lock.json does not pin electron; run npm install.');
const target = path.join(cacheDir, `electron-${version}.d.ts`);
if (existsSync(target)) process.exit(0);

rmSync(cacheDir, { recursive: true, force: true });
mkdirSync(cacheDir, { recursive: true });
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
execFileSync(npm, ['pack', `electron@${version}`, '--silent'], { cwd: cacheDir, stdio: ['ignore', 'ignore', 'inherit'] });
const tarball = readdirSync(cacheDir).find((f) => f.endsWith('.tgz'));
execFileSync('tar', ['-xzf', tarball, 'package/electron.d.ts'], { cwd: cacheDir });
// Renamed so the include glob in tsconfig.json picks exactly this file.
renameSync(path.join(cacheDir, 'package', 'electron.d.ts'), target);
rmSync(path.join(cacheDir, 'package'), { recursive: true, force: true });
rmSync(path.join(cacheDir, tarball), { force: true });
console.error(`electron-types: fetched type declarations of electron ${version} (the package itself is not installed).`);
