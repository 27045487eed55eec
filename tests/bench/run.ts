/**
 * `npm run bench -- <name> [flags]`: runs one benchmark (or `all`) and prints one JSON object
 * per line on stdout. Benchmarks measure; they never pass or fail on a number. Flags after the
 * name go to that benchmark (only `quality` takes any). `all` leaves out `quality`, which trains
 * for many minutes: run it by name.
 */
import type { BenchLine, BenchModule } from './types';

/** A benchmark that takes flags and may print its lines as it goes (then it returns none). */
type FlaggedBench = { run(ctx?: { argv?: string[]; print?: (line: BenchLine) => void }): Promise<BenchLine[]> };

const benches: Record<string, () => Promise<BenchModule>> = {
  engine: () => import('./engine'),
  faults: () => import('./faults'),
  import: () => import('./import'),
  kernels: () => import('./kernels'),
  latent: () => import('./latent'),
  layouts: () => import('./layouts'),
  quality: () => import('./quality'),
  render: () => import('./render'),
  train: () => import('./train'),
};

/** Benchmarks `all` skips (they take long; run them by name). */
const notInAll = new Set(['quality', 'layouts', 'faults']);
/** Benchmarks that take flags (FlaggedBench). */
const takesFlags = new Set(['quality']);

async function main(): Promise<void> {
  const name = process.argv[2] ?? 'all';
  const flags = process.argv.slice(3);
  const names = name === 'all' ? Object.keys(benches).filter((n) => !notInAll.has(n)) : [name];
  for (const n of names) {
    if (!benches[n]) {
      process.stderr.write(`bench: unknown benchmark "${n}"; available: ${Object.keys(benches).join(', ')}, all (all leaves out ${[...notInAll].join(', ')})\n`);
      process.exitCode = 2;
      return;
    }
  }
  if (flags.length > 0 && (name === 'all' || !takesFlags.has(name))) {
    process.stderr.write(`bench: ${name} takes no flags (got ${flags.join(' ')}); only ${[...takesFlags].join(', ')} does\n`);
    process.exitCode = 2;
    return;
  }
  for (const n of names) {
    process.stderr.write(`bench: running ${n}...\n`);
    const print = (line: BenchLine): void => {
      process.stdout.write(JSON.stringify(line) + '\n');
    };
    const mod = await benches[n]();
    const lines: BenchLine[] = takesFlags.has(n) ? await (mod as FlaggedBench).run({ argv: flags, print }) : await mod.run();
    lines.forEach(print);
  }
}

main().catch((err) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
