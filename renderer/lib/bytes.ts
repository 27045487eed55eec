/**
 * Base64 to bytes, the one decoder for everything the engine sends as base64 (PNGs, and the
 * little-endian f32/i32/u8 arrays of src/contract/latent.ts). atob gives a binary string with
 * one char per byte (0-255); it throws on text that is not base64.
 */
export function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** A typed array over the decoded bytes (the wire's little-endian order is the page's own on every platform we ship). */
export function base64ToArray<T extends Float32Array | Int32Array | Uint8Array>(base64: string, kind: new (buffer: ArrayBuffer) => T): T {
  return new kind(base64ToBytes(base64).buffer);
}

/** A base64 PNG as a blob URL (the caller revokes it when the image goes). */
export function pngObjectUrl(base64: string): string {
  return URL.createObjectURL(new Blob([base64ToBytes(base64)], { type: 'image/png' }));
}
