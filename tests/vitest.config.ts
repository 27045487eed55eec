import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root,
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
