import * as tf from '@tensorflow/tfjs';

export interface AdamOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/**
 * Adam (Kingma & Ba 2015) with state we own, so a checkpoint can save and restore it exactly:
 *   m = b1 m + (1 - b1) g,  v = b2 v + (1 - b2) g^2,
 *   p = p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 * t counts each parameter's own updates, from its first non-zero gradient on: the hierarchy's
 * posterior corrections for z2 get zero gradients until the KL warm-up ends, and with the global
 * count their first real steps would be up to ~5x lr (m and v start from zero late, but the
 * correction assumes they have been averaging for t steps). Until then they are left untouched.
 * The bias corrections are computed in double precision, so a resumed run takes exactly the step
 * an uninterrupted one would (tf.train.adam keeps b^t as float32 accumulators and re-derives
 * them with pow on restore, which differs in the last bits).
 */
export class Adam {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  learningRate: number;
  /** Number of updates applied so far. */
  iterations = 0;
  /** Updates each parameter has taken since its first non-zero gradient (absent: none yet). */
  private readonly steps = new Map<string, number>();
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(opts: AdamOptions) {
    this.learningRate = opts.learningRate;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.epsilon = opts.epsilon ?? 1e-7;
  }

  /** Apply one update; grads and params share names. Disposes nothing the caller owns. */
  apply(params: { name: string; variable: tf.Variable }[], grads: tf.NamedTensorMap): void {
    this.iterations++;
    const started = this.startedParameters(params, grads);
    tf.tidy(() => {
      for (const { name, variable } of params) {
        const g = grads[name];
        if (!g || !started.has(name)) continue;
        const t = (this.steps.get(name) ?? 0) + 1;
        this.steps.set(name, t);
        const c1 = 1 - this.beta1 ** t;
        const c2 = 1 - this.beta2 ** t;
        const m = this.slot(this.m, name, variable);
        const v = this.slot(this.v, name, variable);
        const mNew = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
        const vNew = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        m.assign(mNew);
        v.assign(vNew);
        const step = tf.div(tf.div(mNew, c1), tf.add(tf.sqrt(tf.div(vNew, c2)), this.epsilon));
        variable.assign(tf.sub(variable, tf.mul(step, this.learningRate)));
      }
    });
  }

  /**
   * The parameters that take a step now: those already counting, and those whose gradient is
   * non-zero for the first time (one read of their max |g|, only while some have not started).
   */
  private startedParameters(params: { name: string }[], grads: tf.NamedTensorMap): Set<string> {
    const started = new Set<string>();
    const waiting: string[] = [];
    for (const { name } of params) {
      if (!grads[name]) continue;
      if (this.steps.has(name)) started.add(name);
      else waiting.push(name);
    }
    if (waiting.length === 0) return started;
    const largest = tf.tidy(() => tf.stack(waiting.map((name) => tf.max(tf.abs(tf.reshape(grads[name], [-1]))))).dataSync());
    // NaN counts as non-zero: a broken gradient must show, not freeze the parameter.
    waiting.forEach((name, i) => {
      if (!(largest[i] === 0)) started.add(name);
    });
    return started;
  }

  /** Each parameter's own update count (the t of its bias correction), for a checkpoint. */
  parameterSteps(): Record<string, number> {
    return Object.fromEntries(this.steps);
  }

  private slot(map: Map<string, tf.Variable>, name: string, like: tf.Variable): tf.Variable {
    let s = map.get(name);
    if (!s) {
      s = tf.variable(tf.zerosLike(like), false);
      map.set(name, s);
    }
    return s;
  }

  /** Moments as named tensors ("m/<param>", "v/<param>") for a checkpoint. */
  state(): tf.NamedTensorMap {
    const out: tf.NamedTensorMap = {};
    for (const [name, s] of this.m) out[`m/${name}`] = s;
    for (const [name, s] of this.v) out[`v/${name}`] = s;
    return out;
  }

  /**
   * Restore moments, the iteration count and the per-parameter counts saved by state() and
   * parameterSteps(). Without per-parameter counts (checkpoints written before they existed)
   * every parameter with moments counts from the global iteration count, as it did then.
   */
  setState(iterations: number, tensors: tf.NamedTensorMap, parameterSteps?: Record<string, number>): void {
    this.dispose();
    this.iterations = iterations;
    for (const [key, t] of Object.entries(tensors)) {
      const slash = key.indexOf('/');
      const kind = key.slice(0, slash);
      const name = key.slice(slash + 1);
      const map = kind === 'm' ? this.m : kind === 'v' ? this.v : null;
      if (!map) continue;
      map.set(name, tf.variable(t, false));
      if (!parameterSteps && iterations > 0) this.steps.set(name, iterations);
    }
    for (const [name, count] of Object.entries(parameterSteps ?? {})) if (count > 0) this.steps.set(name, count);
  }

  dispose(): void {
    for (const s of this.m.values()) s.dispose();
    for (const s of this.v.values()) s.dispose();
    this.m.clear();
    this.v.clear();
    this.steps.clear();
  }
}

/**
 * The learning rate at `step` of a run of `totalSteps`: `base` until the last `cooldown` share of
 * the steps, then half a cosine down to 0 at the end. Adam at a constant rate keeps jittering
 * around a minimum with steps of about lr; cooling lets the last epochs settle into it, which is
 * what a fixed time budget wants (the final weights are the ones the user keeps).
 */
export function cooledLearningRate(step: number, totalSteps: number, base: number, cooldown: number): number {
  if (!(cooldown > 0) || totalSteps <= 0) return base;
  const start = (1 - cooldown) * totalSteps;
  if (step < start) return base;
  const t = Math.min(1, (step - start) / (cooldown * totalSteps));
  return base * 0.5 * (1 + Math.cos(Math.PI * t));
}
