import * as tf from '@tensorflow/tfjs-core';

const stopGradientImpl = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
  value: tf.clone(args[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
}));

/**
 * Identity in the forward pass, zero gradient in the backward pass (TF's `tf.stop_gradient`,
 * PyTorch's `.detach()`); tfjs-core has no such op, so it is a `tf.customGrad`.
 *
 * Input shape: any. Output shape: the same.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, ops } from 'tfjs-synth';
 * await initBackend();
 * const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(x, ops.stopGradient(x))));
 * g(tf.tensor1d([1, 2])).print(); // [1, 2]: only the first factor is differentiated
 * ```
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return stopGradientImpl(x) as T;
}
