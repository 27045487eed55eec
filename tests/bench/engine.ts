/**
 * Raw matmul throughput of each tfjs backend present, and wasm's ratio to cpu measured in
 * the same run: the ceiling every other benchmark is compared against.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/choose';
import type { BenchLine } from './types';

async function matmulGflops(size: number, seconds: number): Promise<number> {
  const a = tf.randomUniform([size, size], -1, 1, 'float32', 1);
  const b = tf.randomUniform([size, size], -1, 1, 'float32', 2);
  await tf.matMul(a, b).data();
  let iterations = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000 || iterations < 2) {
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
    iterations++;
  }
  const elapsed = (performance.now() - start) / 1000;
  a.dispose();
  b.dispose();
  return (2 * size ** 3 * iterations) / elapsed / 1e9;
}

export async function run(): Promise<BenchLine[]> {
  const lines: BenchLine[] = [];
  const measured: Record<string, number> = {};
  for (const force of ['tensorflow', 'wasm', 'cpu'] as const) {
    let label: string;
    try {
      label = (await initBackend({ force })).label;
    } catch {
      continue; // not installed here
    }
    const size = force === 'cpu' ? 256 : 512;
    const gflops = await matmulGflops(size, force === 'cpu' ? 1 : 2);
    measured[label] = gflops;
    lines.push({ bench: 'engine', metric: 'matmul_gflops', value: round(gflops), unit: 'GFLOPS', backend: label, size });
  }
  if (measured.wasm && measured.cpu) lines.push({ bench: 'engine', metric: 'speedup_vs_cpu', value: round(measured.wasm / measured.cpu), unit: 'x', backend: 'wasm' });
  return lines;
}

const round = (x: number) => Math.round(x * 100) / 100;
