import * as tf from '@tensorflow/tfjs-core';
import { checkBoolean } from '../core/checks';
import { assertOneOf } from './internal/checks';
import { checkPrediction, ganTerm, GAN_MODES, type GanMode } from './internal/gan-terms';

export { GAN_MODES, type GanMode } from './internal/gan-terms';

/**
 * The adversarial loss of a discriminator's prediction against an all-real or all-fake target,
 * mean over every element (any shape, e.g. PatchGAN logits [b, 30, 30, 1]). As `GANLoss` of
 * pytorch-CycleGAN-and-pix2pix, with the hinge loss of the SN-GAN/DeepFill v2 discriminator:
 *
 * - `'vanilla'` (Goodfellow et al. 2014): BCE with logits, `max(x, 0) - x * z + log(1 + exp(-|x|))`
 *   with z = 1 (real) or 0 (fake); stable for any logit.
 * - `'lsgan'` (Mao et al. 2017): `mean((x - z)^2)`.
 * - `'hinge'` (Lim & Ye 2017; Miyato et al. 2018): real `mean(relu(1 - x))`, fake `mean(relu(1 + x))`.
 *   These are the discriminator's terms; the hinge generator loss is `-mean(fake)`, see
 *   {@link generatorLoss}.
 * - `'wgan'` (Arjovsky et al. 2017, the reference's 'wgangp'): real `-mean(x)`, fake `mean(x)`.
 *
 * Output: a scalar. Differentiable with respect to `prediction`.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, losses } from 'tfjs-synth';
 * await initBackend();
 * const logits = tf.randomNormal([4, 30, 30, 1]);
 * const l = losses.ganLoss(logits, true, 'vanilla'); // scalar
 * ```
 */
export function ganLoss(prediction: tf.Tensor, targetIsReal: boolean, mode: GanMode): tf.Scalar {
  const owner = 'ganLoss';
  assertOneOf(owner, 'mode', mode, GAN_MODES);
  checkPrediction(owner, 'prediction', prediction);
  checkBoolean(owner, 'targetIsReal', targetIsReal);
  return tf.tidy(() => ganTerm(prediction, targetIsReal, mode));
}
