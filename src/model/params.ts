import * as tf from '@tensorflow/tfjs';
import { AtlasError } from '../errors';
import type { Rng } from './rng';

/**
 * The model's own variables, keyed by stable names ("encoder/conv0/kernel"). tfjs variable
 * names are global to the engine, so the variables themselves stay anonymous and the names
 * live here; they are what model.json's weightsManifest and the optimizer state use.
 */
export class ParamStore {
  private readonly entries = new Map<string, { variable: tf.Variable; trainable: boolean }>();

  add(name: string, shape: number[], values: Float32Array, trainable = true): tf.Variable {
    if (this.entries.has(name)) throw new AtlasError('internal', `Parameter ${name} defined twice.`);
    const init = tf.tensor(values, shape, 'float32');
    const variable = tf.variable(init, trainable);
    init.dispose(); // the variable holds its own reference to the data
    this.entries.set(name, { variable, trainable });
    return variable;
  }

  get(name: string): tf.Variable {
    const e = this.entries.get(name);
    if (!e) throw new AtlasError('internal', `No parameter named ${name}.`);
    return e.variable;
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  /** Trainable variables in a fixed order (definition order), so runs are repeatable. */
  trainable(): { name: string; variable: tf.Variable }[] {
    return [...this.entries].filter(([, e]) => e.trainable).map(([name, e]) => ({ name, variable: e.variable }));
  }

  /** All variables, trainable or not, as a map for saving. */
  named(): tf.NamedTensorMap {
    const out: tf.NamedTensorMap = {};
    for (const [name, e] of this.entries) out[name] = e.variable;
    return out;
  }

  /** Copy saved values in; every parameter must be present with the same shape. */
  assign(values: tf.NamedTensorMap, source: string): void {
    for (const [name, e] of this.entries) {
      const v = values[name];
      if (!v) throw new AtlasError('invalid_input', `${source} has no weight "${name}"; it was saved by a different model configuration.`, { name });
      if (!tf.util.arraysEqual(v.shape, e.variable.shape))
        throw new AtlasError('invalid_input', `${source}: weight "${name}" has shape [${v.shape}] but the model expects [${e.variable.shape}].`, { name });
      // toFloat() makes a new tensor even when v is float32 already: free it after the copy.
      const asFloat = v.toFloat();
      e.variable.assign(asFloat);
      asFloat.dispose();
    }
  }

  count(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.variable.size;
    return n;
  }

  dispose(): void {
    for (const e of this.entries.values()) e.variable.dispose();
    this.entries.clear();
  }
}

/** Glorot-uniform values drawn from our own PRNG, so initialisation does not depend on the backend. */
export function glorotUniform(rng: Rng, size: number, fanIn: number, fanOut: number): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (2 * rng.uniform() - 1) * limit;
  return out;
}
