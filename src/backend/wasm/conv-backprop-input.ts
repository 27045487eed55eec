import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { convGeometry, type ConvGeometry } from './conv-geometry';
import { kernelLimits, allocF32, callStock, free, heapF32, reshaped, transposeInto, type Info, type ConvStock } from './heap';

/** With fewer dx channels XNNPACK's per-phase convs lose to one GEMM + col2im (measured). */
const PHASES_MIN_CHANNELS = 8;

/**
 * Conv2DBackpropInput (the conv gradient and conv2dTranspose's forward pass). The stock
 * kernel is a naive loop at ~1 GFLOPS. Stride 1: a plain XNNPACK conv2d of dy with the
 * flipped, in/out-swapped filter. Stride s > 1: the output splits into s*s phases (rows and
 * columns by (y + pad) mod s), each a stride-1 XNNPACK conv of dy with a sub-filter, copied
 * into place. Fallback: one GEMM cols[N*Ho*Wo, kh*kw*Ci] = dy * W^T, then a JS col2im that
 * scatter-adds each column block into dx.
 */
export function makeConv2DBackpropInput(stock: ConvStock): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const wasm = backend as BackendWasm;
    const dy = inputs.dy as Info;
    const filter = inputs.filter as Info;
    const inputShape = attrs!.inputShape as [number, number, number, number];
    const g = convGeometry(inputShape, filter.shape as [number, number, number, number], attrs!);
    if (g.strideH === 1 && g.strideW === 1) {
      const viaConv = viaFlippedConv(stock, wasm, dy, filter, g);
      if (viaConv) return viaConv;
    } else if (kernelLimits.stridedInputGradient === 'phases' || (kernelLimits.stridedInputGradient === 'auto' && g.inC >= PHASES_MIN_CHANNELS)) {
      const viaConvs = viaPhaseConvs(stock, wasm, dy, filter, g);
      if (viaConvs) return viaConvs;
    }
    return viaGemmCol2im(stock, wasm, dy, filter, g);
  };
}

export function viaFlippedConv(stock: ConvStock, wasm: BackendWasm, dy: Info, filter: Info, g: ConvGeometry): Info | null {
  const { inH: H, inW: W, inC: Ci, outH: Ho, outW: Wo, outC: Co, kH, kW } = g;
  const top = kH - 1 - g.padTop;
  const left = kW - 1 - g.padLeft;
  const bottom = H - 1 + kH - Ho - top;
  const right = W - 1 + kW - Wo - left;
  if (top < 0 || left < 0 || bottom < 0 || right < 0) return null;
  // wf[a, b, co, ci] = w[kH-1-a, kW-1-b, ci, co]
  const wf = allocF32(wasm, [kH, kW, Co, Ci]);
  const src = heapF32(wasm, filter);
  const dst = heapF32(wasm, wf);
  for (let a = 0; a < kH; a++) {
    for (let b = 0; b < kW; b++) {
      const s = ((kH - 1 - a) * kW + (kW - 1 - b)) * Ci * Co;
      transposeInto(src, s, Ci, Co, dst, (a * kW + b) * Co * Ci);
    }
  }
  const dx = callStock(
    stock.conv2d,
    wasm,
    { x: dy, filter: wf },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      dilations: [1, 1],
      dataFormat: 'NHWC',
    },
  );
  free(wasm, wf);
  return dx;
}

export function viaGemmCol2im(stock: ConvStock, wasm: BackendWasm, dy: Info, filter: Info, g: ConvGeometry): Info {
  const { batch: N, inH: H, inW: W, inC: Ci, outH: Ho, outW: Wo, outC: Co, kH, kW } = g;
  const K = kH * kW * Ci;
  const P = Ho * Wo;
  // wT[co, (a, b, ci)] = w[a, b, ci, co]
  const wT = allocF32(wasm, [1, Co, K]);
  transposeInto(heapF32(wasm, filter), 0, K, Co, heapF32(wasm, wT), 0);
  const dx = allocF32(wasm, [N, H, W, Ci]);
  heapF32(wasm, dx).fill(0);

  const chunk = Math.max(1, Math.min(N, Math.floor(kernelLimits.maxColsFloats / (K * P))));
  for (let n0 = 0; n0 < N; n0 += chunk) {
    const nc = Math.min(chunk, N - n0);
    let dyPart = reshaped(dy, [1, nc * P, Co]);
    if (nc !== N) {
      dyPart = allocF32(wasm, [1, nc * P, Co]);
      heapF32(wasm, dyPart).set(heapF32(wasm, dy).subarray(n0 * P * Co, (n0 + nc) * P * Co));
    }
    const cols = callStock(stock.matmul, wasm, { a: dyPart, b: wT }, { transposeA: false, transposeB: false });
    if (nc !== N) free(wasm, dyPart);
    const c = heapF32(wasm, cols);
    const d = heapF32(wasm, dx);
    for (let n = 0; n < nc; n++) {
      const imgBase = (n0 + n) * H * W;
      for (let i = 0; i < Ho; i++) {
        for (let j = 0; j < Wo; j++) {
          let s = ((n * Ho + i) * Wo + j) * K;
          for (let a = 0; a < kH; a++) {
            const y = i * g.strideH + a - g.padTop;
            if (y < 0 || y >= H) {
              s += kW * Ci;
              continue;
            }
            for (let b = 0; b < kW; b++, s += Ci) {
              const xx = j * g.strideW + b - g.padLeft;
              if (xx < 0 || xx >= W) continue;
              const o = (imgBase + y * W + xx) * Ci;
              for (let ci = 0; ci < Ci; ci++) d[o + ci] += c[s + ci];
            }
          }
        }
      }
    }
    free(wasm, cols);
  }
  free(wasm, wT);
  return dx;
}

/**
 * Per-dimension plan for one phase r of a stride-s transposed conv. Rows y with
 * (y + pad) mod s == r take taps a = r + s*m (m < taps) from dy rows i = q - m, where
 * y = s*q + r - pad for q in [q0, q1]. As a stride-1 conv with the flipped sub-filter, output
 * row q sits at q - (taps - 1) + padBefore.
 */
interface PhasePlan {
  r: number;
  taps: number;
  q0: number;
  q1: number;
  padBefore: number;
  padAfter: number;
}

function phasePlans(outLen: number, inLen: number, k: number, s: number, pad: number): PhasePlan[] | null {
  const plans: PhasePlan[] = [];
  for (let r = 0; r < s; r++) {
    const taps = Math.ceil((k - r) / s);
    const q0 = Math.ceil((pad - r) / s);
    const q1 = Math.floor((inLen - 1 + pad - r) / s);
    if (q1 < q0) continue; // no output rows in this phase
    if (taps <= 0) return null; // rows no tap reaches: leave it to the general path
    const padBefore = Math.max(0, taps - 1 - q0);
    const padAfter = Math.max(0, q1 - outLen + 1);
    if (outLen + padBefore + padAfter - taps + 1 < q1 - (taps - 1) + padBefore + 1) return null;
    plans.push({ r, taps, q0, q1, padBefore, padAfter });
  }
  return plans;
}

export function viaPhaseConvs(stock: ConvStock, wasm: BackendWasm, dy: Info, filter: Info, g: ConvGeometry): Info | null {
  const { batch: N, inH: H, inW: W, inC: Ci, outH: Ho, outW: Wo, outC: Co, kH, kW } = g;
  const rows = phasePlans(Ho, H, kH, g.strideH, g.padTop);
  const cols = phasePlans(Wo, W, kW, g.strideW, g.padLeft);
  if (!rows || !cols) return null;
  const dx = allocF32(wasm, [N, H, W, Ci]);
  for (const py of rows) {
    for (const px of cols) {
      // sub[m'y, m'x, co, ci] = w[ry + s*(tapsY-1-m'y), rx + s*(tapsX-1-m'x), ci, co]
      const sub = allocF32(wasm, [py.taps, px.taps, Co, Ci]);
      {
        const src = heapF32(wasm, filter);
        const dst = heapF32(wasm, sub);
        for (let my = 0; my < py.taps; my++) {
          const a = py.r + g.strideH * (py.taps - 1 - my);
          for (let mx = 0; mx < px.taps; mx++) {
            const b = px.r + g.strideW * (px.taps - 1 - mx);
            transposeInto(src, (a * kW + b) * Ci * Co, Ci, Co, dst, (my * px.taps + mx) * Co * Ci);
          }
        }
      }
      const out = callStock(
        stock.conv2d,
        wasm,
        { x: dy, filter: sub },
        {
          strides: [1, 1],
          pad: [
            [0, 0],
            [py.padBefore, py.padAfter],
            [px.padBefore, px.padAfter],
            [0, 0],
          ],
          dilations: [1, 1],
          dataFormat: 'NHWC',
        },
      );
      free(wasm, sub);
      const [, OH, OW] = out.shape;
      const o = heapF32(wasm, out);
      const d = heapF32(wasm, dx);
      const oy0 = -(py.taps - 1) + py.padBefore;
      const ox0 = -(px.taps - 1) + px.padBefore;
      for (let n = 0; n < N; n++) {
        for (let qy = py.q0; qy <= py.q1; qy++) {
          const y = g.strideH * qy + py.r - g.padTop;
          const srcRow = (n * OH + qy + oy0) * OW;
          const dstRow = (n * H + y) * W;
          for (let qx = px.q0; qx <= px.q1; qx++) {
            const x = g.strideW * qx + px.r - g.padLeft;
            const so = (srcRow + qx + ox0) * Ci;
            const dOff = (dstRow + x) * Ci;
            for (let c = 0; c < Ci; c++) d[dOff + c] = o[so + c];
          }
        }
      }
      free(wasm, out);
    }
  }
  return dx;
}
