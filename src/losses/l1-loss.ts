import * as tf from '@tensorflow/tfjs-core';
import { assertSameShape } from './internal/checks';

/**
 * Mean absolute error, `mean(|a - b|)` over every element (PyTorch `L1Loss()`, reduction 'mean').
 * Input: two tensors of the same shape. Output: a scalar.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, losses } from 'tfjs-synth';
 * await initBackend();
 * const l = losses.l1Loss(tf.ones([1, 4, 4, 3]), tf.zeros([1, 4, 4, 3])); // 1
 * ```
 */
export function l1Loss(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  assertSameShape('l1Loss', 'a', a, 'b', b);
  return tf.tidy(() => tf.mean(tf.abs(tf.sub(a, b))));
}
