/** Frames as RGBA bytes, enlarged with nearest-neighbour so pixel art stays crisp. */

export interface RgbaFrames {
  count: number;
  width: number;
  height: number;
  /** count x height x width x 4. */
  data: Uint8Array;
}

/** HWC frames with 1, 3 or 4 channels to RGBA (gray to grey RGB, opaque unless there is alpha), scaled by an integer. */
export function toRgbaFrames(bytes: Uint8Array, count: number, size: number, channels: number, scale: number): RgbaFrames {
  const out = size * scale;
  const data = new Uint8Array(count * out * out * 4);
  for (let f = 0; f < count; f++) {
    const src = f * size * size * channels;
    const dst = f * out * out * 4;
    for (let y = 0; y < out; y++) {
      const sy = Math.floor(y / scale);
      for (let x = 0; x < out; x++) {
        const s = src + (sy * size + Math.floor(x / scale)) * channels;
        const o = dst + (y * out + x) * 4;
        const r = bytes[s];
        data[o] = r;
        data[o + 1] = channels >= 3 ? bytes[s + 1] : r;
        data[o + 2] = channels >= 3 ? bytes[s + 2] : r;
        data[o + 3] = channels === 4 ? bytes[s + 3] : 255;
      }
    }
  }
  return { count, width: out, height: out, data };
}

export function frameRgba(frames: RgbaFrames, i: number): Uint8Array {
  const n = frames.width * frames.height * 4;
  return frames.data.subarray(i * n, (i + 1) * n);
}
