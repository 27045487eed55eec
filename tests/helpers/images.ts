import sharp from 'sharp';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encodePng } from '../fixtures/png-bytes';

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

/**
 * Write `n` distinct 12x12 RGB PNGs quickly (encoded here, not by sharp): enough files that
 * importing them takes seconds, for tests that must act while an import is running.
 */
export function writeManyPngs(dir: string, n: number): void {
  mkdirSync(dir, { recursive: true });
  const w = 12;
  const samples = new Uint8Array(w * w * 3);
  for (let i = 0; i < n; i++) {
    // Each image's pixels spell its number, so no two are alike (dedupe keeps them all).
    for (let p = 0; p < w * w; p++) {
      samples[p * 3] = i & 255;
      samples[p * 3 + 1] = (i >> 8) & 255;
      samples[p * 3 + 2] = (p * 7 + i) & 255;
    }
    writeFileSync(path.join(dir, `many-${String(i).padStart(6, '0')}.png`), encodePng({ width: w, height: w, bitDepth: 8, colorType: 2, samples }));
  }
}
