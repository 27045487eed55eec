import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { AtlasError } from '../errors';
import { writeFileAtomic } from '../util/atomic-write';

/**
 * A tf.io.IOHandler that reads and writes the tfjs model.json + weights.bin pair in a folder.
 * We do not use tf.layers models, so model.json holds the weightsManifest plus our own
 * metadata (format, schema version, model config); tf.io.decodeWeights reads it on any backend.
 * Each file is written atomically (temp + fsync + rename).
 */
export function fileWeightsHandler(dir: string, names: { json: string; bin: string } = { json: 'model.json', bin: 'weights.bin' }): tf.io.IOHandler {
  const jsonPath = path.join(dir, names.json);
  const binPath = path.join(dir, names.bin);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const data = artifacts.weightData;
      if (!artifacts.weightSpecs || data === undefined) throw new AtlasError('internal', 'Nothing to save: no weights given.');
      const bytes = new Uint8Array(Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data);
      await fs.mkdir(dir, { recursive: true });
      await writeFileAtomic(binPath, bytes);
      const json = {
        format: artifacts.format ?? 'latent-atlas-weights',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-core v${tf.version_core}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology ?? null,
        weightsManifest: [{ paths: [names.bin], weights: artifacts.weightSpecs }],
        userDefinedMetadata: artifacts.userDefinedMetadata ?? {},
      };
      await writeFileAtomic(jsonPath, JSON.stringify(json, null, 1));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: bytes.byteLength } };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      let text: string;
      let bin: Buffer;
      try {
        text = await fs.readFile(jsonPath, 'utf8');
        bin = await fs.readFile(binPath);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new AtlasError(
          code === 'ENOENT' ? 'not_found' : 'io_error',
          `Could not read the saved model in ${dir} (${code ?? (err as Error).message}). Choose a folder that holds ${names.json} and ${names.bin}.`,
          { path: dir },
        );
      }
      let json: { format?: string; generatedBy?: string; modelTopology?: object | null; weightsManifest?: tf.io.WeightsManifestConfig; userDefinedMetadata?: Record<string, unknown> };
      try {
        json = JSON.parse(text);
      } catch {
        throw new AtlasError('invalid_input', `${jsonPath} is not valid JSON; the checkpoint is damaged.`, { path: jsonPath });
      }
      const manifest = json.weightsManifest;
      if (!Array.isArray(manifest) || manifest.length !== 1 || !Array.isArray(manifest[0].weights))
        throw new AtlasError('invalid_input', `${jsonPath} has no usable weightsManifest.`, { path: jsonPath });
      const weightSpecs = manifest[0].weights;
      const expected = weightSpecs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
      if (bin.byteLength !== expected)
        throw new AtlasError('invalid_input', `${binPath} holds ${bin.byteLength} bytes but ${names.json} describes ${expected}; the checkpoint is damaged.`, { path: binPath });
      const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer;
      return {
        format: json.format,
        generatedBy: json.generatedBy,
        modelTopology: json.modelTopology ?? undefined,
        weightSpecs,
        weightData,
        // biome-ignore lint/complexity/noBannedTypes: tfjs declares userDefinedMetadata as {[key: string]: {}}
        userDefinedMetadata: (json.userDefinedMetadata ?? {}) as Record<string, {}>,
      };
    },
  };
}

/** Save named tensors (float32) through a handler with our metadata. */
export async function saveNamedTensors(handler: tf.io.IOHandler, tensors: tf.NamedTensorMap, metadata: Record<string, unknown>, format: string): Promise<void> {
  const { data, specs } = await tf.io.encodeWeights(tensors);
  // biome-ignore lint/complexity/noBannedTypes: tfjs declares userDefinedMetadata as {[key: string]: {}}
  await handler.save!({ format, weightSpecs: specs, weightData: data, userDefinedMetadata: metadata as Record<string, {}> });
}

/** Load named tensors and the metadata; the caller disposes the tensors. */
export async function loadNamedTensors(handler: tf.io.IOHandler): Promise<{ tensors: tf.NamedTensorMap; metadata: Record<string, unknown>; format?: string }> {
  const art = await handler.load!();
  const tensors = tf.io.decodeWeights(art.weightData!, art.weightSpecs!);
  return { tensors, metadata: (art.userDefinedMetadata ?? {}) as Record<string, unknown>, format: art.format };
}
