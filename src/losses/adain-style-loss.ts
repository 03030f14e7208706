import * as tf from '@tensorflow/tfjs-core';
import { assertRank, shapeString } from './internal/checks';

/**
 * Per sample and channel mean and std over height and width, as pytorch-AdaIN's
 * `calc_mean_std`: unbiased variance (divides by h*w - 1), `std = sqrt(var + 1e-5)`.
 * Shapes [b, 1, 1, c].
 */
function meanStd(x: tf.Tensor4D): { mean: tf.Tensor; std: tf.Tensor } {
  const { mean, variance } = tf.moments(x, [1, 2], true);
  const count = x.shape[1] * x.shape[2];
  return { mean, std: tf.sqrt(tf.add(tf.mul(variance, count / (count - 1)), 1e-5)) };
}

/**
 * The style loss of AdaIN style transfer (Huang & Belongie 2017, "Arbitrary Style Transfer in
 * Real-time with Adaptive Instance Normalization", https://arxiv.org/abs/1703.06868), as
 * naoto0804/pytorch-AdaIN's `calc_style_loss` summed over layers:
 * `sum_l MSE(mu(g_l), mu(s_l)) + MSE(sigma(g_l), sigma(s_l))`, with mu and sigma per sample and
 * channel over height and width (unbiased variance, `sigma = sqrt(var + 1e-5)`), MSE the mean
 * over b*c values. The reference uses relu1_1, relu2_1, relu3_1 and relu4_1 and weight 10.
 *
 * Input: two lists of the same length; layer l: generated [b, h, w, c_l], style [b, h', w', c_l]
 * (the spatial sizes may differ, h*w >= 2). Output: a scalar.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, losses } from 'tfjs-synth';
 * await initBackend();
 * const gen = [tf.randomNormal<tf.Rank.R4>([2, 64, 64, 64]), tf.randomNormal<tf.Rank.R4>([2, 32, 32, 128])];
 * const sty = [tf.randomNormal<tf.Rank.R4>([2, 48, 48, 64]), tf.randomNormal<tf.Rank.R4>([2, 24, 24, 128])];
 * const l = losses.adainStyleLoss(gen, sty);
 * ```
 */
export function adainStyleLoss(genFeatures: readonly tf.Tensor4D[], styleFeatures: readonly tf.Tensor4D[]): tf.Scalar {
  const owner = 'adainStyleLoss';
  if (genFeatures.length === 0 || genFeatures.length !== styleFeatures.length) {
    throw new Error(
      `${owner}: genFeatures and styleFeatures must be non-empty lists of the same length, got ${genFeatures.length} and ${styleFeatures.length}.`,
    );
  }
  genFeatures.forEach((g, l) => {
    const s = styleFeatures[l]!;
    assertRank(owner, `genFeatures[${l}]`, g, 4, 'NHWC [b, h, w, c]');
    assertRank(owner, `styleFeatures[${l}]`, s, 4, 'NHWC [b, h, w, c]');
    if (g.shape[0] !== s.shape[0] || g.shape[3] !== s.shape[3]) {
      throw new Error(
        `${owner}: genFeatures[${l}] and styleFeatures[${l}] must agree in batch and channels, got ${shapeString(g.shape)} and ${shapeString(s.shape)}.`,
      );
    }
    for (const [name, t] of [
      [`genFeatures[${l}]`, g],
      [`styleFeatures[${l}]`, s],
    ] as const) {
      if (t.shape[1] * t.shape[2] < 2) {
        throw new Error(
          `${owner}: the unbiased variance needs at least 2 pixels per channel, got ${name} shape ${shapeString(t.shape)}.`,
        );
      }
    }
  });
  return tf.tidy(() => {
    let total: tf.Tensor = tf.scalar(0);
    genFeatures.forEach((g, l) => {
      const a = meanStd(g);
      const b = meanStd(styleFeatures[l]!);
      total = tf.add(
        total,
        tf.add(tf.mean(tf.square(tf.sub(a.mean, b.mean))), tf.mean(tf.square(tf.sub(a.std, b.std)))),
      );
    });
    return total as tf.Scalar;
  });
}
