import * as tf from '@tensorflow/tfjs-core';
import { gramMatrix, GRAM_NORMALIZATIONS, type GramNormalization } from './gram-matrix';
import { assertFinite, assertOneOf, assertRank, assertSameShape } from './internal/checks';

/** Options of {@link styleLoss}. */
export interface StyleLossOptions {
  /** One weight per layer (w_l). Default 1 for every layer (Gatys et al. use 1/5 over five layers). */
  weights?: readonly number[];
  /**
   * `'chw'` (default): per layer, the mean squared difference of the C*H*W-normalised Gram
   * matrices (jcjohnson/neural-style, mean over b*C*C entries). `'paper'`: Gatys et al.'s
   * `E_l = 1/(4 N_l^2 M_l^2) * sum (G - A)^2` (N_l = C, M_l = H*W, raw Gram matrices), averaged
   * over the batch. `'none'`: the mean squared difference of the raw Gram matrices.
   */
  normalize?: GramNormalization;
}

/**
 * The style loss of Gatys et al. 2016 ("Image Style Transfer Using Convolutional Neural
 * Networks", CVPR; arXiv:1508.06576): `sum_l w_l * E_l` over layers, E_l comparing the Gram
 * matrices of the generated image's and the style image's features (see `normalize`).
 *
 * Input: two lists of the same length, layer l of both of shape [b, h_l, w_l, c_l] (the style
 * features must already match the generated batch, e.g. `tf.tile` a single style image).
 * Output: a scalar.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, losses } from 'tfjs-synth';
 * await initBackend();
 * const gen = [tf.randomNormal<tf.Rank.R4>([1, 64, 64, 64]), tf.randomNormal<tf.Rank.R4>([1, 32, 32, 128])];
 * const sty = [tf.randomNormal<tf.Rank.R4>([1, 64, 64, 64]), tf.randomNormal<tf.Rank.R4>([1, 32, 32, 128])];
 * const l = losses.styleLoss(gen, sty, { normalize: 'paper', weights: [0.5, 0.5] });
 * ```
 */
export function styleLoss(
  genFeatures: readonly tf.Tensor4D[],
  styleFeatures: readonly tf.Tensor4D[],
  options: StyleLossOptions = {},
): tf.Scalar {
  const owner = 'styleLoss';
  const normalize = options.normalize ?? 'chw';
  assertOneOf(owner, 'normalize', normalize, GRAM_NORMALIZATIONS);
  if (genFeatures.length === 0 || genFeatures.length !== styleFeatures.length) {
    throw new Error(
      `${owner}: genFeatures and styleFeatures must be non-empty lists of the same length, got ${genFeatures.length} and ${styleFeatures.length}.`,
    );
  }
  const weights = options.weights ?? genFeatures.map(() => 1);
  if (weights.length !== genFeatures.length) {
    throw new Error(`${owner}: weights must have one entry per layer (${genFeatures.length}), got ${weights.length}.`);
  }
  genFeatures.forEach((g, l) => {
    assertRank(owner, `genFeatures[${l}]`, g, 4, 'NHWC [b, h, w, c]');
    assertSameShape(owner, `genFeatures[${l}]`, g, `styleFeatures[${l}]`, styleFeatures[l]!);
    assertFinite(owner, `weights[${l}]`, weights[l]!);
  });
  return tf.tidy(() => {
    let total: tf.Tensor = tf.scalar(0);
    genFeatures.forEach((g, l) => {
      const gg = gramMatrix(g, { normalize });
      const gs = gramMatrix(styleFeatures[l]!, { normalize });
      const sq = tf.square(tf.sub(gg, gs));
      let layer: tf.Tensor;
      if (normalize === 'paper') {
        const [b, h, w, c] = g.shape;
        layer = tf.div(tf.sum(sq), b * 4 * c * c * (h * w) ** 2);
      } else {
        layer = tf.mean(sq);
      }
      total = tf.add(total, tf.mul(layer, weights[l]!));
    });
    return total as tf.Scalar;
  });
}
