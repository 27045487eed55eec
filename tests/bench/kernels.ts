/**
 * Kernel benchmark for the wasm backend: plain matmul throughput (the ceiling), each Latent
 * Atlas kernel against the stock one, and one full training step of a conv VAE shaped like
 * the default model at 32x32x4, batch 64. `run()` returns one line per measurement.
 *
 * speedup_vs_cpu comes from one cpu-backend step of LA_BENCH_CPU_BATCH images (default 8: at
 * ~0.02 GFLOPS a 64-image step takes minutes; per-image cost barely depends on the batch);
 * LA_BENCH_SKIP_CPU=1 skips it.
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/choose';
import { registerWasmTrainingKernels, restoreStockWasmKernels } from '../../src/backend/wasm/register';

import type { BenchLine } from './types';

export type { BenchLine };

/**
 * Median ms per call after one warm-up, over at least `minIters` calls and `minMs`: the median
 * keeps GC pauses and other processes on these shared 2-core machines out of the number.
 */
function timeMs(fn: () => void, minMs = 400, minIters = 3): number {
  fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minIters || performance.now() - start < minMs) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs a kernel through the engine and reads the result so the work really happens. */
function kernelRunner(name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap): () => void {
  return () => {
    const out = tf.engine().runKernel(name, inputs, attrs) as tf.Tensor;
    out.dataSync();
    out.dispose();
  };
}

/** Images per cpu-backend baseline call (see benchKernels). */
const CPU_IMAGES = 4;
const gflops = (flop: number, ms: number): number => flop / ms / 1e6;
const round = (v: number, digits = 3): number => Number(v.toPrecision(digits));

interface KernelCase {
  bench: string;
  kernel: string;
  flop: number;
  shapes: string;
  make: () => { inputs: tf.NamedTensorMap; attrs: tf.NamedAttrMap };
}

function kernelCases(): KernelCase[] {
  const r = (shape: number[]) => tf.randomNormal(shape);
  const cases: KernelCase[] = [
    {
      bench: 'dense_dW_transposeA',
      kernel: 'BatchMatMul',
      flop: 2 * 64 * 1024 * 256,
      shapes: 'a[1,64,1024]^T b[1,64,256]',
      make: () => ({ inputs: { a: r([1, 64, 1024]), b: r([1, 64, 256]) }, attrs: { transposeA: true, transposeB: false } }),
    },
    {
      bench: 'dense_dx_transposeB',
      kernel: 'BatchMatMul',
      flop: 2 * 64 * 1024 * 256,
      shapes: 'a[1,64,256] b[1,1024,256]^T',
      make: () => ({ inputs: { a: r([1, 64, 256]), b: r([1, 1024, 256]) }, attrs: { transposeA: false, transposeB: true } }),
    },
    {
      bench: 'batched_matmul_b8',
      kernel: 'BatchMatMul',
      flop: 2 * 8 * 256 * 256 * 256,
      shapes: 'a[8,256,256] b[8,256,256]',
      make: () => ({ inputs: { a: r([8, 256, 256]), b: r([8, 256, 256]) }, attrs: { transposeA: false, transposeB: false } }),
    },
  ];
  // Conv2DBackpropInput: decoder up-convs (their forward pass) and a stride-1 3x3 gradient.
  const backpropInput = (name: string, dy: number[], filter: number[], inputShape: number[], strides: number) => {
    const [kh, kw, ci, co] = filter;
    cases.push({
      bench: name,
      kernel: 'Conv2DBackpropInput',
      flop: 2 * dy[0] * dy[1] * dy[2] * co * kh * kw * ci,
      shapes: `dy[${dy}] filter[${filter}] s${strides}`,
      make: () => ({
        inputs: { dy: r(dy), filter: r(filter) },
        attrs: { inputShape, strides, pad: 'same', dataFormat: 'NHWC' },
      }),
    });
  };
  backpropInput('convT_8to16_64to32_k4s2', [64, 8, 8, 64], [4, 4, 32, 64], [64, 16, 16, 32], 2);
  backpropInput('convT_16to32_32to4_k4s2', [64, 16, 16, 32], [4, 4, 4, 32], [64, 32, 32, 4], 2);
  backpropInput('conv_dx_16x16_32to32_k3s1', [64, 16, 16, 32], [3, 3, 32, 32], [64, 16, 16, 32], 1);
  // Conv2DBackpropFilter: encoder convs (dilated-conv path for >= 32 channels, im2col below).
  const backpropFilter = (name: string, x: number[], dy: number[], filterShape: number[], strides: number) => {
    const [kh, kw, ci, co] = filterShape;
    cases.push({
      bench: name,
      kernel: 'Conv2DBackpropFilter',
      flop: 2 * dy[0] * dy[1] * dy[2] * co * kh * kw * ci,
      shapes: `x[${x}] dy[${dy}] filter[${filterShape}] s${strides}`,
      make: () => ({
        inputs: { x: r(x), dy: r(dy) },
        attrs: { filterShape, strides, pad: 'same', dataFormat: 'NHWC' },
      }),
    });
  };
  backpropFilter('enc_conv1_dW_16to8_32to64_k4s2', [64, 16, 16, 32], [64, 8, 8, 64], [4, 4, 32, 64], 2);
  backpropFilter('enc_conv0_dW_32to16_4to32_k4s2', [64, 32, 32, 4], [64, 16, 16, 32], [4, 4, 4, 32], 2);
  backpropFilter('convT_16to32_dW_4ch_k4s2', [64, 32, 32, 4], [64, 16, 16, 32], [4, 4, 4, 32], 2);
  backpropFilter('conv_dW_16x16_32to32_k3s1', [64, 16, 16, 32], [64, 16, 16, 32], [3, 3, 32, 32], 1);
  return cases;
}

async function benchKernels(lines: BenchLine[]): Promise<number> {
  // Plain matmul: the ceiling every other number is compared with.
  let peak = 0;
  for (const [m, k, n] of [
    [512, 512, 512],
    [4096, 64, 256],
    [16384, 64, 512],
  ]) {
    const a = tf.randomNormal([m, k]);
    const b = tf.randomNormal([k, n]);
    const ms = timeMs(() => {
      const c = tf.matMul(a, b);
      c.dataSync();
      c.dispose();
    });
    const value = gflops(2 * m * k * n, ms);
    peak = Math.max(peak, value);
    lines.push({ bench: 'matmul_plain', metric: 'gflops', value: round(value), unit: 'GFLOPS', backend: 'wasm', m, k, n, ms: round(ms) });
    tf.dispose([a, b]);
  }

  for (const c of kernelCases()) {
    const { inputs, attrs } = c.make();
    registerWasmTrainingKernels();
    const oursMs = timeMs(kernelRunner(c.kernel, inputs, attrs));
    let baseMs: number;
    let baseline: string;
    if (c.kernel === 'Conv2DBackpropFilter') {
      // wasm has no stock kernel for this: compare with the cpu backend, one call on the first
      // CPU_IMAGES images (at ~0.02 GFLOPS a full batch takes 20 s), scaled to the full batch.
      await tf.setBackend('cpu');
      const batch = inputs.x.shape[0];
      const cpuInputs = Object.fromEntries(
        Object.entries(inputs).map(([k, t]) => {
          const per = t.size / batch;
          return [k, tf.tensor(t.dataSync().slice(0, per * CPU_IMAGES), [CPU_IMAGES, ...t.shape.slice(1)])];
        }),
      ) as tf.NamedTensorMap;
      const t0 = performance.now();
      kernelRunner(c.kernel, cpuInputs, attrs)();
      baseMs = ((performance.now() - t0) * batch) / CPU_IMAGES;
      tf.dispose(Object.values(cpuInputs));
      await tf.setBackend('wasm');
      baseline = 'cpu backend';
    } else {
      restoreStockWasmKernels();
      baseMs = timeMs(kernelRunner(c.kernel, inputs, attrs), 400, 1);
      registerWasmTrainingKernels();
      baseline = 'stock wasm';
    }
    const context = { kernel: c.kernel, shapes: c.shapes, mflop: round(c.flop / 1e6) };
    lines.push({ bench: c.bench, metric: 'gflops', value: round(gflops(c.flop, oursMs)), unit: 'GFLOPS', backend: 'wasm', impl: 'latent-atlas', ms: round(oursMs), ...context });
    lines.push({
      bench: c.bench,
      metric: 'gflops',
      value: round(gflops(c.flop, baseMs)),
      unit: 'GFLOPS',
      backend: baseline === 'cpu backend' ? 'cpu' : 'wasm',
      impl: baseline,
      ms: round(baseMs),
      ...context,
    });
    lines.push({ bench: c.bench, metric: `speedup_vs_${baseline === 'cpu backend' ? 'cpu' : 'stock'}`, value: round(baseMs / oursMs), unit: 'x', backend: 'wasm', ...context });
    tf.dispose(Object.values(inputs));
  }
  return peak;
}

/**
 * A conv VAE shaped like the app's default at 32x32x4: three k4/s2 convs (32, 64, 64), dense
 * 256, latent 16, mirrored decoder with conv2dTranspose, Bernoulli loss + KL, Adam.
 */
export function vaeLikeNet(size = 32, channels = 4, filters = [32, 64, 64], dense = 256, latent = 16) {
  const K = 4;
  const vars: tf.Variable[] = [];
  const v = (shape: number[], scale: number) => {
    const t = tf.variable(tf.randomNormal(shape, 0, scale));
    vars.push(t);
    return t;
  };
  const sizes = [size];
  for (let i = 0; i < filters.length; i++) sizes.push(Math.ceil(sizes[i] / 2));
  const last = sizes[sizes.length - 1];
  const flat = last * last * filters[filters.length - 1];
  const chans = [channels, ...filters];
  const enc = filters.map((f, i) => ({ k: v([K, K, chans[i], f], Math.sqrt(2 / (K * K * chans[i]))), b: v([f], 0.01) }));
  const encDense = { w: v([flat, dense], Math.sqrt(2 / flat)), b: v([dense], 0.01) };
  const head = { w: v([dense, 2 * latent], Math.sqrt(1 / dense)), b: v([2 * latent], 0.01) };
  const decIn = { w: v([latent, dense], Math.sqrt(2 / latent)), b: v([dense], 0.01) };
  const decDense = { w: v([dense, flat], Math.sqrt(2 / dense)), b: v([flat], 0.01) };
  // conv2dTranspose filters are [kh, kw, outC, inC].
  const dec = filters.map((_, i) => {
    const j = filters.length - 1 - i;
    const inC = chans[j + 1];
    const outC = chans[j];
    return { k: v([K, K, outC, inC], Math.sqrt(2 / (K * K * inC))), b: v([outC], 0.01), outSize: sizes[j], outC };
  });

  // Multiply-adds per image, forward; training = forward + dW + dx (no dx into the images).
  let macs = 0;
  filters.forEach((f, i) => (macs += sizes[i + 1] * sizes[i + 1] * f * K * K * chans[i]));
  macs += flat * dense + dense * 2 * latent + latent * dense + dense * flat;
  filters.forEach((f, i) => (macs += sizes[i + 1] * sizes[i + 1] * f * K * K * chans[i]));
  const firstConv = sizes[1] * sizes[1] * filters[0] * K * K * channels;
  const trainFlopPerImage = 2 * (3 * macs - firstConv);

  const loss = (x: tf.Tensor4D, eps: tf.Tensor2D) =>
    tf.tidy(() => {
      const B = x.shape[0];
      let h: tf.Tensor4D = x;
      for (const l of enc) h = tf.relu(tf.add(tf.conv2d(h, l.k as tf.Tensor4D, 2, 'same'), l.b)) as tf.Tensor4D;
      let f = tf.relu(tf.add(tf.matMul(tf.reshape(h, [B, flat]) as tf.Tensor2D, encDense.w as tf.Tensor2D), encDense.b)) as tf.Tensor2D;
      const out = tf.add(tf.matMul(f, head.w as tf.Tensor2D), head.b);
      const [mu, logvar] = tf.split(out, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
      const z = tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, 0.5)), eps)) as tf.Tensor2D;
      f = tf.relu(tf.add(tf.matMul(z, decIn.w as tf.Tensor2D), decIn.b)) as tf.Tensor2D;
      f = tf.relu(tf.add(tf.matMul(f, decDense.w as tf.Tensor2D), decDense.b)) as tf.Tensor2D;
      let g = tf.reshape(f, [B, last, last, filters[filters.length - 1]]) as tf.Tensor4D;
      dec.forEach((l, i) => {
        g = tf.add(tf.conv2dTranspose(g, l.k as tf.Tensor4D, [B, l.outSize, l.outSize, l.outC], 2, 'same'), l.b);
        if (i < dec.length - 1) g = tf.relu(g);
      });
      // Bernoulli log-likelihood from logits, summed per image; KL to N(0, I).
      const rec = tf.sum(tf.sub(tf.add(tf.relu(g), tf.log1p(tf.exp(tf.neg(tf.abs(g))))), tf.mul(g, x)));
      const kl = tf.mul(0.5, tf.sum(tf.sub(tf.add(tf.square(mu), tf.exp(logvar)), tf.add(logvar, 1))));
      return tf.div(tf.add(rec, kl), B) as tf.Scalar;
    });
  return { vars, loss, trainFlopPerImage, size, channels, latent };
}

export type VaeLikeNet = ReturnType<typeof vaeLikeNet>;

/** Median ms per training step (forward, backward, Adam) over `steps` after one warm-up. */
export function timeTrainStep(net: VaeLikeNet, batch: number, steps: number): { ms: number; loss: number } {
  const x = tf.randomUniform([batch, net.size, net.size, net.channels]) as tf.Tensor4D;
  const eps = tf.randomNormal([batch, net.latent]) as tf.Tensor2D;
  const opt = tf.train.adam(1e-3);
  const step = () => {
    const l = opt.minimize(() => net.loss(x, eps), true, net.vars) as tf.Scalar;
    const value = l.dataSync()[0];
    l.dispose();
    return value;
  };
  step();
  const times: number[] = [];
  let loss = 0;
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    loss = step();
    times.push(performance.now() - t0);
  }
  opt.dispose();
  tf.dispose([x, eps]);
  return { ms: median(times), loss };
}

async function benchTrainStep(lines: BenchLine[], peak: number): Promise<void> {
  const batch = 64;
  const net = vaeLikeNet();
  const { ms } = timeTrainStep(net, batch, 10);
  const imagesPerS = (batch * 1000) / ms;
  const stepGflops = gflops(net.trainFlopPerImage * batch, ms);
  const context = { model: 'conv VAE 32x32x4, filters 32/64/64 k4s2, dense 256, latent 16', batch, mflop_per_image: round(net.trainFlopPerImage / 1e6) };
  lines.push({ bench: 'train_step', metric: 'images_per_s', value: round(imagesPerS), unit: 'img/s', backend: 'wasm', ms_per_step: round(ms), ...context });
  lines.push({ bench: 'train_step', metric: 'gflops', value: round(stepGflops), unit: 'GFLOPS', backend: 'wasm', ...context });
  lines.push({ bench: 'train_step', metric: 'share_of_matmul_peak', value: round(stepGflops / peak), unit: 'ratio', backend: 'wasm', matmul_peak_gflops: round(peak), ...context });
  tf.dispose(net.vars);

  if (process.env.LA_BENCH_SKIP_CPU === '1') return;
  const cpuBatch = Number(process.env.LA_BENCH_CPU_BATCH ?? 8);
  await tf.setBackend('cpu');
  const cpuNet = vaeLikeNet();
  // One timed step (plus the untimed warm-up inside timeTrainStep would double the wait).
  const x = tf.randomUniform([cpuBatch, 32, 32, 4]) as tf.Tensor4D;
  const eps = tf.randomNormal([cpuBatch, 16]) as tf.Tensor2D;
  const opt = tf.train.adam(1e-3);
  const t0 = performance.now();
  const l = opt.minimize(() => cpuNet.loss(x, eps), true, cpuNet.vars) as tf.Scalar;
  l.dataSync();
  const cpuMs = performance.now() - t0;
  const cpuImagesPerS = (cpuBatch * 1000) / cpuMs;
  tf.dispose([l, x, eps, ...cpuNet.vars]);
  opt.dispose();
  await tf.setBackend('wasm');
  lines.push({ bench: 'train_step', metric: 'images_per_s', value: round(cpuImagesPerS), unit: 'img/s', backend: 'cpu', ...context, batch: cpuBatch, ms_per_step: round(cpuMs) });
  lines.push({ bench: 'train_step', metric: 'speedup_vs_cpu', value: round(imagesPerS / cpuImagesPerS), unit: 'x', backend: 'wasm', ...context, cpu_batch: cpuBatch });
}

export async function run(): Promise<BenchLine[]> {
  const info = await initBackend({ force: 'wasm' });
  const lines: BenchLine[] = [];
  const peak = await benchKernels(lines);
  await benchTrainStep(lines, peak);
  // Other processes share these 2 cores; the 1-minute load average says how much.
  const load1m = round(os.loadavg()[0], 2);
  for (const line of lines) Object.assign(line, line.backend === 'wasm' ? { simd: info.simd, load1m } : { load1m });
  return lines;
}
