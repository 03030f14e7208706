import * as tf from '@tensorflow/tfjs-core';
import { checkError } from '../core/checks';
import { assertSameShape } from './internal/checks';

/**
 * The KL divergence of N(mu, exp(logvar)) from N(0, 1), summed over the batch and the latent
 * dimensions: `-0.5 * sum(1 + logvar - mu^2 - exp(logvar))` (SPADE's `KLDLoss`, the VAE term
 * of GauGAN's generator loss, weighted there by `lambda_kld` 0.05; Kingma & Welling 2014,
 * https://arxiv.org/abs/1312.6114).
 *
 * Input: mu and logvar of the same shape, e.g. `spadeEncoder`'s outputs [batch, zDim]. Output: a scalar.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, losses } from 'tfjs-synth';
 * await initBackend();
 * const kld = losses.klDivergenceLoss(tf.zeros([2, 8]), tf.zeros([2, 8])); // 0
 * ```
 * @throws Error when mu or logvar is not a tensor or their shapes differ.
 */
export function klDivergenceLoss(mu: tf.Tensor, logvar: tf.Tensor): tf.Scalar {
  const owner = 'klDivergenceLoss';
  if (!(mu instanceof tf.Tensor)) throw checkError(owner, 'mu', 'a tensor', mu);
  if (!(logvar instanceof tf.Tensor)) throw checkError(owner, 'logvar', 'a tensor', logvar);
  assertSameShape(owner, 'mu', mu, 'logvar', logvar);
  return tf.tidy(() => tf.mul(tf.sum(tf.sub(tf.sub(tf.add(logvar, 1), tf.square(mu)), tf.exp(logvar))), -0.5));
}
