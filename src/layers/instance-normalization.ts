import * as tf from '@tensorflow/tfjs-core';
import { instanceNorm } from '../ops/instance-norm';
import { ChannelNormalization, type ChannelNormalizationArgs } from './internal/channel-normalization';
import { nhwcInput, singleInput } from './internal/shapes';

/**
 * Arguments of {@link InstanceNormalization}: `epsilon` (default 1e-5), `gammaInitializer`
 * (default 'ones'), `betaInitializer` (default 'zeros'), `name`, `inputShape`, `batchInputShape`
 * and `trainable` (default true), shared with {@link BatchNormalizationTorchArgs}, plus the following.
 */
export interface InstanceNormalizationArgs extends ChannelNormalizationArgs {
  /**
   * Add a learned per-channel offset `beta`. Default false, as pix2pix/CycleGAN's
   * `InstanceNorm2d(affine=False)`.
   */
  center?: boolean;
  /** Multiply by a learned per-channel scale `gamma`. Default false (as `affine=False`). */
  scale?: boolean;
}

/**
 * Instance normalisation (Ulyanov et al. 2016, "Instance Normalization: The Missing Ingredient
 * for Fast Stylization", https://arxiv.org/abs/1607.08022) with PyTorch's `nn.InstanceNorm2d`
 * semantics (`track_running_stats=False`): every sample and channel is normalised by its own mean
 * and biased variance over height and width, in training and inference alike, then optionally
 * scaled by `gamma` and shifted by `beta`. The default norm of CycleGAN and pix2pix generators.
 *
 * Input shape: [batch, h, w, c]. Output shape: same as the input.
 * Weights (only when enabled): `gamma` [c], `beta` [c].
 *
 * Porting note: there is no running statistic, so old CycleGAN checkpoints saved with
 * `track_running_stats=True` load without their `running_mean`/`running_var` (as upstream does).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, InstanceNormalization } from 'tfjs-synth';
 * await initBackend();
 * const norm = new InstanceNormalization();
 * const y = norm.apply(tf.randomNormal([1, 32, 32, 64])) as tf.Tensor; // [1, 32, 32, 64]
 * ```
 */
export class InstanceNormalization extends ChannelNormalization {
  static className = 'InstanceNormalization';

  constructor(args: InstanceNormalizationArgs = {}) {
    super(args, false);
  }

  // build, computeOutputShape and getConfig: those of ChannelNormalization (gamma/beta only).

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => instanceNorm(nhwcInput(this.getClassName(), singleInput(inputs)), this.affineOptions()));
  }
}

/**
 * Creates an {@link InstanceNormalization} layer (Ulyanov et al. 2016,
 * https://arxiv.org/abs/1607.08022; PyTorch `nn.InstanceNorm2d` semantics).
 *
 * Input shape: [batch, h, w, c]. Output shape: same as the input.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, instanceNormalization } from 'tfjs-synth';
 * await initBackend();
 * const norm = instanceNormalization({ center: true, scale: true }); // affine, weights gamma and beta
 * const y = norm.apply(tf.randomNormal([2, 8, 8, 16])) as tf.Tensor; // [2, 8, 8, 16]
 * ```
 */
export function instanceNormalization(args: InstanceNormalizationArgs = {}): InstanceNormalization {
  return new InstanceNormalization(args);
}
