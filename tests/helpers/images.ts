import sharp from 'sharp';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Write `n` real PNGs with distinct colours into `dir` (created). */
export async function writePngs(dir: string, n: number, size = 20): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const file = path.join(dir, `img-${String(i).padStart(3, '0')}.png`);
    await sharp({ create: { width: size, height: size + (i % 3), channels: 4, background: { r: (i * 37) % 256, g: (i * 91) % 256, b: 200, alpha: 1 } } })
      .png()
      .toFile(file);
    files.push(file);
  }
  return files;
}

export function writeBroken(dir: string, name: string, bytes: Uint8Array | string): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
}
