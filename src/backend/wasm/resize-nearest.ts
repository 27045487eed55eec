import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { allocF32, heapF32, type Info, type StockKernel } from './heap';

/**
 * Nearest-neighbour upsampling by exactly 2 (the hierarchical decoder's up-blocks) and its
 * gradient. The stock wasm kernels index every output pixel through the general scale maths
 * (measured ~10-30 ns per element); for the x2 case with alignCorners and halfPixelCenters off,
 * output (y, x) reads input (y >> 1, x >> 1), so forward is a row copy written twice and the
 * gradient sums each 2x2 block, both as straight loops over the heap (~1-2 ns per element).
 * Any other geometry goes to the stock kernel.
 */
function isExactDouble(inH: number, inW: number, outH: number, outW: number, attrs: tf.NamedAttrMap): boolean {
  return outH === 2 * inH && outW === 2 * inW && !attrs.alignCorners && !attrs.halfPixelCenters;
}

export function makeResizeNearestNeighbor(stock: StockKernel): tf.KernelFunc {
  return (args) => {
    const wasm = args.backend as BackendWasm;
    const x = args.inputs.images as Info;
    const [outH, outW] = args.attrs!.size as [number, number];
    const [B, H, W, C] = x.shape;
    if (x.dtype !== 'float32' || !isExactDouble(H, W, outH, outW, args.attrs!)) return stock.kernelFunc(args);
    const out = allocF32(wasm, [B, outH, outW, C]);
    const src = heapF32(wasm, x);
    const dst = heapF32(wasm, out);
    const rowIn = W * C;
    const rowOut = outW * C;
    for (let b = 0; b < B; b++) {
      for (let y = 0; y < H; y++) {
        const s = (b * H + y) * rowIn;
        const d0 = (b * outH + 2 * y) * rowOut;
        for (let xw = 0; xw < W; xw++) {
          const sp = s + xw * C;
          const dp = d0 + 2 * xw * C;
          for (let c = 0; c < C; c++) {
            const v = src[sp + c];
            dst[dp + c] = v;
            dst[dp + C + c] = v;
          }
        }
        dst.copyWithin(d0 + rowOut, d0, d0 + rowOut);
      }
    }
    return out;
  };
}

export function makeResizeNearestNeighborGrad(stock: StockKernel): tf.KernelFunc {
  return (args) => {
    const wasm = args.backend as BackendWasm;
    const images = args.inputs.images as Info;
    const dy = args.inputs.dy as Info;
    const [B, H, W, C] = images.shape;
    const [, outH, outW] = dy.shape;
    if (dy.dtype !== 'float32' || !isExactDouble(H, W, outH, outW, args.attrs!)) return stock.kernelFunc(args);
    const dx = allocF32(wasm, [B, H, W, C]);
    const g = heapF32(wasm, dy);
    const d = heapF32(wasm, dx);
    const rowOut = outW * C;
    for (let b = 0; b < B; b++) {
      for (let y = 0; y < H; y++) {
        const top = (b * outH + 2 * y) * rowOut;
        const bottom = top + rowOut;
        const o = (b * H + y) * W * C;
        for (let xw = 0; xw < W; xw++) {
          const t = top + 2 * xw * C;
          const u = bottom + 2 * xw * C;
          const q = o + xw * C;
          for (let c = 0; c < C; c++) d[q + c] = g[t + c] + g[t + C + c] + g[u + c] + g[u + C + c];
        }
      }
    }
    return dx;
  };
}
