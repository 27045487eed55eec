import type { Dataset, Split } from '../data/store';
import { AtlasError } from '../errors';

/**
 * What training and evaluation read images from: a count of images of one shape, the split
 * membership, and a way to copy chosen images into a float batch in [0, 1] (HWC, image after
 * image). The uint8 dataset store adapts to it; tests also feed float data (e.g. PPCA samples).
 * Batches are made per step, so a large dataset never lives in memory as float32.
 */
export interface ImageSource {
  height: number;
  width: number;
  channels: number;
  count: number;
  datasetHash: string;
  indicesOf(split: Split): number[];
  /** Copy images `indices` into `out` (length >= indices.length * height * width * channels). */
  fill(indices: ArrayLike<number>, out: Float32Array): void;
  /** Image i as uint8 HWC, for previews (float sources quantise [0, 1]). */
  uint8(i: number): Uint8Array;
  /** Image i's label (its subfolder), null when it has none; absent = an unlabelled source. */
  labelOf?(i: number): string | null;
}

/** Adapt the dataset store (uint8 HWC) to an ImageSource: x = byte / 255. */
export function fromDataset(ds: Pick<Dataset, 'index' | 'pixels' | 'indicesOf'>): ImageSource {
  const { items } = ds.index;
  const { size, channels, count, datasetHash } = ds.index;
  const stride = size * size * channels;
  if (ds.pixels.length < count * stride)
    throw new AtlasError('invalid_input', `The dataset's pixel data is shorter than its index says (${ds.pixels.length} < ${count * stride} bytes). Re-import the images.`);
  const scale = 1 / 255;
  return {
    height: size,
    width: size,
    channels,
    count,
    datasetHash,
    indicesOf: (split) => ds.indicesOf(split),
    fill(indices, out) {
      for (let k = 0; k < indices.length; k++) {
        const src = indices[k] * stride;
        const dst = k * stride;
        for (let j = 0; j < stride; j++) out[dst + j] = ds.pixels[src + j] * scale;
      }
    },
    uint8: (i) => ds.pixels.slice(i * stride, (i + 1) * stride),
    labelOf: (i) => items[i]?.label ?? null,
  };
}

/** An ImageSource over float data already in memory (tests, synthetic checks). */
export function fromFloatArray(opts: {
  data: Float32Array;
  height: number;
  width: number;
  channels: number;
  splits?: Split[];
  datasetHash?: string;
  /** One label per image (conditional training checks). */
  labels?: (string | null)[];
}): ImageSource {
  const stride = opts.height * opts.width * opts.channels;
  const count = Math.floor(opts.data.length / stride);
  const splits = opts.splits ?? new Array<Split>(count).fill('train');
  return {
    height: opts.height,
    width: opts.width,
    channels: opts.channels,
    count,
    datasetHash: opts.datasetHash ?? 'in-memory',
    indicesOf: (split) => splits.flatMap((s, i) => (s === split ? [i] : [])),
    fill(indices, out) {
      for (let k = 0; k < indices.length; k++) out.set(opts.data.subarray(indices[k] * stride, (indices[k] + 1) * stride), k * stride);
    },
    uint8: (i) => toUint8(opts.data.subarray(i * stride, (i + 1) * stride)),
    ...(opts.labels ? { labelOf: (i: number) => opts.labels![i] ?? null } : {}),
  };
}

/** [0, 1] floats to bytes, clamped and rounded. */
export function toUint8(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255);
  }
  return out;
}
