/**
 * The local statistics of SSIM (Wang et al. 2004), as the authors' reference `ssim_index.m`
 * computes them: a normalised Gaussian window, 'valid' filtering (no padding), and
 * C1 = (K1 L)², C2 = (K2 L)². Images are scaled by 1/L first, which leaves SSIM unchanged and
 * keeps the variances (E[x²] − μ²) away from float32 cancellation for byte-range data.
 * @internal
 */
import * as tf from '@tensorflow/tfjs-core';

/** Window and constants of one SSIM evaluation. */
export interface SsimSettings {
  windowSize: number;
  sigma: number;
  k1: number;
  k2: number;
}

/** The normalised 1-D Gaussian of `size` taps (the 2-D window is its outer product). */
export function gaussianTaps(size: number, sigma: number): Float32Array {
  const taps = new Float64Array(size);
  const c = (size - 1) / 2;
  let sum = 0;
  for (let i = 0; i < size; i++) {
    taps[i] = Math.exp(-((i - c) * (i - c)) / (2 * sigma * sigma));
    sum += taps[i]!;
  }
  return Float32Array.from(taps, (t) => t / sum);
}

/** 'valid' separable Gaussian filtering of every channel of [n, h, w, c]. */
function filterValid(x: tf.Tensor4D, taps: tf.Tensor1D): tf.Tensor4D {
  const c = x.shape[3];
  const size = taps.shape[0];
  const vertical = tf.tile(tf.reshape(taps, [size, 1, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D;
  const horizontal = tf.tile(tf.reshape(taps, [1, size, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D;
  return tf.depthwiseConv2d(tf.depthwiseConv2d(x, vertical, 1, 'valid'), horizontal, 1, 'valid');
}

/**
 * The SSIM map and the contrast-structure map ("cs", SSIM without its luminance term) of two
 * images already scaled to a data range of 1, each [n, h - s + 1, w - s + 1, c].
 * Call inside tf.tidy.
 */
export function ssimMaps(x: tf.Tensor4D, y: tf.Tensor4D, s: SsimSettings): { ssim: tf.Tensor4D; cs: tf.Tensor4D } {
  const taps = tf.tensor1d(gaussianTaps(s.windowSize, s.sigma));
  const c1 = s.k1 * s.k1;
  const c2 = s.k2 * s.k2;
  const muX = filterValid(x, taps);
  const muY = filterValid(y, taps);
  const muXX = tf.mul(muX, muX);
  const muYY = tf.mul(muY, muY);
  const muXY = tf.mul(muX, muY);
  const varX = tf.sub(filterValid(tf.mul(x, x), taps), muXX);
  const varY = tf.sub(filterValid(tf.mul(y, y), taps), muYY);
  const covXY = tf.sub(filterValid(tf.mul(x, y), taps), muXY);
  const cs = tf.div(tf.add(tf.mul(covXY, 2), c2), tf.add(tf.add(varX, varY), c2)) as tf.Tensor4D;
  const luminance = tf.div(tf.add(tf.mul(muXY, 2), c1), tf.add(tf.add(muXX, muYY), c1));
  return { ssim: tf.mul(luminance, cs) as tf.Tensor4D, cs };
}
