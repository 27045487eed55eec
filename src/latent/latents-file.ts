/**
 * The encoded dataset at rest: <runDir>/latents.bin (header + float32 arrays) and
 * <runDir>/latents.json (what it was computed from). Both carry a key naming the model
 * weights and the dataset; a mismatch anywhere means "encode again". latents.bin holds the
 * key's hash in its header, so a crash between the two atomic writes cannot pair a new
 * json with an old bin.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { writeFileAtomic } from '../util/atomic-write';
import type { Latents } from './encode';

export const LATENTS_BIN = 'latents.bin';
export const LATENTS_JSON = 'latents.json';
const MAGIC = 0x4e54414c; // "LATN" little-endian
const VERSION = 1;
const HEADER = 48; // magic, version, count, J (4 x uint32) + 32-byte sha256 of the key

export interface LatentsKey {
  modelKey: string;
  datasetHash: string;
  count: number;
  latentDim: number;
}

interface LatentsMeta extends LatentsKey {
  schemaVersion: number;
  step: number;
  checkpoint: string;
  writtenAt: string;
  layout: string;
}

const keyHash = (key: LatentsKey) =>
  createHash('sha256')
    .update(JSON.stringify([key.modelKey, key.datasetHash, key.count, key.latentDim]))
    .digest();

/** Read cached latents if they were computed by exactly this model on exactly this dataset; else null. */
export async function readLatents(runDir: string, key: LatentsKey): Promise<Latents | null> {
  let meta: LatentsMeta;
  let bytes: Buffer;
  try {
    meta = JSON.parse(await fs.readFile(path.join(runDir, LATENTS_JSON), 'utf8')) as LatentsMeta;
    if (meta.schemaVersion !== VERSION || meta.modelKey !== key.modelKey || meta.datasetHash !== key.datasetHash || meta.count !== key.count || meta.latentDim !== key.latentDim) return null;
    bytes = await fs.readFile(path.join(runDir, LATENTS_BIN));
  } catch {
    return null;
  }
  const { count, latentDim: J } = key;
  const floats = 2 * count * J + 2 * count;
  if (bytes.length !== HEADER + 4 * floats) return null;
  if (bytes.readUInt32LE(0) !== MAGIC || bytes.readUInt32LE(4) !== VERSION || bytes.readUInt32LE(8) !== count || bytes.readUInt32LE(12) !== J) return null;
  if (!bytes.subarray(16, 48).equals(keyHash(key))) return null;
  // Copy into an aligned buffer; Buffer pools may start at any offset.
  const all = new Float32Array(floats);
  new Uint8Array(all.buffer).set(bytes.subarray(HEADER));
  if (!isLittleEndian()) swapBytes(all);
  let o = 0;
  const take = (n: number) => all.subarray(o, (o += n));
  return { count, latentDim: J, mu: take(count * J), logvar: take(count * J), reconError: take(count), kl: take(count) };
}

export async function writeLatents(runDir: string, key: LatentsKey, latents: Latents, info: { step: number; checkpoint: string }): Promise<void> {
  const { count, latentDim: J } = key;
  const bytes = Buffer.alloc(HEADER + 4 * (2 * count * J + 2 * count));
  bytes.writeUInt32LE(MAGIC, 0);
  bytes.writeUInt32LE(VERSION, 4);
  bytes.writeUInt32LE(count, 8);
  bytes.writeUInt32LE(J, 12);
  keyHash(key).copy(bytes, 16);
  let o = HEADER;
  for (const arr of [latents.mu, latents.logvar, latents.reconError, latents.kl]) {
    for (let i = 0; i < arr.length; i++, o += 4) bytes.writeFloatLE(arr[i], o);
  }
  await fs.mkdir(runDir, { recursive: true });
  await writeFileAtomic(path.join(runDir, LATENTS_BIN), bytes);
  const meta: LatentsMeta = {
    schemaVersion: VERSION,
    ...key,
    step: info.step,
    checkpoint: info.checkpoint,
    writtenAt: new Date().toISOString(),
    layout: `48-byte header, then float32 LE: mu[${count}x${J}], logvar[${count}x${J}], reconError[${count}], kl[${count}]`,
  };
  await writeFileAtomic(path.join(runDir, LATENTS_JSON), JSON.stringify(meta, null, 1));
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
}

function swapBytes(a: Float32Array): void {
  const u = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  for (let i = 0; i < u.length; i += 4) {
    [u[i], u[i + 3]] = [u[i + 3], u[i]];
    [u[i + 1], u[i + 2]] = [u[i + 2], u[i + 1]];
  }
}
