import type { ChannelsOption } from './options';
import type { Channels } from './store';

/** auto: RGBA if any image has transparency, else gray if every image is gray, else RGB. */
export function resolveChannels(choice: ChannelsOption, anyAlpha: boolean, allGray: boolean): Channels {
  if (choice === 'gray') return 1;
  if (choice === 'rgb') return 3;
  if (choice === 'rgba') return 4;
  if (anyAlpha) return 4;
  return allGray ? 1 : 3;
}

/**
 * Convert RGBA pixels to the output channels. Without an alpha channel, transparent pixels are
 * composited over `background`; gray uses integer Rec. 709 luma whose weights sum to 256, so a
 * gray pixel (r = g = b) keeps its exact value.
 */
export function convertRgba(rgba: Uint8Array, channels: Channels, background: readonly [number, number, number]): Uint8Array {
  if (channels === 4) return rgba;
  const n = rgba.length >> 2;
  const out = new Uint8Array(n * channels);
  const [br, bg, bb] = background;
  for (let p = 0, o = 0; p < n; p++, o += channels) {
    const i = p << 2;
    const a = rgba[i + 3];
    let r = rgba[i],
      g = rgba[i + 1],
      b = rgba[i + 2];
    if (a !== 255) {
      r = Math.round((r * a + br * (255 - a)) / 255);
      g = Math.round((g * a + bg * (255 - a)) / 255);
      b = Math.round((b * a + bb * (255 - a)) / 255);
    }
    if (channels === 1) {
      out[o] = (54 * r + 183 * g + 19 * b + 128) >> 8;
    } else {
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
    }
  }
  return out;
}
