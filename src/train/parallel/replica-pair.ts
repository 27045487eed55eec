import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { AtlasError } from '../../errors';
import type { Vae } from '../../model/vae';
import type { Adam } from '../adam';
import { updateCalibration } from '../../model/likelihood';
import { batchGradients, calibrateBeforeFirstStep, type StepNumbers } from '../step';
import { trainWorkerFile } from './locate';
import { CTL, NUMBER_KEYS, REQUEST, SCALAR, SCALARS_LENGTH, weightsChecksum, type ParamLayout, type WorkerFault, type WorkerInit, type WorkerMessage } from './protocol';

export interface ReplicaDims {
  height: number;
  width: number;
  channels: number;
  latent: number;
  /** Samples per image (noise is [k, rows, latent]). */
  k: number;
  /** The largest global batch a step will get. */
  batch: number;
}

export interface ParallelOptions {
  /** How long to wait for the worker's answer before failing the run (default 120 s). */
  timeoutMs?: number;
  /** Tests only: make the worker fail. */
  fault?: WorkerFault;
  /** Tests only: a different worker script. */
  workerFile?: string;
}

const DEFAULT_TIMEOUT_MS = 120_000;

type WaitAsync = (ta: Int32Array, index: number, value: number, timeout: number) => { async: boolean; value: Promise<string> | string };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

function snapshot(map: tf.NamedTensorMap): Record<string, { shape: number[]; values: Float32Array }> {
  return Object.fromEntries(Object.entries(map).map(([k, t]) => [k, { shape: t.shape, values: t.dataSync() as Float32Array }]));
}

/**
 * Data-parallel training on two replicas: this thread's model (replica 0, the model of record
 * that evaluation and checkpoints use) and a copy in a worker thread (replica 1). Each step
 * splits the batch rows in two, both compute the gradient of the batch-mean loss over their
 * rows at the same time, and both apply the row-weighted average, which equals the whole
 * batch's gradient up to float summation order. Every replica applies the same float32 average
 * with the same wasm kernels, so the weights stay bit-identical (verify() checks it).
 */
export class ReplicaPair {
  readonly workers = 2;
  private readonly ctl: Int32Array;
  private readonly scalars: Float64Array;
  private readonly input: Float32Array;
  private readonly grads: Float32Array;
  private seq = 0;
  private failure: AtlasError | null = null;
  private wakeOnFailure: () => void = () => {};
  private readonly failed: Promise<void>;
  private closing = false;
  private readonly timeoutMs: number;
  private replies: ((m: WorkerMessage) => void)[] = [];

  private constructor(
    private readonly vae: Vae,
    private readonly adam: Adam,
    private readonly layout: ParamLayout,
    private readonly dims: ReplicaDims,
    private readonly worker: Worker,
    init: WorkerInit,
    opts: ParallelOptions,
  ) {
    this.ctl = new Int32Array(init.buffers.ctl);
    this.scalars = new Float64Array(init.buffers.scalars);
    this.input = new Float32Array(init.buffers.input);
    this.grads = new Float32Array(init.buffers.grads);
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.failed = new Promise((resolve) => (this.wakeOnFailure = resolve));
    worker.on('message', (m: WorkerMessage) => this.replies.shift()?.(m));
    worker.on('error', (err) => this.fail(`it threw: ${err.message}`));
    worker.on('exit', (code) => this.fail(`it exited with code ${code}`));
  }

  /** Start the worker with a copy of `vae` and `adam` as they are now; resolves once it is ready. */
  static async start(vae: Vae, adam: Adam, dims: ReplicaDims, opts: ParallelOptions = {}): Promise<ReplicaPair> {
    const trainable = vae.store.trainable();
    const layout: ParamLayout = { names: trainable.map((p) => p.name), shapes: trainable.map((p) => p.variable.shape), sizes: trainable.map((p) => p.variable.size), total: 0 };
    layout.total = layout.sizes.reduce((a, b) => a + b, 0);
    const D = dims.height * dims.width * dims.channels;
    const maxRows = Math.floor(dims.batch / 2);
    const init: WorkerInit = {
      rank: 1,
      model: vae.config,
      weights: snapshot(vae.store.named()),
      adam: {
        learningRate: adam.learningRate,
        beta1: adam.beta1,
        beta2: adam.beta2,
        epsilon: adam.epsilon,
        iterations: adam.iterations,
        parameterSteps: adam.parameterSteps(),
        moments: snapshot(adam.state()),
      },
      layout,
      buffers: {
        ctl: new SharedArrayBuffer(CTL.length * 4),
        scalars: new SharedArrayBuffer(SCALARS_LENGTH * 8),
        // Pixels, noise, then one label row per image (exact as float32: vocabularies are small).
        input: new SharedArrayBuffer(Math.max(1, maxRows * (D + dims.k * dims.latent + 1)) * 4),
        grads: new SharedArrayBuffer(layout.total * 4),
      },
      dims: { height: dims.height, width: dims.width, channels: dims.channels, latent: dims.latent, k: dims.k, maxRows },
      fault: opts.fault,
    };
    const file = opts.workerFile ?? (await trainWorkerFile());
    const worker = new Worker(file, { workerData: init, name: 'latent-atlas-train-1' });
    const pair = new ReplicaPair(vae, adam, layout, dims, worker, init, opts);
    const ready = new Promise<void>((resolve) => pair.replies.push(() => resolve()));
    try {
      await pair.until(ready, Math.max(pair.timeoutMs, 60_000), 'word that it is ready');
    } catch (err) {
      await pair.close();
      throw err;
    }
    return pair;
  }

  /**
   * One optimiser step on `rows` images (pixels rows * D, noise [k, rows, J]) at KL weight
   * `beta`: this thread takes the first ceil(rows / 2) rows, the worker the rest.
   */
  async step(pixels: Float32Array, rows: number, noise: Float32Array, beta: number, lowerLayer = true, labels?: Int32Array): Promise<StepNumbers> {
    await this.answered('the previous update');
    const { height, width, channels, latent: J, k } = this.dims;
    const D = height * width * channels;
    const own = Math.ceil(rows / 2);
    const theirs = rows - own;
    const maxRows = Math.floor(this.dims.batch / 2);
    if (theirs > maxRows) throw new AtlasError('internal', `A step of ${rows} images is larger than the batch of ${this.dims.batch} the workers were sized for.`);
    // Noise is [k, rows, J]: each replica takes its rows from every one of the k samples.
    this.input.set(pixels.subarray(own * D, rows * D), 0);
    const ownNoise = new Float32Array(k * own * J);
    for (let s = 0; s < k; s++) {
      ownNoise.set(noise.subarray(s * rows * J, (s * rows + own) * J), s * own * J);
      this.input.set(noise.subarray((s * rows + own) * J, (s + 1) * rows * J), maxRows * D + s * theirs * J);
    }
    if (labels) for (let r = 0; r < theirs; r++) this.input[maxRows * (D + k * J) + r] = labels[own + r];
    this.scalars[SCALAR.rows] = theirs;
    this.scalars[SCALAR.beta] = beta;
    this.scalars[SCALAR.lowerLayer] = lowerLayer ? 1 : 0;
    // The run's first step on a calibrated decoder: both replicas start from the whole batch's s^2.
    const opts = { k, beta, freeBits: 0, lowerLayer, labels: labels?.subarray(0, rows) };
    this.scalars[SCALAR.firstCalibration] = calibrateBeforeFirstStep(this.vae, pixels.subarray(0, rows * D), [rows, height, width, channels], noise.subarray(0, k * rows * J), opts) ?? -1;
    if (theirs > 0) this.post(REQUEST.grad);

    const mine = batchGradients(this.vae, pixels.subarray(0, own * D), [own, height, width, channels], ownNoise, { k, beta, freeBits: 0, lowerLayer, labels: labels?.subarray(0, own) });
    const ownGrads = this.layout.names.map((name) => {
      const g = mine.grads[name];
      if (!g) throw new AtlasError('internal', `No gradient for parameter ${name}.`);
      return g.dataSync() as Float32Array;
    });
    tf.dispose(Object.values(mine.grads));
    const ownSigma2 = mine.sigma2 ? mine.sigma2.dataSync()[0] : -1;
    mine.sigma2?.dispose();
    if (theirs > 0) await this.answered('its gradients');

    // grad(batch mean) = sum over replicas of (rows_r / rows) * grad(mean over replica r's rows).
    const w0 = own / rows;
    const w1 = theirs / rows;
    const numbers = { ...mine.numbers };
    for (const [i, key] of NUMBER_KEYS.entries()) numbers[key] = w0 * mine.numbers[key] + (theirs > 0 ? w1 * this.scalars[SCALAR.numbers + i] : 0);
    let offset = 0;
    for (const g of ownGrads) {
      const avg = this.grads.subarray(offset, offset + g.length);
      if (theirs > 0) for (let i = 0; i < g.length; i++) avg[i] = w0 * g[i] + w1 * avg[i];
      else avg.set(g);
      offset += g.length;
    }
    // Calibrated decoder: the whole batch's MSE is the row-weighted mean of the halves' MSEs.
    this.scalars[SCALAR.calibration] = ownSigma2 < 0 ? -1 : theirs > 0 ? w0 * ownSigma2 + w1 * this.scalars[SCALAR.sigma2] : ownSigma2;
    this.scalars[SCALAR.learningRate] = this.adam.learningRate;
    this.post(REQUEST.apply);
    this.applyAverage();
    return numbers;
  }

  /** Same float32 values, same Adam, same kernels as the worker's applyAverage. */
  private applyAverage(): void {
    const named: tf.NamedTensorMap = {};
    let offset = 0;
    this.layout.names.forEach((name, i) => {
      named[name] = tf.tensor(this.grads.slice(offset, offset + this.layout.sizes[i]), this.layout.shapes[i], 'float32');
      offset += this.layout.sizes[i];
    });
    this.adam.apply(this.vae.store.trainable(), named);
    tf.dispose(Object.values(named));
    if (this.scalars[SCALAR.calibration] >= 0) {
      const s2 = tf.scalar(Math.fround(this.scalars[SCALAR.calibration]));
      updateCalibration(this.vae.store, s2);
      s2.dispose();
    }
  }

  /** Fails with an internal error if the worker's weights are not bit-identical to ours. */
  async verify(): Promise<void> {
    await this.answered('the previous update');
    this.post(REQUEST.checksum);
    const mine = Object.fromEntries(Object.entries(this.vae.store.named()).map(([k, v]) => [k, v.dataSync() as Float32Array]));
    const ours = weightsChecksum(Object.keys(mine).sort(), (n) => mine[n]);
    await this.answered('its weights checksum');
    if (this.scalars[SCALAR.checksum] !== ours)
      throw new AtlasError('internal', 'The two training replicas no longer have identical weights; the run was stopped. Resume it with workers set to 1 and report this bug.');
  }

  /** The worker's weights (tests compare them with replica 0's). */
  async workerWeights(): Promise<Record<string, Float32Array>> {
    await this.answered('the previous update');
    const reply = new Promise<WorkerMessage>((resolve) => this.replies.push(resolve));
    this.post(REQUEST.weights);
    const m = await this.until(reply, this.timeoutMs, 'its weights');
    await this.answered('its weights');
    if (m.type !== 'weights') throw new AtlasError('internal', `The training worker answered "${m.type}" when asked for its weights.`);
    return m.weights;
  }

  /** tf.memory().numTensors in the worker after its last answer. */
  get workerTensors(): number {
    return Atomics.load(this.ctl, CTL.tensors);
  }

  /** Ask the worker to exit and terminate it; safe to call more than once. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (!this.failure && Atomics.load(this.ctl, CTL.done) === this.seq) this.post(REQUEST.exit);
    await this.worker.terminate();
  }

  private post(kind: number): void {
    Atomics.store(this.ctl, CTL.kind, kind);
    Atomics.store(this.ctl, CTL.request, ++this.seq);
    Atomics.notify(this.ctl, CTL.request);
  }

  private fail(why: string): void {
    if (this.closing || this.failure) return;
    this.failure = new AtlasError('internal', `The training worker thread failed (${why}); the run was stopped. Resume it from its last checkpoint, or set workers to 1.`);
    this.wakeOnFailure();
  }

  /** Wait, without blocking this thread's event loop, until the worker has answered the newest request. */
  private async answered(what: string): Promise<void> {
    const deadline = performance.now() + this.timeoutMs;
    for (;;) {
      if (this.failure) throw this.failure;
      const done = Atomics.load(this.ctl, CTL.done);
      if (done === this.seq) return;
      const left = deadline - performance.now();
      if (left <= 0) throw this.timedOut(what);
      // Short slices: an abandoned wait lingers at most this long after a failure.
      const w = waitAsync(this.ctl, CTL.done, done, Math.min(left, 500));
      if (w.async) await Promise.race([w.value, this.failed]);
    }
  }

  private async until<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
    try {
      const r = await Promise.race([p, timeout, this.failed.then(() => 'failed' as const)]);
      if (this.failure) throw this.failure;
      if (r === 'timeout') throw this.timedOut(what);
      return r as T;
    } finally {
      clearTimeout(timer);
    }
  }

  private timedOut(what: string): AtlasError {
    const s = Math.round(this.timeoutMs / 1000);
    const err = new AtlasError(
      'internal',
      `The training worker thread did not send ${what} within ${s} s; it may have hung or the machine is overloaded. The run was stopped; resume it from its last checkpoint, or set workers to 1.`,
    );
    this.failure ??= err;
    return err;
  }
}
