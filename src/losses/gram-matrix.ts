import * as tf from '@tensorflow/tfjs-core';
import { assertOneOf, assertRank } from './internal/checks';

/** Normalisations of {@link gramMatrix}. */
export const GRAM_NORMALIZATIONS = ['chw', 'paper', 'none'] as const;
/** One of {@link GRAM_NORMALIZATIONS}. */
export type GramNormalization = (typeof GRAM_NORMALIZATIONS)[number];

/** Options of {@link gramMatrix}. */
export interface GramMatrixOptions {
  /**
   * `'chw'` (default): `F F^T / (C * H * W)`, as jcjohnson/neural-style (the PyTorch tutorial
   * divides by B*C*H*W with the batch folded into F, which is the same per image for B = 1).
   * `'paper'` and `'none'`: the raw `F F^T` (Gatys et al.; with `'paper'`, {@link styleLoss}
   * applies the paper's 1/(4 N^2 M^2) instead).
   */
  normalize?: GramNormalization;
}

/**
 * Gram matrices of feature maps (Gatys et al. 2016, "Image Style Transfer Using Convolutional
 * Neural Networks"): per image, with F the C x (H*W) matrix of the features, `G = F F^T`,
 * optionally divided by C*H*W (see `normalize`).
 *
 * Input shape: [b, h, w, c] (NHWC). Output shape: [b, c, c].
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, losses } from 'tfjs-synth';
 * await initBackend();
 * const g = losses.gramMatrix(tf.randomNormal([1, 32, 32, 64])); // [1, 64, 64]
 * ```
 */
export function gramMatrix(features: tf.Tensor4D, options: GramMatrixOptions = {}): tf.Tensor3D {
  const owner = 'gramMatrix';
  const normalize = options.normalize ?? 'chw';
  assertOneOf(owner, 'normalize', normalize, GRAM_NORMALIZATIONS);
  assertRank(owner, 'features', features, 4, 'NHWC [b, h, w, c]');
  const [b, h, w, c] = features.shape;
  return tf.tidy(() => {
    // Porting note: NHWC features reshape to [b, h*w, c] = F^T, so G = (F^T)^T F^T.
    const ft = tf.reshape(features, [b, h * w, c]);
    const g = tf.matMul(ft, ft, true, false);
    return (normalize === 'chw' ? tf.div(g, c * h * w) : g) as tf.Tensor3D;
  });
}
