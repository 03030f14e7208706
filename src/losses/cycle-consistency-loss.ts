import * as tf from '@tensorflow/tfjs-core';
import { assertFinite, assertSameShape } from './internal/checks';

/**
 * CycleGAN's cycle-consistency loss (Zhu et al. 2017, "Unpaired Image-to-Image Translation using
 * Cycle-Consistent Adversarial Networks", https://arxiv.org/abs/1703.10593):
 * `lambda * mean(|reconstructed - original|)`, e.g. `reconstructed = G_B(G_A(A))`.
 * The reference's `lambda_A = lambda_B = 10`. Input: same shapes. Output: a scalar.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, losses } from 'tfjs-synth';
 * await initBackend();
 * const a = tf.randomUniform([1, 64, 64, 3], -1, 1);
 * const recA = tf.randomUniform([1, 64, 64, 3], -1, 1);
 * const l = losses.cycleConsistencyLoss(recA, a, 10);
 * ```
 */
export function cycleConsistencyLoss(reconstructed: tf.Tensor, original: tf.Tensor, lambda = 10): tf.Scalar {
  const owner = 'cycleConsistencyLoss';
  assertSameShape(owner, 'reconstructed', reconstructed, 'original', original);
  assertFinite(owner, 'lambda', lambda);
  return tf.tidy(() => tf.mul(tf.mean(tf.abs(tf.sub(reconstructed, original))), lambda));
}
