import * as tf from '@tensorflow/tfjs-core';
import { assertOneOf, assertSameShape } from './internal/checks';

/** Reductions of {@link contentLoss}. */
export const CONTENT_LOSS_REDUCTIONS = ['mean', 'paper'] as const;

/** Options of {@link contentLoss}. */
export interface ContentLossOptions {
  /**
   * `'mean'` (default): `mean((F - P)^2)`, PyTorch `mse_loss` as pytorch-AdaIN and the PyTorch
   * neural-transfer tutorial. `'paper'`: Gatys et al.'s `1/2 * sum((F - P)^2)` over every element
   * (of the whole batch).
   */
  reduction?: (typeof CONTENT_LOSS_REDUCTIONS)[number];
}

/**
 * Content (feature reconstruction) loss of Gatys et al. 2016: the squared difference between the
 * generated image's features and the target features at one layer (conv4_2 in the paper, relu4_1
 * of the AdaIN output in Huang & Belongie 2017).
 *
 * Input: two tensors of the same shape (typically [b, h, w, c]). Output: a scalar.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, losses } from 'tfjs-synth';
 * await initBackend();
 * const l = losses.contentLoss(tf.randomNormal([1, 32, 32, 512]), tf.randomNormal([1, 32, 32, 512]));
 * ```
 */
export function contentLoss(
  genFeatures: tf.Tensor,
  targetFeatures: tf.Tensor,
  options: ContentLossOptions = {},
): tf.Scalar {
  const owner = 'contentLoss';
  const reduction = options.reduction ?? 'mean';
  assertOneOf(owner, 'reduction', reduction, CONTENT_LOSS_REDUCTIONS);
  assertSameShape(owner, 'genFeatures', genFeatures, 'targetFeatures', targetFeatures);
  return tf.tidy(() => {
    const sq = tf.square(tf.sub(genFeatures, targetFeatures));
    return reduction === 'mean' ? tf.mean(sq) : tf.mul(tf.sum(sq), 0.5);
  });
}
