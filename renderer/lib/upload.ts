/**
 * Uploads for web mode and drag and drop: files are read as base64 and sent to
 * dataset.stageFiles in messages below 12 MB (the transport's limit is 16 MB), then imported
 * with source {staged}.
 */
import type { Bridge } from './bridge';

/** Largest payload of file data per stageFiles call (base64 characters). */
export const CHUNK_CHARS = 12 * 1024 * 1024;

export interface UploadFile {
  /** Relative path (folder uploads keep their subfolders, which become labels). */
  name: string;
  file: File;
}

export function uploadName(file: File): string {
  return (file.webkitRelativePath || file.name).replace(/^[\\/]+/, '');
}

async function toBase64(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  // Build the binary string in slices: String.fromCharCode on a whole file overflows the stack.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function newStagingId(): string {
  return `up-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Send the files in chunks; a single file larger than a chunk is skipped (the server would
 * refuse it) and returned in `tooBig` so the report can name it.
 */
export async function stageUploads(
  bridge: Bridge,
  staged: string,
  files: UploadFile[],
  options: { signal: AbortSignal; onProgress: (sentBytes: number, totalBytes: number) => void },
): Promise<{ staged: string; files: number; tooBig: string[] }> {
  const totalBytes = files.reduce((n, f) => n + f.file.size, 0);
  let sentBytes = 0;
  let sentFiles = 0;
  const tooBig: string[] = [];
  let batch: Array<{ name: string; base64: string }> = [];
  let batchChars = 0;
  let batchBytes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await bridge.call('dataset.stageFiles', { staged, files: batch }, { signal: options.signal });
    sentFiles += batch.length;
    sentBytes += batchBytes;
    options.onProgress(sentBytes, totalBytes);
    batch = [];
    batchChars = 0;
    batchBytes = 0;
  };
  for (const { name, file } of files) {
    if (options.signal.aborted) throw new DOMException('Cancelled', 'AbortError');
    // base64 is 4/3 of the bytes, plus the JSON around it.
    if (Math.ceil(file.size / 3) * 4 + name.length + 64 > CHUNK_CHARS) {
      tooBig.push(name);
      continue;
    }
    const base64 = await toBase64(file);
    if (batchChars + base64.length + name.length + 64 > CHUNK_CHARS || batch.length >= 5000) await flush();
    batch.push({ name, base64 });
    batchChars += base64.length + name.length + 64;
    batchBytes += file.size;
  }
  await flush();
  return { staged, files: sentFiles, tooBig };
}

/** Every file under a dropped folder (DataTransfer entries), with relative paths. */
export async function filesFromDrop(transfer: DataTransfer): Promise<UploadFile[]> {
  const out: UploadFile[] = [];
  const entries = [...transfer.items].map((i) => i.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => Boolean(e));
  // Without file-system entries (some platforms, synthetic drops) the plain file list still works.
  if (entries.length === 0) return [...transfer.files].map((file) => ({ name: file.name, file }));
  const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
      out.push({ name: prefix + entry.name, file });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      // readEntries returns at most ~100 entries per call: read until it returns none.
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
        if (batch.length === 0) break;
        for (const child of batch) await walk(child, `${prefix}${entry.name}/`);
      }
    }
  };
  for (const entry of entries) await walk(entry, '');
  return out;
}
