/**
 * `npm run bench -- <name>`: runs one benchmark (or `all`) and prints one JSON object per
 * line on stdout. Benchmarks measure; they never pass or fail on a number.
 */
import type { BenchLine, BenchModule } from './types';

const benches: Record<string, () => Promise<BenchModule>> = {
  engine: () => import('./engine'),
  import: () => import('./import'),
  kernels: () => import('./kernels'),
  latent: () => import('./latent'),
  render: () => import('./render'),
  train: () => import('./train'),
};

async function main(): Promise<void> {
  const name = process.argv[2] ?? 'all';
  const names = name === 'all' ? Object.keys(benches) : [name];
  for (const n of names) {
    if (!benches[n]) {
      process.stderr.write(`bench: unknown benchmark "${n}"; available: ${Object.keys(benches).join(', ')}, all\n`);
      process.exitCode = 2;
      return;
    }
  }
  for (const n of names) {
    process.stderr.write(`bench: running ${n}...\n`);
    const lines: BenchLine[] = await (await benches[n]()).run();
    for (const line of lines) process.stdout.write(JSON.stringify(line) + '\n');
  }
}

main().catch((err) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
