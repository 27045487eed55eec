import { describe, expect, it } from 'vitest';
import { base64ToArray, base64ToBytes } from '../../../renderer/lib/bytes';

/** Node's own encoder is the reference: the engine encodes with Buffer#toString('base64'). */
const encode = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

describe('base64 to bytes', () => {
  it('decodes the empty string to no bytes', () => {
    expect(base64ToBytes('')).toEqual(new Uint8Array(0));
  });

  it('decodes one, two and three bytes (two, one and no padding characters)', () => {
    expect(Array.from(base64ToBytes('/w=='))).toEqual([255]);
    expect(Array.from(base64ToBytes('AAE='))).toEqual([0, 1]);
    expect(Array.from(base64ToBytes('TWFu'))).toEqual([77, 97, 110]); // "Man", RFC 4648's example
    expect(Array.from(base64ToBytes('+/8='))).toEqual([251, 255]);
  });

  it('decodes every byte value 0-255 in order', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const decoded = base64ToBytes(encode(all));
    expect(decoded.length).toBe(256);
    expect(Array.from(decoded)).toEqual(Array.from(all));
  });

  it('agrees with Buffer.from(b64, "base64") on a large pseudo-random buffer of every length remainder', () => {
    let x = 12345;
    for (const n of [1 << 20, (1 << 20) + 1, (1 << 20) + 2]) {
      const bytes = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        x = (x * 1103515245 + 12345) >>> 0;
        bytes[i] = x >>> 24;
      }
      const b64 = encode(bytes);
      const decoded = base64ToBytes(b64);
      expect(decoded.length).toBe(n);
      expect(Buffer.compare(Buffer.from(decoded), Buffer.from(b64, 'base64'))).toBe(0);
    }
  });

  it('rejects text that is not base64', () => {
    expect(() => base64ToBytes('not base64!')).toThrow();
  });
});

describe('base64 to typed arrays', () => {
  it('reads little-endian f32, i32 and u8 arrays as the engine writes them', () => {
    const f32 = new Float32Array([0, -1.5, Math.PI, 1e-30, Number.POSITIVE_INFINITY]);
    const i32 = new Int32Array([0, -1, 2147483647, -2147483648, 42]);
    const u8 = new Uint8Array([0, 1, 2, 254, 255]);
    expect(Array.from(base64ToArray(encode(new Uint8Array(f32.buffer)), Float32Array))).toEqual(Array.from(f32));
    expect(Array.from(base64ToArray(encode(new Uint8Array(i32.buffer)), Int32Array))).toEqual(Array.from(i32));
    expect(Array.from(base64ToArray(encode(u8), Uint8Array))).toEqual(Array.from(u8));
  });

  it('decodes a known float: 1.0 is 00 00 80 3f', () => {
    expect(Array.from(base64ToArray('AACAPw==', Float32Array))).toEqual([1]);
  });
});
