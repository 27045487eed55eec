import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AtlasError } from '../errors';

/**
 * Uploaded files (drag and drop, web mode) are written to a staging folder per upload id and
 * imported from there like any folder, so uploads get the same walk, filters and labels.
 */
export function stagingDir(id: string): string {
  if (!/^[\w-]{1,64}$/.test(id)) throw new AtlasError('invalid_input', `Upload id "${id}" must be 1 to 64 letters, digits, _ or -.`);
  return path.join(os.tmpdir(), 'latent-atlas-uploads', id);
}

/** Keep the relative folders of a dropped name (they become labels) but never leave the staging folder. */
export function safeRelativeName(name: string): string {
  const parts = name.replace(/\\/g, '/').split('/').filter((p) => p !== '' && p !== '.' && p !== '..');
  if (parts.length === 0) throw new AtlasError('invalid_input', `Uploaded file name "${name}" has no usable part.`);
  return parts.join(path.sep);
}

export async function stageFiles(id: string, files: Array<{ name: string; base64: string }>): Promise<{ files: number; bytes: number }> {
  const dir = stagingDir(id);
  let bytes = 0;
  for (const f of files) {
    const target = path.join(dir, safeRelativeName(f.name));
    await fs.mkdir(path.dirname(target), { recursive: true });
    const data = Buffer.from(f.base64, 'base64');
    bytes += data.length;
    await fs.writeFile(target, data);
  }
  return { files: files.length, bytes };
}

export async function removeStaging(id: string): Promise<void> {
  await fs.rm(stagingDir(id), { recursive: true, force: true });
}
