import * as tf from '@tensorflow/tfjs-core';
import { checkFeatures, checkFinite } from './internal/features';

/**
 * The mean and covariance of a set of feature vectors, in float64: what the Fréchet distance
 * compares. Keep the statistics of a reference set once and pass them to
 * {@link frechetDistance} or {@link fid} instead of its features (as pytorch-fid's `.npz` files do).
 */
export interface FeatureStatistics {
  /** Number of features d. */
  dim: number;
  /** Number of samples the statistics were taken over. */
  count: number;
  /** The mean, length d. */
  mean: Float64Array;
  /** The unbiased (n − 1) covariance, d × d row-major. */
  covariance: Float64Array;
}

/** Rows per float32 matrix product: small enough that each partial sum stays accurate. */
const CHUNK = 256;

/**
 * Mean and unbiased covariance (`np.cov(features, rowvar=False)`) of `features` [n, d].
 * The features are centred on the host in float64; Xᵀ X is taken on the backend in chunks of
 * 256 rows and the chunks summed in float64, so large sets stay both fast and accurate.
 * Needs n >= 2.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, metrics } from 'tfjs-synth';
 * await initBackend();
 * const stats = await metrics.featureStatistics(tf.tensor2d([[0, 1], [2, 1], [4, 4]]));
 * console.log(stats.mean); // Float64Array [2, 2]
 * ```
 */
export async function featureStatistics(features: tf.Tensor2D): Promise<FeatureStatistics> {
  const fn = 'featureStatistics';
  const x = checkFeatures(fn, 'features', features);
  const [n, d] = x.shape;
  if (n < 2) throw new Error(`${fn}: features needs at least 2 samples for a covariance, got ${n}.`);
  const values = (await x.data()) as Float32Array;
  checkFinite(fn, 'features', values);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += values[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= n;
  const covariance = new Float64Array(d * d);
  for (let start = 0; start < n; start += CHUNK) {
    const rows = Math.min(CHUNK, n - start);
    const centred = new Float32Array(rows * d);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < d; j++) centred[i * d + j] = values[(start + i) * d + j]! - mean[j]!;
    }
    const product = tf.tidy(() => {
      const c = tf.tensor2d(centred, [rows, d]);
      // An explicit transpose: matMul's transposeA path is an order of magnitude slower on wasm.
      return tf.matMul(tf.transpose(c), c);
    });
    const part = await product.data();
    product.dispose();
    for (let k = 0; k < d * d; k++) covariance[k]! += part[k]!;
  }
  for (let k = 0; k < d * d; k++) covariance[k]! /= n - 1;
  // Symmetrise (the float32 products are symmetric up to rounding).
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const s = (covariance[i * d + j]! + covariance[j * d + i]!) / 2;
      covariance[i * d + j] = s;
      covariance[j * d + i] = s;
    }
  }
  return { dim: d, count: n, mean, covariance };
}
