import * as tf from '@tensorflow/tfjs-core';
import { checkNumber, checkPositiveInteger } from '../core/checks';
import { checkAxis, checkTensor } from './internal/check-tensor';

/**
 * `x / max(||x||_2, eps)`, PyTorch's `F.normalize(x, dim=0, eps=eps)` for a vector: the
 * normalisation step of the power iteration in spectral normalisation (Miyato et al. 2018,
 * https://arxiv.org/abs/1802.05957).
 *
 * Input shape: [n]. Output shape: [n].
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, ops } from 'tfjs-synth';
 * await initBackend();
 * ops.normalizeVector(tf.tensor1d([3, 4])).print(); // [0.6, 0.8]
 * ```
 * @throws Error when `x` is not a rank-1 tensor or `eps` is not a finite number >= 0.
 */
export function normalizeVector(x: tf.Tensor1D, eps = 1e-12): tf.Tensor1D {
  checkTensor('normalizeVector', 'x', x, 1, '[n]');
  checkNumber('normalizeVector', 'eps', eps, { min: 0 });
  return tf.tidy(() => tf.div(x, tf.maximum(tf.norm(x), eps)));
}

/**
 * Power iteration for the largest singular value of `w` (Miyato et al. 2018, "Spectral
 * Normalization for Generative Adversarial Networks", https://arxiv.org/abs/1802.05957), in the
 * order of `torch.nn.utils.spectral_norm` (torch 1.13): `iterations` times
 * v <- normalize(W^T u), then u <- normalize(W v), with normalize(x) = x / max(||x||, eps).
 * Gradients are not meant to flow through the result (wrap `w` in `stopGradient` when taping).
 *
 * Input shape: w [h, w_], u [h]. Output: u [h], v [w_].
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, ops } from 'tfjs-synth';
 * await initBackend();
 * const w = tf.tensor2d([[3, 0], [0, 1]]);
 * const { u, v } = ops.powerIteration(w, tf.tensor1d([1, 1]), 20);
 * ops.spectralNormEstimate(w, u, v).print(); // ~3
 * ```
 * @throws Error when `iterations` is not a positive integer or the shapes do not match.
 */
export function powerIteration(
  w: tf.Tensor2D,
  u: tf.Tensor1D,
  iterations = 1,
  eps = 1e-12,
): { u: tf.Tensor1D; v: tf.Tensor1D } {
  checkPositiveInteger('powerIteration', 'iterations', iterations);
  if (w.rank !== 2 || u.rank !== 1 || u.shape[0] !== w.shape[0]) {
    throw new Error(
      `powerIteration: expected w [h, w] and u [h], got w [${w.shape.join(', ')}] and u [${u.shape.join(', ')}].`,
    );
  }
  return tf.tidy(() => {
    let uk = u;
    let vk: tf.Tensor1D | null = null;
    for (let i = 0; i < iterations; i++) {
      vk = normalizeVector(tf.squeeze(tf.matMul(w, tf.reshape(uk, [-1, 1]), true, false), [1]), eps);
      uk = normalizeVector(tf.squeeze(tf.matMul(w, tf.reshape(vk, [-1, 1])), [1]), eps);
    }
    return { u: uk, v: vk! };
  });
}

/**
 * The spectral-norm estimate sigma = u^T W v (a scalar; differentiable in `w`).
 *
 * Input shape: w [h, w_], u [h], v [w_]. Output shape: [] (scalar).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, ops } from 'tfjs-synth';
 * await initBackend();
 * ops.spectralNormEstimate(tf.eye(2) as tf.Tensor2D, tf.tensor1d([1, 0]), tf.tensor1d([1, 0])).print(); // 1
 * ```
 * @throws Error when the shapes are not w [h, w_], u [h], v [w_].
 */
export function spectralNormEstimate(w: tf.Tensor2D, u: tf.Tensor1D, v: tf.Tensor1D): tf.Scalar {
  const owner = 'spectralNormEstimate';
  checkTensor(owner, 'w', w, 2, '[h, w]');
  checkTensor(owner, 'u', u, 1, '[h]');
  checkTensor(owner, 'v', v, 1, '[w]');
  checkAxis(owner, 'u', u, 0, w.shape[0], "values (w's rows)");
  checkAxis(owner, 'v', v, 0, w.shape[1], "values (w's columns)");
  return tf.tidy(() => tf.sum(tf.mul(u, tf.squeeze(tf.matMul(w, tf.reshape(v, [-1, 1])), [1]))) as tf.Scalar);
}
