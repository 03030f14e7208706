import * as tf from '@tensorflow/tfjs-core';
import { checkAbortSignal, checkOptions, checkPositiveInteger } from '../core/checks';
import type { FeatureStatistics } from './feature-statistics';
import { checkSet, frechetDistance } from './frechet-distance';
import {
  checkExtractor,
  checkImageSource,
  collectFeatures,
  type FeatureExtractor,
  type ImageSource,
} from './internal/collect-features';

/** Options of {@link fid} and {@link kid}. */
export interface ImageFeatureOptions {
  /** Images per extractor call when the images come as one tensor. Default 32. */
  batchSize?: number;
  /** Checked between batches; aborting rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Fréchet Inception Distance (Heusel et al. 2017): the {@link frechetDistance} between the
 * features of `images` and of `reference`, both taken with `extractor`. The reference may be
 * given as its {@link FeatureStatistics}, computed once.
 *
 * FID numbers are only comparable with the same extractor and preprocessing. Papers use the
 * pool3 features (2048) of the TF Inception graph of the original FID code, which pytorch-fid
 * ports; docs/metrics.md gives the steps to convert it for tfjs. Any extractor works here, e.g. a
 * small domain network for quick checks during training.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, metrics } from 'tfjs-synth';
 * await initBackend();
 * // A toy extractor: per-channel means and standard deviations at two scales (12 features).
 * const extractor = (x: tf.Tensor4D) => tf.tidy(() => {
 *   const small = tf.avgPool(x, 4, 4, 'valid');
 *   const m = [x, small].map((t) => tf.moments(t, [1, 2]));
 *   return tf.concat([...m.map((s) => s.mean), ...m.map((s) => tf.sqrt(s.variance))], 1);
 * });
 * const real = tf.randomUniform([40, 16, 16, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
 * const fake = tf.randomUniform([40, 16, 16, 3], 0.1, 1, 'float32', 2) as tf.Tensor4D;
 * console.log(await metrics.fid(fake, real, extractor) > 0); // true
 * ```
 */
export async function fid(
  images: ImageSource,
  reference: ImageSource | FeatureStatistics,
  extractor: FeatureExtractor,
  options?: ImageFeatureOptions,
): Promise<number> {
  const fn = 'fid';
  const source = checkImageSource(fn, 'images', images);
  const referenceIsStatistics =
    reference !== null &&
    typeof reference === 'object' &&
    !(reference instanceof tf.Tensor) &&
    'covariance' in reference;
  const referenceSet = referenceIsStatistics
    ? (checkSet(fn, 'reference', reference) as FeatureStatistics)
    : checkImageSource(fn, 'reference', reference);
  const extract = checkExtractor(fn, 'extractor', extractor);
  const opts = checkOptions<ImageFeatureOptions>(fn, 'options', options);
  const batchSize = opts.batchSize === undefined ? 32 : checkPositiveInteger(fn, 'batchSize', opts.batchSize);
  const signal = checkAbortSignal(fn, 'signal', opts.signal);
  const features = async (src: ImageSource, arg: string): Promise<tf.Tensor2D> => {
    const { values, n, d } = await collectFeatures(fn, arg, src, extract, batchSize, signal);
    return tf.tensor2d(values, [n, d]);
  };
  const a = await features(source, 'images');
  let b: tf.Tensor2D | FeatureStatistics | undefined;
  try {
    b = referenceIsStatistics
      ? (referenceSet as FeatureStatistics)
      : await features(referenceSet as ImageSource, 'reference');
    // The sample counts, named as fid's arguments.
    checkSet(fn, 'images', a);
    checkSet(fn, 'reference', b);
    return await frechetDistance(a, b);
  } finally {
    a.dispose();
    if (b instanceof tf.Tensor) b.dispose();
  }
}
