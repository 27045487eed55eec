#!/usr/bin/env node
// `npm test`: build, type-check (tsc for the Node side, svelte-check for the renderer), then
// unit, integration and e2e tests with vitest. Ends with one plain line:
//   tests: N passed, N failed
// Each type-check and the Biome check (format + lint, `npm run lint`) counts as one test. Extra
// arguments go to vitest (e.g. a folder to run).
import { spawnSync } from 'node:child_process';
import { readFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (pkg, file) => path.join(root, 'node_modules', pkg, file);
const run = (label, args) => {
  process.stderr.write(`\n== ${label}\n`);
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  return r.status === 0;
};

let passed = 0;
let failed = 0;
const failures = [];
const check = (label, ok) => {
  if (ok) passed++;
  else {
    failed++;
    failures.push(label);
  }
  return ok;
};

if (!run('build', ['src/tooling/build.mjs'])) {
  console.log('tests: 0 passed, 1 failed (the build failed)');
  process.exit(1);
}
check('electron type declarations', run('electron type declarations', ['src/tooling/electron-types.mjs']));
check('tsc (src, electron, tests)', run('tsc', [bin('typescript', 'bin/tsc'), '-p', 'tsconfig.json', '--noEmit']));
check('biome (format and lint, whole tree)', run('biome ci', [bin('@biomejs/biome', 'bin/biome'), 'ci', '.']));
check('svelte-check (renderer)', run('svelte-check', [bin('svelte-check', 'bin/svelte-check'), '--tsconfig', 'renderer/tsconfig.json', '--fail-on-warnings', '--threshold', 'warning']));

const artifacts = path.join(root, 'tests', 'artifacts');
rmSync(artifacts, { recursive: true, force: true });
mkdirSync(artifacts, { recursive: true });
const report = path.join(artifacts, 'vitest.json');
run('vitest (unit, integration, e2e)', [
  bin('vitest', 'vitest.mjs'),
  'run',
  '--config',
  'tests/vitest.config.ts',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
  ...process.argv.slice(2),
]);
try {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed += json.numPassedTests;
  failed += json.numFailedTests;
  for (const file of json.testResults) {
    const name = path.relative(root, file.name);
    const why = (file.message ?? '').split('\n')[0];
    // A file that fails to load has no tests to count: count it as a failure.
    if (file.status === 'failed' && file.assertionResults.length === 0) {
      failed++;
      failures.push(`${name}${why ? `: ${why}` : ''}`);
    }
    for (const t of file.assertionResults) {
      if (t.status === 'failed') failures.push(`${name} > ${t.fullName}`);
      // Nothing here is skipped on purpose: a test that did not run (its beforeAll failed,
      // e.g. no browser) is a failure, with the reason the file gave.
      else if (t.status !== 'passed') {
        failed++;
        failures.push(`${name} > ${t.fullName}: did not run${why ? ` (${why})` : ''}`);
      }
    }
  }
} catch (err) {
  failed++;
  failures.push(`vitest report unreadable: ${err.message}`);
}
if (failures.length) console.log(`\nFailed:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
