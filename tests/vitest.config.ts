import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';
import { compileModule } from 'svelte/compiler';
import type { Plugin } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * The renderer's rune modules (*.svelte.ts: $state and $derived in its store classes) compiled
 * with Svelte's client compiler, as the app's build does, so the stores' logic runs in unit
 * tests. Only *.svelte.ts files are touched, after Vite has stripped their types; components
 * (.svelte) stay out of the unit tests (the e2e tests drive them in a real browser).
 */
function svelteRunes(): Plugin {
  return {
    name: 'latent-atlas:svelte-runes',
    enforce: 'post',
    transform(code, id) {
      const file = id.split('?')[0];
      if (!file.endsWith('.svelte.ts')) return null;
      const compiled = compileModule(code, { filename: file, generate: 'client', dev: false });
      return { code: compiled.js.code, map: compiled.js.map };
    },
  };
}

export default defineConfig({
  root,
  plugins: [svelteRunes()],
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts', 'tests/e2e/**/*.test.ts'],
    // Numeric tests and real training steps are CPU-heavy; two cores means two files at a time.
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // A poll waits on the engine, the disk or a new frame; on a loaded 2-core CI machine one
    // second (vitest's default) is not enough. Polls that need longer still say so.
    expect: { poll: { timeout: 30_000, interval: 100 } },
  },
});
