import * as tf from '@tensorflow/tfjs-core';
import { checkBoolean, checkError, checkNumber } from '../core/checks';

/** Options of {@link adaptiveInstanceNorm}. */
export interface AdaptiveInstanceNormOptions {
  /**
   * Blend with the content features: `alpha * adain + (1 - alpha) * content`, in [0, 1].
   * Default 1 (pure AdaIN).
   */
  alpha?: number;
  /**
   * true: the pytorch-AdaIN statistics, unbiased variance (divides by h*w - 1) and
   * `std = sqrt(var + epsilon)` for both inputs. false: the original Torch/Lua implementation,
   * biased variance, content normalised by `sqrt(var + epsilon)` and style std `sqrt(var)` without
   * epsilon. Default true.
   */
  unbiased?: boolean;
  /** Added to the variance (see `unbiased` for where). Default 1e-5 (both references). */
  epsilon?: number;
}

function statistics(x: tf.Tensor4D, unbiased: boolean): { mean: tf.Tensor4D; variance: tf.Tensor4D } {
  const { mean, variance } = tf.moments(x, [1, 2], true);
  if (!unbiased) return { mean: mean as tf.Tensor4D, variance: variance as tf.Tensor4D };
  const count = x.shape[1] * x.shape[2];
  return { mean: mean as tf.Tensor4D, variance: tf.mul(variance, count / (count - 1)) as tf.Tensor4D };
}

/**
 * Adaptive instance normalisation (Huang & Belongie 2017, "Arbitrary Style Transfer in Real-time
 * with Adaptive Instance Normalization", https://arxiv.org/abs/1703.06868): per sample and
 * channel, `sigma_s * (c - mu_c) / sigma_c + mu_s`, with mean and std over height and width,
 * then blended with the content by `alpha`.
 *
 * Defaults match naoto0804/pytorch-AdaIN (`adaptive_instance_normalization`, unbiased variance,
 * `std = sqrt(var + 1e-5)`). `unbiased: false` gives the original Torch implementation
 * (xunhuang1995/AdaIN-style): content normalised with the biased variance + 1e-5, style std
 * the biased std with no epsilon. The two agree up to epsilon when content and style have the same
 * number of pixels (the h*w/(h*w - 1) factors cancel) and differ by
 * sqrt((m_s / (m_s - 1)) / (m_c / (m_c - 1))) in the style scale otherwise (m = pixels per channel).
 *
 * Input shape: content [n, h, w, c]; style [n or 1, hs, ws, c] (spatial sizes may differ; a
 * style batch of 1 is broadcast over the content batch, as PyTorch's `expand` does).
 * Output shape: [n, h, w, c].
 *
 * Porting note: with `unbiased: true` a 1x1 map has no variance (PyTorch returns NaN); this op
 * throws instead. With `unbiased: false` a constant style channel has std 0 and an infinite
 * gradient with respect to the style, exactly as the Torch original.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, ops } from 'tfjs-synth';
 * await initBackend();
 * const content = tf.randomNormal<tf.Rank.R4>([1, 32, 32, 512]);
 * const style = tf.randomNormal<tf.Rank.R4>([1, 24, 40, 512], 2, 3);
 * const t = ops.adaptiveInstanceNorm(content, style, { alpha: 0.8 }); // [1, 32, 32, 512]
 * ```
 */
export function adaptiveInstanceNorm(
  content: tf.Tensor4D,
  style: tf.Tensor4D,
  options: AdaptiveInstanceNormOptions = {},
): tf.Tensor4D {
  const owner = 'adaptiveInstanceNorm';
  const alpha = options.alpha ?? 1;
  const unbiased = options.unbiased ?? true;
  const epsilon = options.epsilon ?? 1e-5;
  checkAdaINOptions(owner, alpha, unbiased, epsilon);
  for (const [arg, t] of [
    ['content', content],
    ['style', style],
  ] as const) {
    if (t.rank !== 4) throw new Error(`${owner}: expected a rank-4 NHWC ${arg}, got shape [${t.shape.join(', ')}].`);
    if (unbiased && t.shape[1] * t.shape[2] < 2) {
      throw new Error(
        `${owner}: the unbiased variance needs at least 2 pixels per channel, got ${arg} shape [${t.shape.join(', ')}].`,
      );
    }
  }
  checkAdaINShapes(owner, content.shape, style.shape);
  return tf.tidy(() => {
    const c = statistics(content, unbiased);
    const s = statistics(style, unbiased);
    const contentStd = tf.sqrt(tf.add(c.variance, epsilon));
    // The Torch original takes the style std without epsilon (`std(3, true)`).
    const styleStd = unbiased ? tf.sqrt(tf.add(s.variance, epsilon)) : tf.sqrt(s.variance);
    const normalised = tf.div(tf.sub(content, c.mean), contentStd);
    const t: tf.Tensor4D = tf.add(tf.mul(normalised, styleStd), s.mean);
    if (alpha === 1) return t;
    return tf.add(tf.mul(t, alpha), tf.mul(content, 1 - alpha));
  });
}

/** @internal Validates AdaIN options; shared by the op and the layer. */
export function checkAdaINOptions(owner: string, alpha: unknown, unbiased: unknown, epsilon: unknown): void {
  if (typeof alpha !== 'number' || !(alpha >= 0 && alpha <= 1))
    throw checkError(owner, 'alpha', 'a number in [0, 1]', alpha);
  checkBoolean(owner, 'unbiased', unbiased);
  checkNumber(owner, 'epsilon', epsilon, { min: 0 });
}

/**
 * @internal Checks that content and style agree on channels and batch (a style batch of 1
 * broadcasts). Unknown (null) sizes are skipped.
 */
export function checkAdaINShapes(
  owner: string,
  content: readonly (number | null)[],
  style: readonly (number | null)[],
): void {
  const fmt = (s: readonly (number | null)[]): string => `[${s.map(String).join(', ')}]`;
  const [nc, , , cc] = content;
  const [ns, , , cs] = style;
  if (cc != null && cs != null && cc !== cs) {
    throw new Error(
      `${owner}: content and style must have the same number of channels, got content ${fmt(content)} and style ${fmt(style)}.`,
    );
  }
  if (nc != null && ns != null && nc !== ns && ns !== 1) {
    throw new Error(
      `${owner}: the style batch must equal the content batch (or be 1), got content ${fmt(content)} and style ${fmt(style)}.`,
    );
  }
}
