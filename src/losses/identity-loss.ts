import * as tf from '@tensorflow/tfjs-core';
import { assertFinite, assertSameShape } from './internal/checks';

/**
 * CycleGAN's identity loss (Zhu et al. 2017, section 5.2, after Taigman et al. 2017):
 * `lambda * lambdaIdentity * mean(|mapped - original|)` where `mapped = G_A(B)` for `original = B`
 * (a generator fed an image of its target domain should return it unchanged). The reference uses
 * `lambda` 10 and `lambda_identity` 0.5, a weight of 5. Input: same shapes. Output: a scalar.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, losses } from 'tfjs-synth';
 * await initBackend();
 * const b = tf.randomUniform([1, 64, 64, 3], -1, 1);
 * const idtA = tf.randomUniform([1, 64, 64, 3], -1, 1); // G_A(b)
 * const l = losses.identityLoss(idtA, b, 10, 0.5);
 * ```
 */
export function identityLoss(mapped: tf.Tensor, original: tf.Tensor, lambda = 10, lambdaIdentity = 0.5): tf.Scalar {
  const owner = 'identityLoss';
  assertSameShape(owner, 'mapped', mapped, 'original', original);
  assertFinite(owner, 'lambda', lambda);
  assertFinite(owner, 'lambdaIdentity', lambdaIdentity);
  return tf.tidy(() => tf.mul(tf.mean(tf.abs(tf.sub(mapped, original))), lambda * lambdaIdentity));
}
