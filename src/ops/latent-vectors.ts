import * as tf from '@tensorflow/tfjs-core';
import { checkError } from '../core/checks';
import { checkTensor, formatShape } from './internal/check-tensor';

/** Most interpolation points one call of {@link lerp} or {@link slerp} accepts. */
const MAX_STEPS = 10_000;

/**
 * Below this sin(angle) the vectors count as parallel or opposite and {@link slerp} interpolates
 * linearly (for an angle of 1e-4 the two differ by about 1e-9 of the norm).
 */
const SLERP_MIN_SIN = 1e-4;

/** Checks two latent tensors of the same float32 shape, rank 1 [d] or rank 2 [n, d]. */
function checkPair(owner: string, a: unknown, b: unknown, nameA = 'a', nameB = 'b'): [tf.Tensor, tf.Tensor] {
  const ta = checkTensor(owner, nameA, a);
  const tb = checkTensor(owner, nameB, b);
  for (const [name, t] of [
    [nameA, ta],
    [nameB, tb],
  ] as const) {
    if (t.rank !== 1 && t.rank !== 2)
      throw new Error(`${owner}: ${name} must be rank 1 [d] or rank 2 [n, d], got shape ${formatShape(t.shape)}.`);
    if (t.dtype !== 'float32') throw new Error(`${owner}: ${name} must be float32, got ${t.dtype}.`);
  }
  if (!tf.util.arraysEqual(ta.shape, tb.shape)) {
    throw new Error(
      `${owner}: ${nameA} and ${nameB} must have the same shape, got ${formatShape(ta.shape)} and ${formatShape(tb.shape)}.`,
    );
  }
  return [ta, tb];
}

/** Checks `t`: a finite number, or a non-empty array of at most MAX_STEPS finite numbers. */
function checkSteps(owner: string, t: unknown): { steps: number[]; stacked: boolean } {
  if (typeof t === 'number') {
    if (!Number.isFinite(t)) throw checkError(owner, 't', 'a finite number or an array of finite numbers', t);
    return { steps: [t], stacked: false };
  }
  if (
    !Array.isArray(t) ||
    t.length === 0 ||
    t.length > MAX_STEPS ||
    !t.every((v) => typeof v === 'number' && Number.isFinite(v))
  ) {
    throw checkError(owner, 't', `a finite number or an array of 1 to ${MAX_STEPS} finite numbers`, t);
  }
  return { steps: t as number[], stacked: true };
}

/**
 * Linear interpolation of latent vectors, `(1 - t) a + t b`, row by row. With an array of `t`
 * the results are stacked on a new first axis (an interpolation path).
 *
 * Input: `a`, `b` float32 of one shape, `[d]` or `[n, d]`; `t` a finite number (values outside
 * [0, 1] extrapolate) or an array of them. Output: the shape of `a`, or `[t.length, ...]`.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, ops } from 'tfjs-synth';
 * await initBackend();
 * const path = ops.lerp(tf.tensor1d([0, 0]), tf.tensor1d([2, 4]), [0, 0.5, 1]); // [[0, 0], [1, 2], [2, 4]]
 * ```
 */
export function lerp(a: tf.Tensor, b: tf.Tensor, t: number | readonly number[]): tf.Tensor {
  const owner = 'lerp';
  const [ta, tb] = checkPair(owner, a, b);
  const { steps, stacked } = checkSteps(owner, t);
  return tf.tidy(() => {
    const out = steps.map((s) => tf.add(tf.mul(ta, 1 - s), tf.mul(tb, s)));
    return stacked ? tf.stack(out) : out[0]!;
  });
}

/**
 * Spherical linear interpolation of latent vectors (Shoemake 1985; for GAN latents, White 2016,
 * "Sampling Generative Networks", https://arxiv.org/abs/1609.04468), row by row:
 * `sin((1 - t) w) / sin(w) a + sin(t w) / sin(w) b`, w the angle between a and b. It follows
 * the great circle between the directions, so two vectors of equal norm give points of that
 * norm for every t (linear interpolation passes closer to the origin, where Gaussian latents
 * rarely lie). With an array of `t` the results are stacked on a new first axis.
 *
 * The angle is `2 atan2(|â - b̂|, |â + b̂|)` (â = a / |a|), accurate at every angle in float32.
 * When sin(w) < 1e-4 (parallel or opposite vectors, where the great circle is not defined or
 * the formula divides by almost 0) a row is interpolated linearly instead; a zero row counts as
 * orthogonal to the other.
 *
 * Input: `a`, `b` float32 of one shape, `[d]` or `[n, d]`; `t` a finite number (0 gives a,
 * 1 gives b) or an array of them. Output: the shape of `a`, or `[t.length, ...]`.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, ops } from 'tfjs-synth';
 * await initBackend();
 * const mid = ops.slerp(tf.tensor1d([1, 0]), tf.tensor1d([0, 1]), 0.5); // [0.7071, 0.7071]: norm 1 kept
 * ```
 */
export function slerp(a: tf.Tensor, b: tf.Tensor, t: number | readonly number[]): tf.Tensor {
  const owner = 'slerp';
  const [ta, tb] = checkPair(owner, a, b);
  const { steps, stacked } = checkSteps(owner, t);
  return tf.tidy(() => {
    const unit = (x: tf.Tensor): tf.Tensor => tf.div(x, tf.maximum(tf.norm(x, 'euclidean', -1, true), 1e-30));
    const an = unit(ta);
    const bn = unit(tb);
    const omega = tf.mul(
      tf.atan2(tf.norm(tf.sub(an, bn), 'euclidean', -1, true), tf.norm(tf.add(an, bn), 'euclidean', -1, true)),
      2,
    );
    const sinOmega = tf.sin(omega);
    const linear = tf.less(sinOmega, SLERP_MIN_SIN);
    // Where linear, divide by 1 instead of ~0 so that no Inf/NaN appears in the unused branch.
    const safeSin = tf.where(linear, tf.onesLike(sinOmega), sinOmega);
    const out = steps.map((s) => {
      const ca = tf.where(linear, tf.fill(sinOmega.shape, 1 - s), tf.div(tf.sin(tf.mul(omega, 1 - s)), safeSin));
      const cb = tf.where(linear, tf.fill(sinOmega.shape, s), tf.div(tf.sin(tf.mul(omega, s)), safeSin));
      return tf.add(tf.mul(ta, ca), tf.mul(tb, cb));
    });
    return stacked ? tf.stack(out) : out[0]!;
  });
}

/**
 * The mean latent vector of a group (DCGAN's "average the z of three exemplars"), or of each
 * group: the mean over the second-to-last axis.
 *
 * Input: float32 `[n, d]` (one group of n vectors) or `[g, n, d]` (g groups), n >= 1.
 * Output: `[d]` or `[g, d]`.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, ops } from 'tfjs-synth';
 * await initBackend();
 * const smilingWoman = ops.latentMean(tf.randomNormal([3, 100])); // [100]
 * ```
 */
export function latentMean(z: tf.Tensor): tf.Tensor {
  const owner = 'latentMean';
  const tz = checkTensor(owner, 'z', z);
  if (tz.rank !== 2 && tz.rank !== 3)
    throw new Error(`${owner}: z must be rank 2 [n, d] or rank 3 [g, n, d], got shape ${formatShape(tz.shape)}.`);
  if (tz.dtype !== 'float32') throw new Error(`${owner}: z must be float32, got ${tz.dtype}.`);
  if (tz.shape[tz.rank - 2] === 0 || tz.shape[tz.rank - 1] === 0)
    throw new Error(`${owner}: z must not be empty, got shape ${formatShape(tz.shape)}.`);
  return tf.tidy(() => tf.mean(tz, tz.rank - 2));
}

/**
 * Latent vector arithmetic, `a - b + c`, in the order of the DCGAN paper's example: "smiling
 * woman" - "neutral woman" + "neutral man" gives a vector whose image is a smiling man (each term
 * usually the {@link latentMean} of a few exemplars).
 *
 * Input: float32 tensors of one shape, `[d]` or `[n, d]`. Output: the same shape.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, ops } from 'tfjs-synth';
 * await initBackend();
 * const z = ops.latentArithmetic(tf.tensor1d([3, 1]), tf.tensor1d([1, 1]), tf.tensor1d([0, 2])); // [2, 2]
 * ```
 */
export function latentArithmetic(a: tf.Tensor, b: tf.Tensor, c: tf.Tensor): tf.Tensor {
  const owner = 'latentArithmetic';
  const [ta, tb] = checkPair(owner, a, b);
  const [, tc] = checkPair(owner, a, c, 'a', 'c');
  return tf.tidy(() => tf.add(tf.sub(ta, tb), tc));
}
