import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { convGeometry, type ConvGeometry } from './conv-geometry';
import { kernelLimits, allocF32, callStock, free, heapF32, reshaped, type Info, type ConvStock } from './heap';

/**
 * Below this many input channels the dilated-conv form gives XNNPACK too little to chew on.
 * Measured on 2 cores (64 images, 3x3): at 8 channels im2col takes 5.0 ms against 13.7, at 16
 * 10.6 against 11.3; at 32 the dilated conv wins, 8.6 ms against 18.0.
 */
const DILATED_MIN_CHANNELS = 32;

/**
 * Conv2DBackpropFilter, which the wasm backend lacks:
 *   dW[a,b,ci,co] = sum_{n,i,j} x[n, i*sh + a - pt, j*sw + b - pl, ci] * dy[n,i,j,co].
 * With >= 32 input channels this is one stride-1 conv2d dilated by the stride, of x laid out
 * as [Ci, H', W', N] (batch <-> channels swapped, padding baked in) with dy as the filter
 * [Ho, Wo, N, Co]: everything heavy stays in XNNPACK. With fewer channels, a transposed
 * im2col [kh*kw*Ci, N*Ho*Wo] written in JS and one GEMM with dy [N*Ho*Wo, Co].
 */
export function makeConv2DBackpropFilter(stock: ConvStock): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const wasm = backend as BackendWasm;
    const x = inputs.x as Info;
    const dy = inputs.dy as Info;
    const filterShape = attrs!.filterShape as [number, number, number, number];
    const g = convGeometry(x.shape as [number, number, number, number], filterShape, attrs!);
    if (g.inC >= DILATED_MIN_CHANNELS) return viaDilatedConv(stock, wasm, x, dy, g);
    return viaIm2col(stock, wasm, x, dy, g);
  };
}

export function viaDilatedConv(stock: ConvStock, wasm: BackendWasm, x: Info, dy: Info, g: ConvGeometry): Info {
  const { batch: N, inH: H, inW: W, inC: Ci, outH: Ho, outW: Wo, outC: Co, kH, kW } = g;
  const Hp = kH + (Ho - 1) * g.strideH;
  const Wp = kW + (Wo - 1) * g.strideW;

  // xT[ci, y, x, n] = x[n, y - pt, x - pl, ci] (zero outside the image).
  const xT = allocF32(wasm, [Ci, Hp, Wp, N]);
  // dyT[i, j, n, co] = dy[n, i, j, co]: rows of Co move as blocks.
  const dyT = allocF32(wasm, [Ho, Wo, N, Co]);
  {
    const src = heapF32(wasm, x);
    const dst = heapF32(wasm, xT);
    dst.fill(0);
    const planeStride = Hp * Wp * N;
    for (let yp = 0; yp < Hp; yp++) {
      const y = yp - g.padTop;
      if (y < 0 || y >= H) continue;
      for (let xp = g.padLeft; xp < Wp; xp++) {
        const xx = xp - g.padLeft;
        if (xx >= W) break;
        const dBase = (yp * Wp + xp) * N;
        for (let n = 0; n < N; n++) {
          const sBase = ((n * H + y) * W + xx) * Ci;
          let d = dBase + n;
          for (let ci = 0; ci < Ci; ci++, d += planeStride) dst[d] = src[sBase + ci];
        }
      }
    }
    const s2 = heapF32(wasm, dy);
    const d2 = heapF32(wasm, dyT);
    const P = Ho * Wo;
    for (let n = 0; n < N; n++) {
      for (let p = 0; p < P; p++) {
        const s = (n * P + p) * Co;
        d2.set(s2.subarray(s, s + Co), (p * N + n) * Co);
      }
    }
  }
  const out = callStock(
    stock.conv2d,
    wasm,
    { x: xT, filter: dyT },
    {
      strides: [1, 1],
      pad: 'valid',
      dilations: [g.strideH, g.strideW],
      dataFormat: 'NHWC',
    },
  );
  free(wasm, xT);
  free(wasm, dyT);
  // out is [Ci, kH*kW, Co]; the filter layout is [kH*kW, Ci, Co].
  const dW = allocF32(wasm, [kH, kW, Ci, Co]);
  const s = heapF32(wasm, out);
  const d = heapF32(wasm, dW);
  const KK = kH * kW;
  for (let ci = 0; ci < Ci; ci++) {
    for (let k = 0; k < KK; k++) {
      const so = (ci * KK + k) * Co;
      d.set(s.subarray(so, so + Co), (k * Ci + ci) * Co);
    }
  }
  free(wasm, out);
  return dW;
}

export function viaIm2col(stock: ConvStock, wasm: BackendWasm, x: Info, dy: Info, g: ConvGeometry): Info {
  const { batch: N, inH: H, inW: W, inC: Ci, outH: Ho, outW: Wo, outC: Co, kH, kW } = g;
  const K = kH * kW * Ci;
  const P = Ho * Wo;
  const chunk = Math.max(1, Math.min(N, Math.floor(kernelLimits.maxColsFloats / (K * P))));
  let dW: Info | null = null;
  for (let n0 = 0; n0 < N; n0 += chunk) {
    const nc = Math.min(chunk, N - n0);
    const M = nc * P;
    const colsT = allocF32(wasm, [1, K, M]);
    const dyPart = nc === N ? reshaped(dy, [1, M, Co]) : allocF32(wasm, [1, M, Co]);
    {
      const src = heapF32(wasm, x);
      const cols = heapF32(wasm, colsT);
      for (let a = 0; a < kH; a++) {
        for (let b = 0; b < kW; b++) {
          for (let ci = 0; ci < Ci; ci++) {
            let d = ((a * kW + b) * Ci + ci) * M;
            for (let n = n0; n < n0 + nc; n++) {
              for (let i = 0; i < Ho; i++) {
                const y = i * g.strideH + a - g.padTop;
                if (y < 0 || y >= H) {
                  cols.fill(0, d, d + Wo);
                  d += Wo;
                  continue;
                }
                const rowBase = (n * H + y) * W;
                for (let j = 0; j < Wo; j++, d++) {
                  const xx = j * g.strideW + b - g.padLeft;
                  cols[d] = xx >= 0 && xx < W ? src[(rowBase + xx) * Ci + ci] : 0;
                }
              }
            }
          }
        }
      }
      if (nc !== N) heapF32(wasm, dyPart).set(heapF32(wasm, dy).subarray(n0 * P * Co, (n0 + nc) * P * Co));
    }
    const part = callStock(stock.matmul, wasm, { a: colsT, b: dyPart }, { transposeA: false, transposeB: false });
    free(wasm, colsT);
    if (nc !== N) free(wasm, dyPart);
    if (dW === null) {
      dW = part;
    } else {
      const acc = heapF32(wasm, dW);
      const add = heapF32(wasm, part);
      for (let k = 0; k < acc.length; k++) acc[k] += add[k];
      free(wasm, part);
    }
  }
  return reshaped(dW!, [kH, kW, Ci, Co]);
}
