/**
 * Decide what a file is from its first bytes, never from its name: users rename files, and
 * downloads arrive with the wrong extension.
 */

/** Formats the importer decodes with sharp. */
export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp' | 'tiff' | 'avif' | 'svg';

export type Sniffed =
  | { kind: 'image'; format: ImageFormat }
  /** A recognised image format that sharp (libvips) cannot read. */
  | { kind: 'unsupported'; format: string }
  | { kind: 'unknown' };

function startsWith(bytes: Uint8Array, sig: number[], at = 0): boolean {
  if (bytes.length < at + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (bytes[at + i] !== sig[i]) return false;
  return true;
}

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...bytes.subarray(start, Math.min(end, bytes.length)));
}

/** ISO-BMFF (HEIF family): the major and compatible brands of the leading `ftyp` box. */
function isoBrands(bytes: Uint8Array): string[] | null {
  if (bytes.length < 16 || ascii(bytes, 4, 8) !== 'ftyp') return null;
  const boxSize = Math.min(((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0, bytes.length, 4096);
  const brands = [ascii(bytes, 8, 12)];
  for (let off = 16; off + 4 <= boxSize; off += 4) brands.push(ascii(bytes, off, off + 4));
  return brands;
}

/** SVG is text: optional BOM, XML declaration, comments or doctype, then an <svg element. */
function looksLikeSvg(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 4096))
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (!head.startsWith('<')) return false;
  return /<svg[\s>]/i.test(head);
}

export function sniffFormat(bytes: Uint8Array): Sniffed {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { kind: 'image', format: 'png' };
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { kind: 'image', format: 'jpeg' };
  if (startsWith(bytes, [0x47, 0x49, 0x46, 0x38])) return { kind: 'image', format: 'gif' };
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return { kind: 'image', format: 'webp' };
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return { kind: 'image', format: 'tiff' };
  if (startsWith(bytes, [0x49, 0x49, 0x2b, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2b])) return { kind: 'image', format: 'tiff' }; // BigTIFF
  const brands = isoBrands(bytes);
  if (brands) {
    if (brands.includes('avif') || brands.includes('avis')) return { kind: 'image', format: 'avif' };
    if (brands.some((b) => ['heic', 'heix', 'hevc', 'heim', 'heis', 'mif1', 'msf1'].includes(b))) return { kind: 'unsupported', format: 'HEIC' };
    if (brands.includes('jxl ')) return { kind: 'unsupported', format: 'JPEG XL' };
    if (brands.includes('jp2 ')) return { kind: 'unsupported', format: 'JPEG 2000' };
  }
  if (ascii(bytes, 0, 2) === 'BM' && bytes.length >= 26) return { kind: 'unsupported', format: 'BMP' };
  if (startsWith(bytes, [0x00, 0x00, 0x01, 0x00]) || startsWith(bytes, [0x00, 0x00, 0x02, 0x00])) {
    if (bytes.length >= 6 && (bytes[4] | (bytes[5] << 8)) > 0) return { kind: 'unsupported', format: 'ICO' };
  }
  if (ascii(bytes, 0, 4) === '8BPS') return { kind: 'unsupported', format: 'PSD' };
  if (startsWith(bytes, [0xff, 0x0a]) || startsWith(bytes, [0x00, 0x00, 0x00, 0x0c, 0x4a, 0x58, 0x4c, 0x20])) return { kind: 'unsupported', format: 'JPEG XL' };
  if (startsWith(bytes, [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20]) || startsWith(bytes, [0xff, 0x4f, 0xff, 0x51])) return { kind: 'unsupported', format: 'JPEG 2000' };
  if (ascii(bytes, 0, 4) === 'qoif') return { kind: 'unsupported', format: 'QOI' };
  if (ascii(bytes, 0, 5) === '%PDF-') return { kind: 'unsupported', format: 'PDF' };
  if (looksLikeSvg(bytes)) return { kind: 'image', format: 'svg' };
  return { kind: 'unknown' };
}

/**
 * Whether the file visibly ends early: PNG without a complete IEND chunk, JPEG without its
 * end-of-image marker, GIF without its trailer. Used to name the reason when sharp's own
 * message is unclear (libvips reports "Unknown error" when several decodes fail at once).
 */
export function looksTruncated(bytes: Uint8Array, format: ImageFormat): boolean {
  const n = bytes.length;
  if (format === 'png') {
    let off = 8;
    while (off + 12 <= n) {
      const len = ((bytes[off] << 24) | (bytes[off + 1] << 16) | (bytes[off + 2] << 8) | bytes[off + 3]) >>> 0;
      const type = ascii(bytes, off + 4, off + 8);
      if (off + 12 + len > n) return true;
      if (type === 'IEND') return false;
      off += 12 + len;
    }
    return true;
  }
  if (format === 'jpeg') {
    // Trailing padding after EOI is common; look for FF D9 near the end.
    for (let i = n - 2; i >= Math.max(0, n - 1024); i--) if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return false;
    return true;
  }
  if (format === 'gif') {
    for (let i = n - 1; i >= Math.max(0, n - 16); i--) if (bytes[i] === 0x3b) return false;
    return true;
  }
  return false;
}
