/**
 * Entry of a training worker thread (bundled to dist/src/train-worker.js): one replica of the
 * model with its own tfjs engine and wasm instance. It answers the coordinator's requests
 * (protocol.ts) until told to exit; it blocks in Atomics.wait between them, which is fine off
 * the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../backend/choose';
import { Vae } from '../../model/vae';
import { Adam } from '../adam';
import { updateCalibration } from '../../model/likelihood';
import { batchGradients, setCalibration } from '../step';
import { CTL, NUMBER_KEYS, REQUEST, SCALAR, weightsChecksum, type WorkerInit, type WorkerMessage } from './protocol';

async function main(init: WorkerInit): Promise<void> {
  await initBackend({ force: 'wasm' });
  const { layout, dims, buffers } = init;
  const vae = new Vae(init.model, 0);
  const weights = Object.fromEntries(Object.entries(init.weights).map(([k, w]) => [k, tf.tensor(w.values, w.shape, 'float32')]));
  vae.store.assign(weights, "The coordinator's weights");
  tf.dispose(Object.values(weights));
  const adam = new Adam(init.adam);
  const moments = Object.fromEntries(Object.entries(init.adam.moments).map(([k, m]) => [k, tf.tensor(m.values, m.shape, 'float32')]));
  adam.setState(init.adam.iterations, moments, init.adam.parameterSteps);
  tf.dispose(Object.values(moments));

  const ctl = new Int32Array(buffers.ctl);
  const scalars = new Float64Array(buffers.scalars);
  const input = new Float32Array(buffers.input);
  const grads = new Float32Array(buffers.grads);
  const D = dims.height * dims.width * dims.channels;
  const noiseStart = dims.maxRows * D;
  const post = (m: WorkerMessage): void => parentPort!.postMessage(m);
  let gradRequests = 0;

  const computeGradients = (): void => {
    gradRequests++;
    if (init.fault && init.fault.atStep === gradRequests) commitFault(init.fault.kind);
    const rows = scalars[SCALAR.rows];
    if (scalars[SCALAR.firstCalibration] >= 0) setCalibration(vae, scalars[SCALAR.firstCalibration]);
    const pixels = input.slice(0, rows * D);
    const noise = input.slice(noiseStart, noiseStart + dims.k * rows * dims.latent);
    const labelStart = noiseStart + dims.k * dims.maxRows * dims.latent;
    const labels = vae.labelCount > 0 ? Int32Array.from(input.subarray(labelStart, labelStart + rows)) : undefined;
    const g = batchGradients(vae, pixels, [rows, dims.height, dims.width, dims.channels], noise, {
      k: dims.k,
      beta: scalars[SCALAR.beta],
      freeBits: 0,
      lowerLayer: scalars[SCALAR.lowerLayer] === 1,
      labels,
    });
    let offset = 0;
    for (let i = 0; i < layout.names.length; i++) {
      grads.set(g.grads[layout.names[i]].dataSync() as Float32Array, offset);
      offset += layout.sizes[i];
    }
    tf.dispose(Object.values(g.grads));
    NUMBER_KEYS.forEach((k, i) => (scalars[SCALAR.numbers + i] = g.numbers[k]));
    scalars[SCALAR.sigma2] = g.sigma2 ? g.sigma2.dataSync()[0] : -1;
    g.sigma2?.dispose();
  };

  const applyAverage = (): void => {
    // Again here: a step whose rows all went to the coordinator sent no GRAD.
    if (scalars[SCALAR.firstCalibration] >= 0) setCalibration(vae, scalars[SCALAR.firstCalibration]);
    const named: tf.NamedTensorMap = {};
    let offset = 0;
    for (let i = 0; i < layout.names.length; i++) {
      named[layout.names[i]] = tf.tensor(grads.slice(offset, offset + layout.sizes[i]), layout.shapes[i], 'float32');
      offset += layout.sizes[i];
    }
    adam.learningRate = scalars[SCALAR.learningRate];
    adam.apply(vae.store.trainable(), named);
    tf.dispose(Object.values(named));
    if (scalars[SCALAR.calibration] >= 0) {
      const s2 = tf.scalar(Math.fround(scalars[SCALAR.calibration]));
      updateCalibration(vae.store, s2);
      s2.dispose();
    }
  };

  const current = (): Record<string, Float32Array> => Object.fromEntries(Object.entries(vae.store.named()).map(([k, v]) => [k, v.dataSync() as Float32Array]));

  post({ type: 'ready' });
  let seen = 0;
  for (;;) {
    // No timeout here: the run may be paused for as long as the user likes; terminate() ends us.
    while (Atomics.load(ctl, CTL.request) === seen) Atomics.wait(ctl, CTL.request, seen, 1000);
    seen = Atomics.load(ctl, CTL.request);
    const kind = Atomics.load(ctl, CTL.kind);
    if (kind === REQUEST.exit) break;
    if (kind === REQUEST.grad) computeGradients();
    else if (kind === REQUEST.apply) applyAverage();
    else if (kind === REQUEST.checksum) {
      const w = current();
      scalars[SCALAR.checksum] = weightsChecksum(Object.keys(w).sort(), (n) => w[n]);
    } else if (kind === REQUEST.weights) post({ type: 'weights', weights: current() });
    else throw new Error(`unknown request ${kind}`);
    Atomics.store(ctl, CTL.tensors, tf.memory().numTensors);
    Atomics.store(ctl, CTL.done, seen);
    Atomics.notify(ctl, CTL.done);
  }
  vae.dispose();
  adam.dispose();
}

function commitFault(kind: 'throw' | 'exit' | 'hang'): void {
  if (kind === 'throw') throw new Error('injected fault (test)');
  if (kind === 'exit') process.exit(3);
  const never = new Int32Array(new SharedArrayBuffer(4));
  for (;;) Atomics.wait(never, 0, 0);
}

await main(workerData as WorkerInit);
