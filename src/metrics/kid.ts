import { checkOptions, checkPositiveInteger } from '../core/checks';
import type { ImageFeatureOptions } from './fid';
import { checkFinite } from './internal/features';
import {
  checkExtractor,
  checkImageSource,
  collectFeatures,
  type FeatureExtractor,
  type ImageSource,
} from './internal/collect-features';
import {
  checkKernelDistanceOptions,
  type KernelDistanceOptions,
  type KernelDistanceResult,
  subsetMmd,
} from './kernel-distance';

/** Options of {@link kid}: the batch size and the subset options of {@link kernelDistance}. */
export interface KidOptions extends ImageFeatureOptions, KernelDistanceOptions {}

/**
 * Kernel Inception Distance (Bińkowski et al. 2018): the {@link kernelDistance} between the
 * features of `images` and `reference`, both taken with `extractor` (see {@link fid} about
 * extractors). Returns the mean and standard deviation over the subsets.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, metrics } from 'tfjs-synth';
 * await initBackend();
 * const extractor = (x: tf.Tensor4D) => tf.reshape(tf.avgPool(x, 4, 4, 'valid'), [x.shape[0], -1]);
 * const real = tf.randomUniform([30, 8, 8, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
 * const fake = tf.randomUniform([30, 8, 8, 3], 0.2, 1, 'float32', 2) as tf.Tensor4D;
 * const { mean } = await metrics.kid(fake, real, extractor, { subsets: 5, subsetSize: 20, seed: 0 });
 * console.log(mean > 0); // true
 * ```
 */
export async function kid(
  images: ImageSource,
  reference: ImageSource,
  extractor: FeatureExtractor,
  options?: KidOptions,
): Promise<KernelDistanceResult> {
  const fn = 'kid';
  const a = checkImageSource(fn, 'images', images);
  const b = checkImageSource(fn, 'reference', reference);
  const extract = checkExtractor(fn, 'extractor', extractor);
  const opts = checkOptions<KidOptions>(fn, 'options', options);
  const batchSize = opts.batchSize === undefined ? 32 : checkPositiveInteger(fn, 'batchSize', opts.batchSize);
  const checked = checkKernelDistanceOptions(fn, opts);
  const fa = await collectFeatures(fn, 'images', a, extract, batchSize, checked.signal);
  const fb = await collectFeatures(fn, 'reference', b, extract, batchSize, checked.signal);
  if (fa.d !== fb.d) throw new Error(`${fn}: images gave ${fa.d} features and reference ${fb.d}.`);
  for (const [arg, f] of [
    ['images', fa],
    ['reference', fb],
  ] as const) {
    if (f.n < 2) throw new Error(`${fn}: ${arg} needs at least 2 images, got ${f.n}.`);
    checkFinite(fn, `the features of ${arg}`, f.values);
  }
  return subsetMmd(fa.values, fa.n, fb.values, fb.n, fa.d, checked);
}
