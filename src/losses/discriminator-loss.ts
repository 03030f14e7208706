import * as tf from '@tensorflow/tfjs-core';
import { checkNumber } from '../core/checks';
import { assertOneOf } from './internal/checks';
import { checkPrediction, ganTerm, GAN_MODES, type GanMode } from './internal/gan-terms';

/** Options of {@link discriminatorLoss}. */
export interface DiscriminatorLossOptions {
  /**
   * Multiplies the sum of the real and fake terms. Default 1 (plain sum). pix2pix and CycleGAN
   * use 0.5 (`loss_D = (loss_D_real + loss_D_fake) * 0.5`), as does DeepFill v2's hinge loss
   * (`0.5 * mean(relu(1 - pos)) + 0.5 * mean(relu(1 + neg))`); pass `scale: 0.5` to reproduce them.
   */
  scale?: number;
}

/**
 * The discriminator's loss: `scale * (ganLoss(real, true) + ganLoss(fake, false))`.
 * For `'hinge'` that is `scale * (mean(relu(1 - real)) + mean(relu(1 + fake)))`; for `'wgan'`,
 * `scale * (mean(fake) - mean(real))` (add {@link gradientPenalty} for WGAN-GP).
 *
 * `scale` defaults to 1 (the plain sum). pix2pix/CycleGAN and DeepFill v2 use 0.5.
 * `real` and `fake` may have different shapes (each term is a mean). Output: a scalar.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, losses } from 'tfjs-synth';
 * await initBackend();
 * const dReal = tf.randomNormal([1, 30, 30, 1]);
 * const dFake = tf.randomNormal([1, 30, 30, 1]);
 * const lossD = losses.discriminatorLoss(dReal, dFake, 'lsgan', { scale: 0.5 }); // CycleGAN
 * ```
 */
export function discriminatorLoss(
  real: tf.Tensor,
  fake: tf.Tensor,
  mode: GanMode,
  options: DiscriminatorLossOptions = {},
): tf.Scalar {
  const owner = 'discriminatorLoss';
  assertOneOf(owner, 'mode', mode, GAN_MODES);
  checkPrediction(owner, 'real', real);
  checkPrediction(owner, 'fake', fake);
  const scale = checkNumber(owner, 'scale', options.scale ?? 1);
  return tf.tidy(() => tf.mul(tf.add(ganTerm(real, true, mode), ganTerm(fake, false, mode)), scale));
}
