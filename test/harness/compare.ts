/**
 * Comparison of a tensor with expected values (golden numbers from a PyTorch fixture, or a
 * reference tensor), shared by the layer and op tests.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

/**
 * max |actual - expected|. `expected` is a tensor of the same shape, or flat numbers laid out in
 * `shape` (default: the shape of `actual`). A shape mismatch fails the test rather than
 * broadcasting. Leaves no tensor behind.
 */
export async function maxAbsDiff(
  actual: tf.Tensor,
  expected: tf.Tensor | readonly number[],
  shape: readonly number[] = actual.shape,
): Promise<number> {
  expect(actual.shape).toEqual(expected instanceof tf.Tensor ? expected.shape : [...shape]);
  const e = expected instanceof tf.Tensor ? expected : tf.tensor(expected as number[], actual.shape);
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(actual, e))));
  const v = (await d.data())[0]!;
  tf.dispose(expected instanceof tf.Tensor ? [d] : [d, e]);
  return v;
}

/**
 * Expects max |actual - expected| <= tolerance * max(1, max |expected|): for gradients that sum
 * many float32 products, where an absolute bound would sit below one ulp of the largest entry.
 */
export async function expectScaledClose(
  actual: tf.Tensor,
  expected: readonly number[],
  tolerance: number,
  label: string,
): Promise<void> {
  const scale = Math.max(1, ...expected.map(Math.abs));
  expect(await maxAbsDiff(actual, expected), `${label} (scale ${scale})`).toBeLessThanOrEqual(tolerance * scale);
}
