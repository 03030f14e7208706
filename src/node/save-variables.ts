import type * as tf from '@tensorflow/tfjs-core';
import { writeWeightFiles } from './internal/weight-files';

/**
 * Saves named tensors (for example EMA weights, a SpectralNorm `u`, or any state a trainer
 * keeps outside a model) as `<dir>/<name>.json` + `<dir>/<name>.bin`. The tensors are not
 * disposed. Reload with {@link loadVariables}.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { saveVariables } from 'tfjs-synth/node';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend();
 * await saveVariables('checkpoints/run1', 'ema', { w: tf.ones([3, 3]), b: tf.zeros([3]) });
 * ```
 * @param tensors A `{ name: tensor }` map or a `{ name, tensor }[]` list (order is kept).
 * @throws Error for a bad `name`, a disposed tensor or a duplicate name.
 */
export async function saveVariables(
  dir: string,
  name: string,
  tensors: tf.NamedTensorMap | ReadonlyArray<{ name: string; tensor: tf.Tensor }>,
): Promise<void> {
  const list = isList(tensors) ? [...tensors] : Object.entries(tensors).map(([n, tensor]) => ({ name: n, tensor }));
  await writeWeightFiles('saveVariables', dir, name, list);
}

function isList(
  t: tf.NamedTensorMap | ReadonlyArray<{ name: string; tensor: tf.Tensor }>,
): t is ReadonlyArray<{ name: string; tensor: tf.Tensor }> {
  return Array.isArray(t);
}
