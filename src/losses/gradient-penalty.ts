import * as tf from '@tensorflow/tfjs-core';
import { checkFunction } from '../core/checks';
import { assertFinite, assertSameShape, shapeString } from './internal/checks';
import { ensureComparisonGradients } from './internal/comparison-gradients';

/** Options of {@link gradientPenalty}. */
export interface GradientPenaltyOptions {
  /** Weight of the penalty (`lambda_gp`). Default 10 (Gulrajani et al. and the reference). */
  lambda?: number;
  /**
   * Interpolation weights, one per sample (shape [b], [b, 1, 1, 1] or a number array of length b),
   * each in [0, 1]. Default: drawn from U(0, 1) with `tf.randomUniform` per call; pass them to
   * make a step reproducible or to test against another implementation.
   */
  alpha?: tf.Tensor | readonly number[];
}

/**
 * WGAN-GP gradient penalty (Gulrajani et al. 2017, "Improved Training of Wasserstein GANs",
 * https://arxiv.org/abs/1704.00028), as `cal_gradient_penalty(type='mixed', constant=1)` of
 * pytorch-CycleGAN-and-pix2pix:
 *
 *     x_hat = alpha * real + (1 - alpha) * fake        (alpha per sample)
 *     g     = d sum(D(x_hat)) / d x_hat                 (gradient output all ones)
 *     gp    = lambda * mean_b((||g_b + 1e-16||_2 - 1)^2)   (g flattened per sample)
 *
 * The penalty is differentiable with respect to the discriminator's variables (a second-order
 * gradient through D), so use it inside the discriminator's step:
 * `tf.variableGrads(() => tf.add(discriminatorLoss(...), gradientPenalty(...)), dVars)`.
 * `fake` should be detached from the generator (computed outside the gradient function or with
 * `ops.stopGradient`).
 *
 * Porting note: tfjs-core 4.22 has no gradient for the `Greater` kernel, which the gradient of
 * `tf.leakyRelu` uses, so the second-order gradient through a LeakyReLU discriminator would fail
 * ("gradient function not found for Greater"). The first call registers zero gradients for the
 * comparison kernels that have none (Greater, Less, LessEqual, Equal, NotEqual); zero is their
 * exact gradient almost everywhere, and gradients registered before are left alone.
 *
 * Input shapes: `real`, `fake` [b, h, w, c] (any rank >= 1 with the batch first, the same shape);
 * `discriminator` maps such a batch to any tensor. Output: a scalar.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, losses } from 'tfjs-synth';
 * await initBackend();
 * const w = tf.variable(tf.randomNormal([3, 3, 3, 1], 0, 0.1));
 * const d = (x: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same');
 * const real = tf.randomNormal([2, 8, 8, 3]);
 * const fake = tf.randomNormal([2, 8, 8, 3]);
 * const { value, grads } = tf.variableGrads(() => losses.gradientPenalty(d, real, fake), [w]);
 * ```
 */
export function gradientPenalty(
  discriminator: (x: tf.Tensor) => tf.Tensor,
  real: tf.Tensor,
  fake: tf.Tensor,
  options: GradientPenaltyOptions = {},
): tf.Scalar {
  const owner = 'gradientPenalty';
  checkFunction(owner, 'discriminator', discriminator, '(x) => Tensor');
  assertSameShape(owner, 'real', real, 'fake', fake);
  if (real.rank < 1 || real.shape[0] === 0)
    throw new Error(`${owner}: real has no batch dimension, shape ${shapeString(real.shape)}.`);
  const lambda = options.lambda ?? 10;
  assertFinite(owner, 'lambda', lambda);
  const batch = real.shape[0];
  const broadcastShape = [batch, ...real.shape.slice(1).map(() => 1)];
  if (options.alpha !== undefined) {
    const size = options.alpha instanceof tf.Tensor ? options.alpha.size : options.alpha.length;
    if (size !== batch) {
      const shown = options.alpha instanceof tf.Tensor ? shapeString(options.alpha.shape) : `length ${size}`;
      throw new Error(`${owner}: alpha needs one value per sample (${batch}), got ${shown}.`);
    }
  }
  ensureComparisonGradients();
  return tf.tidy(() => {
    const alpha =
      options.alpha === undefined
        ? tf.randomUniform(broadcastShape, 0, 1, 'float32')
        : options.alpha instanceof tf.Tensor
          ? tf.reshape(options.alpha, broadcastShape)
          : tf.tensor(Array.from(options.alpha), broadcastShape, 'float32');
    const xHat = tf.add(tf.mul(alpha, real), tf.mul(tf.sub(1, alpha), fake));
    // tf.grad uses an all-ones output gradient (grad_outputs=ones in the reference). Its backward
    // pass is recorded on the enclosing tape, so an outer variableGrads differentiates through it.
    const g = tf.grad((x: tf.Tensor) => discriminator(x))(xHat);
    const flat = tf.reshape(g, [batch, -1]);
    const norms = tf.sqrt(tf.sum(tf.square(tf.add(flat, 1e-16)), 1));
    return tf.mul(tf.mean(tf.square(tf.sub(norms, 1))), lambda);
  });
}
