/**
 * Feature matrices of the distribution metrics: checked, and read to the host as float64 rows.
 * @internal
 */
import type * as tf from '@tensorflow/tfjs-core';
import { checkTensor, formatShape } from '../../ops/internal/check-tensor';

/** The largest feature dimension (a d × d float64 covariance is 8 d² bytes: 128 MiB at 4096). */
export const MAX_FEATURE_DIM = 4096;

/** Checks a [n, d] float tensor of features with n >= `minRows` and d <= MAX_FEATURE_DIM. */
export function checkFeatures(owner: string, arg: string, x: unknown): tf.Tensor2D {
  const t = checkTensor<tf.Tensor2D>(owner, arg, x, 2, '[samples, features]');
  if (t.dtype !== 'float32') throw new Error(`${owner}: ${arg} must be a float32 tensor, got ${t.dtype}.`);
  const [n, d] = t.shape;
  if (d < 1 || n < 1) throw new Error(`${owner}: ${arg} must not be empty, got shape ${formatShape(t.shape)}.`);
  if (d > MAX_FEATURE_DIM) {
    throw new Error(`${owner}: ${arg} has ${d} features; at most ${MAX_FEATURE_DIM} are supported.`);
  }
  return t;
}

/** Throws unless every value is finite (features are read once for this and for the math). */
export function checkFinite(owner: string, arg: string, values: Float32Array | Float64Array): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) {
      throw new Error(`${owner}: ${arg} must hold finite values, got ${values[i]} at index ${i}.`);
    }
  }
}
