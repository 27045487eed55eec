import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { convGeometry, type ConvGeometry } from './conv-geometry';
import { kernelLimits, allocF32, callStock, free, heapF32, reshaped, transposeInto, type Info, type StockKernel } from './heap';


export interface BackpropInputStock {
  conv2d: StockKernel;
  matmul: StockKernel;
}

/**
 * Conv2DBackpropInput (the conv gradient and conv2dTranspose's forward pass). The stock
 * kernel is a naive loop at ~1 GFLOPS. Stride 1: a plain XNNPACK conv2d of dy with the
 * flipped, in/out-swapped filter. Otherwise: one GEMM cols[N*Ho*Wo, kh*kw*Ci] = dy * W^T,
 * then a JS col2im that scatter-adds each column block into dx.
 */
export function makeConv2DBackpropInput(stock: BackpropInputStock): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const wasm = backend as BackendWasm;
    const dy = inputs.dy as Info;
    const filter = inputs.filter as Info;
    const inputShape = attrs!.inputShape as [number, number, number, number];
    const g = convGeometry(inputShape, filter.shape as [number, number, number, number], attrs!);
    if (g.strideH === 1 && g.strideW === 1) {
      const viaConv = viaFlippedConv(stock, wasm, dy, filter, g);
      if (viaConv) return viaConv;
    }
    return viaGemmCol2im(stock, wasm, dy, filter, g);
  };
}

export function viaFlippedConv(
  stock: BackpropInputStock,
  wasm: BackendWasm,
  dy: Info,
  filter: Info,
  g: ConvGeometry,
): Info | null {
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
  const dx = callStock(stock.conv2d, wasm, { x: dy, filter: wf }, {
    strides: [1, 1],
    pad: [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ],
    dilations: [1, 1],
    dataFormat: 'NHWC',
  });
  free(wasm, wf);
  return dx;
}

export function viaGemmCol2im(
  stock: BackpropInputStock,
  wasm: BackendWasm,
  dy: Info,
  filter: Info,
  g: ConvGeometry,
): Info {
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
