import * as tf from '@tensorflow/tfjs-core';
import { assertOneOf, assertRank } from './internal/checks';

/** Penalties of {@link totalVariationLoss}. */
export const TOTAL_VARIATION_MODES = ['l1', 'l2'] as const;
/** Reductions of {@link totalVariationLoss}. */
export const TOTAL_VARIATION_REDUCTIONS = ['mean', 'sum'] as const;

/** Options of {@link totalVariationLoss}. */
export interface TotalVariationLossOptions {
  /** `'l1'` (default): absolute differences (anisotropic TV). `'l2'`: squared differences. */
  mode?: (typeof TOTAL_VARIATION_MODES)[number];
  /**
   * `'mean'` (default): each direction's penalty averaged over its own number of differences,
   * then added. `'sum'`: summed over the batch, both directions and all channels.
   */
  reduction?: (typeof TOTAL_VARIATION_REDUCTIONS)[number];
}

/**
 * Total variation regulariser (Rudin et al. 1992; used for smoothness in neural style transfer,
 * Johnson et al. 2016), with dh = x[:, i+1, j, :] - x[:, i, j, :] and dw = x[:, i, j+1, :] - x[:, i, j, :]:
 *
 *     mode 'l1', reduction 'mean': mean(|dh|) + mean(|dw|)
 *     mode 'l2', reduction 'mean': mean(dh^2) + mean(dw^2)
 *     reduction 'sum': sum(...) + sum(...)
 *
 * (the squared, not the square-rooted, isotropic form for 'l2'). Input shape: [b, h, w, c] with
 * h, w >= 2. Output: a scalar.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, losses } from 'tfjs-synth';
 * await initBackend();
 * const tv = losses.totalVariationLoss(tf.randomUniform([1, 64, 64, 3]), { mode: 'l2' });
 * ```
 */
export function totalVariationLoss(x: tf.Tensor4D, options: TotalVariationLossOptions = {}): tf.Scalar {
  const owner = 'totalVariationLoss';
  const mode = options.mode ?? 'l1';
  const reduction = options.reduction ?? 'mean';
  assertOneOf(owner, 'mode', mode, TOTAL_VARIATION_MODES);
  assertOneOf(owner, 'reduction', reduction, TOTAL_VARIATION_REDUCTIONS);
  assertRank(owner, 'x', x, 4, 'NHWC [b, h, w, c]');
  const [b, h, w, c] = x.shape;
  if (h < 2 || w < 2) throw new Error(`${owner}: x needs height and width >= 2, got shape [${x.shape.join(', ')}].`);
  return tf.tidy(() => {
    const dh = tf.sub(tf.slice(x, [0, 1, 0, 0], [b, h - 1, w, c]), tf.slice(x, [0, 0, 0, 0], [b, h - 1, w, c]));
    const dw = tf.sub(tf.slice(x, [0, 0, 1, 0], [b, h, w - 1, c]), tf.slice(x, [0, 0, 0, 0], [b, h, w - 1, c]));
    const penalty = (d: tf.Tensor): tf.Tensor => (mode === 'l1' ? tf.abs(d) : tf.square(d));
    const reduce = (d: tf.Tensor): tf.Tensor => (reduction === 'mean' ? tf.mean(d) : tf.sum(d));
    return tf.add(reduce(penalty(dh)), reduce(penalty(dw))) as tf.Scalar;
  });
}
