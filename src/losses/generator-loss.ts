import * as tf from '@tensorflow/tfjs-core';
import { assertOneOf } from './internal/checks';
import { checkPrediction, ganTerm, GAN_MODES, type GanMode } from './internal/gan-terms';

/**
 * The generator's adversarial loss on the discriminator's prediction for generated images:
 * `'vanilla'`, `'lsgan'` and `'wgan'` score the fakes as real (`ganLoss(fake, true, mode)`, i.e.
 * the non-saturating BCE, `mean((x - 1)^2)` and `-mean(x)`); `'hinge'` is `-mean(fake)` (not the
 * clipped `relu(1 - x)`, which would stop the gradient once the fakes score above 1).
 *
 * Output: a scalar.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, losses } from 'tfjs-synth';
 * await initBackend();
 * const dFake = tf.randomNormal([8, 4096]);
 * const lossG = losses.generatorLoss(dFake, 'hinge'); // DeepFill v2
 * ```
 */
export function generatorLoss(fake: tf.Tensor, mode: GanMode): tf.Scalar {
  const owner = 'generatorLoss';
  assertOneOf(owner, 'mode', mode, GAN_MODES);
  checkPrediction(owner, 'fake', fake);
  return tf.tidy(() => (mode === 'hinge' ? tf.neg(tf.mean<tf.Scalar>(fake)) : ganTerm(fake, true, mode)));
}
