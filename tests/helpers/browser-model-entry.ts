/**
 * Bundled for the browser by tests/e2e/checkpoint-browser.test.ts: load a checkpoint's
 * model.json + weights.bin over HTTP with tfjs's own browser loader and decode latents with
 * the app's model code, on tfjs's cpu backend in the page.
 */
import * as tf from '@tensorflow/tfjs';
import { resolveModelConfig, type ModelConfig } from '../../src/model/config';
import { Vae } from '../../src/model/vae';

async function decodeCheckpoint(modelJsonUrl: string, z: number[][]) {
  await tf.setBackend('cpu');
  await tf.ready();
  const artifacts = await tf.io.browserHTTPRequest(modelJsonUrl).load!();
  const weights = tf.io.decodeWeights(artifacts.weightData!, artifacts.weightSpecs!);
  const meta = artifacts.userDefinedMetadata as { modelConfig: ModelConfig };
  const vae = new Vae(resolveModelConfig(meta.modelConfig), 0);
  vae.store.assign(weights, modelJsonUrl);
  tf.dispose(Object.values(weights));
  const out = vae.decodeMean(tf.tensor2d(z));
  const values = Array.from(await out.data());
  const shape = out.shape;
  out.dispose();
  vae.dispose();
  return { backend: tf.getBackend(), format: artifacts.format ?? null, shape, values };
}

(globalThis as unknown as { decodeCheckpoint: typeof decodeCheckpoint }).decodeCheckpoint = decodeCheckpoint;
