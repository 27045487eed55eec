/** Binary arrays on the wire: base64 of their little-endian bytes (results cross IPC as JSON). */

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export function float32Base64(values: ArrayLike<number>): string {
  const a = values instanceof Float32Array ? values : Float32Array.from(values);
  return bytesBase64(a, 4);
}

export function int32Base64(values: ArrayLike<number>): string {
  const a = values instanceof Int32Array ? values : Int32Array.from(values);
  return bytesBase64(a, 4);
}

export function uint8Base64(values: Uint8Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

function bytesBase64(a: Float32Array | Int32Array, width: number): string {
  const bytes = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  if (littleEndian) return bytes.toString('base64');
  const copy = Buffer.from(bytes);
  for (let i = 0; i < copy.length; i += width) copy.subarray(i, i + width).reverse();
  return copy.toString('base64');
}

/** The inverse, for tests and the CLI. */
export function base64Float32(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

export function base64Int32(b64: string): Int32Array {
  const bytes = Buffer.from(b64, 'base64');
  const out = new Int32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readInt32LE(i * 4);
  return out;
}
