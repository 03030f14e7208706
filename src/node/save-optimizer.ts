import type * as tf from '@tensorflow/tfjs-core';
import { writeWeightFiles } from './internal/weight-files';

/**
 * Saves an optimizer's state so training can resume exactly: its class name and config
 * (learning rate, betas, epsilon for Adam) and every slot from `optimizer.getWeights()`
 * (the iteration count, then Adam's first and second moments), as `<dir>/<name>.json` +
 * `<dir>/<name>.bin`. Works for the tfjs optimizers that implement `getWeights()`: Adam, SGD,
 * Momentum, RMSProp, Adagrad and Adadelta (not Adamax).
 *
 * tfjs optimizers match their slots to variables **by position** in the variable list, so
 * after {@link loadOptimizer} keep passing the same variables in the same order
 * (`optimizer.minimize(f, true, varList)`).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { saveOptimizer } from 'tfjs-synth/node';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend();
 * const optG = tf.train.adam(2e-4, 0.5, 0.999);
 * // ... training steps ...
 * await saveOptimizer(optG, 'checkpoints/run1', 'optimizer_G');
 * ```
 * @param name File stem. Default `'optimizer'`.
 */
export async function saveOptimizer(optimizer: tf.Optimizer, dir: string, name = 'optimizer'): Promise<void> {
  if (optimizer == null || typeof optimizer.getWeights !== 'function') {
    throw new Error('saveOptimizer: optimizer must be a tf.Optimizer (for example tf.train.adam()).');
  }
  let weights: Awaited<ReturnType<tf.Optimizer['getWeights']>>;
  try {
    weights = await optimizer.getWeights();
  } catch (err) {
    throw new Error(
      `saveOptimizer: ${optimizer.getClassName()} cannot export its state in tfjs (${(err as Error).message}); ` +
        'Adam, SGD, Momentum, RMSProp, Adagrad and Adadelta can.',
    );
  }
  try {
    await writeWeightFiles('saveOptimizer', dir, name, weights, {
      className: optimizer.getClassName(),
      config: optimizer.getConfig(),
    });
  } finally {
    // getWeights() creates a fresh scalar for the iteration count; the slots are the
    // optimizer's own variables and must stay alive.
    if (weights[0]?.name === 'iter') weights[0].tensor.dispose();
  }
}
