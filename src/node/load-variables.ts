import type * as tf from '@tensorflow/tfjs-core';
import { readWeightFiles } from './internal/weight-files';

/**
 * Loads tensors saved by {@link saveVariables}. The caller owns the returned tensors.
 *
 * @example
 * ```ts
 * import { loadVariables } from 'tfjs-synth/node';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend();
 * const { w, b } = await loadVariables('checkpoints/run1', 'ema');
 * ```
 * @returns A `{ name: tensor }` map in saved order.
 * @throws Error naming the file when it is missing, malformed or truncated.
 */
export async function loadVariables(dir: string, name: string): Promise<tf.NamedTensorMap> {
  const { tensors } = await readWeightFiles('loadVariables', dir, name);
  const out: tf.NamedTensorMap = {};
  for (const { name: n, tensor } of tensors) out[n] = tensor;
  return out;
}
