import * as tf from '@tensorflow/tfjs-core';
import { checkNumber } from '../core/checks';
import { normalizeByMoments } from './internal/normalize-moments';

/** Options of {@link instanceNorm}. */
export interface InstanceNormOptions {
  /** Per-channel scale [c], or null for none. Default null. */
  gamma?: tf.Tensor1D | null;
  /** Per-channel offset [c], or null for none. Default null. */
  beta?: tf.Tensor1D | null;
  /** Added to the variance before the square root. Default 1e-5 (PyTorch's InstanceNorm2d). */
  epsilon?: number;
}

/**
 * Instance normalisation (Ulyanov et al. 2016, "Instance Normalization: The Missing Ingredient for
 * Fast Stylization", https://arxiv.org/abs/1607.08022), identical to PyTorch's
 * `nn.InstanceNorm2d(track_running_stats=False)`: each sample and channel is normalised by its own
 * mean and *biased* variance over height and width,
 * `y = (x - mean) / sqrt(var + epsilon) * gamma + beta`, in training and inference alike.
 *
 * Input shape: [n, h, w, c]. Output shape: [n, h, w, c].
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, ops } from 'tfjs-synth';
 * await initBackend();
 * const y = ops.instanceNorm(tf.randomNormal([2, 16, 16, 8])); // per (sample, channel): mean 0, var ~1
 * ```
 */
export function instanceNorm(x: tf.Tensor4D, options: InstanceNormOptions = {}): tf.Tensor4D {
  const owner = 'instanceNorm';
  if (x.rank !== 4) {
    throw new Error(`${owner}: expected a rank-4 NHWC input, got shape [${x.shape.join(', ')}].`);
  }
  const epsilon = checkNumber(owner, 'epsilon', options.epsilon ?? 1e-5, { min: 0 });
  const channels = x.shape[3];
  for (const [arg, t] of [
    ['gamma', options.gamma],
    ['beta', options.beta],
  ] as const) {
    if (t && (t.rank !== 1 || t.shape[0] !== channels)) {
      throw new Error(`${owner}: ${arg} must have shape [${channels}], got [${t.shape.join(', ')}].`);
    }
  }
  // One op with a hand-written gradient: the composed ops kept ~10 activation-sized tensors per
  // layer alive through the backward pass (see ops/internal/normalize-moments).
  return tf.tidy(() => normalizeByMoments(x, [1, 2], epsilon, options.gamma, options.beta).y);
}
