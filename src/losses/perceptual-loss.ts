import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkError, checkNumber, checkOptions } from '../core/checks';
import { stopGradient } from '../ops/stop-gradient';
import { assertRank, assertSameShape } from './internal/checks';

/**
 * The feature extractor of {@link perceptualLoss}: a model with several outputs, or a function
 * returning the feature maps (a list of `[b, h, w, c]` tensors). Not `metrics.FeatureExtractor`,
 * which gives one feature vector per image for FID and KID. Renamed from `losses.FeatureExtractor`.
 */
export type FeatureMapExtractor = tfl.LayersModel | ((x: tf.Tensor) => tf.Tensor[]);

/** Options of {@link perceptualLoss}. */
export interface PerceptualLossOptions {
  /**
   * Weight of each feature map's L1 term, one per extractor output. Default
   * [1/32, 1/16, 1/8, 1/4, 1] (pix2pixHD and SPADE `VGGLoss`, for relu1_1 .. relu5_1).
   */
  weights?: readonly number[];
}

/** pix2pixHD / SPADE `VGGLoss.weights`. */
export const PERCEPTUAL_LOSS_WEIGHTS: readonly number[] = [1 / 32, 1 / 16, 1 / 8, 1 / 4, 1];

/**
 * The feature-matching perceptual loss of pix2pixHD and SPADE (`VGGLoss`; Wang et al. 2018,
 * https://arxiv.org/abs/1711.11585; Park et al. 2019, https://arxiv.org/abs/1903.07291):
 * `sum_i weights[i] * mean(|f_i(fake) - f_i(real)|)` over the extractor's feature maps, the
 * real image's features detached (no gradient flows into them). Any extractor works; upstream
 * uses `models.vgg19Features()` with torchvision's ImageNet weights (relu1_1 .. relu5_1, images
 * fed in [-1, 1] without ImageNet normalisation), which the package cannot download: see
 * `models.vgg19Features` for loading them with `io.loadTorchStateDict`. The extractor runs in
 * inference mode; its weights are not trained by a loss that lists only the generator's
 * variables.
 *
 * Input: fake and real [batch, h, w, c], same shape. Output: a scalar.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, losses, models } from 'tfjs-synth';
 * await initBackend();
 * const vgg = models.vgg19Features({ filters: [4, 8, 8, 16, 16] }); // load real weights in practice
 * const fake = tf.randomUniform([1, 32, 32, 3], -1, 1);
 * const real = tf.randomUniform([1, 32, 32, 3], -1, 1);
 * const loss = losses.perceptualLoss(vgg, fake, real); // scalar
 * ```
 * @throws Error when the images differ in shape or are not rank 4, the extractor is neither a
 *   model nor a function, or the weights are not one finite non-negative number per feature map.
 */
export function perceptualLoss(
  extractor: FeatureMapExtractor,
  fake: tf.Tensor,
  real: tf.Tensor,
  options?: PerceptualLossOptions,
): tf.Scalar {
  const owner = 'perceptualLoss';
  const opts = checkOptions<PerceptualLossOptions>(owner, 'options', options);
  if (!(extractor instanceof tfl.LayersModel) && typeof extractor !== 'function') {
    throw checkError(owner, 'extractor', 'a tf.LayersModel or a function returning tensors', extractor);
  }
  if (!(fake instanceof tf.Tensor)) throw checkError(owner, 'fake', 'a tensor', fake);
  if (!(real instanceof tf.Tensor)) throw checkError(owner, 'real', 'a tensor', real);
  assertRank(owner, 'fake', fake, 4, '[batch, h, w, c]');
  assertSameShape(owner, 'fake', fake, 'real', real);
  const weights = opts.weights ?? PERCEPTUAL_LOSS_WEIGHTS;
  if (!Array.isArray(weights) || weights.length === 0 || weights.length > 64) {
    throw checkError(owner, 'weights', 'an array of 1 to 64 numbers', weights);
  }
  weights.forEach((w, i) => checkNumber(owner, `weights[${i}]`, w, { min: 0 }));
  const extract = (x: tf.Tensor): tf.Tensor[] => {
    const out = extractor instanceof tfl.LayersModel ? extractor.apply(x, { training: false }) : extractor(x);
    const list = Array.isArray(out) ? out : [out];
    if (!list.every((t) => t instanceof tf.Tensor)) {
      throw new Error(`${owner}: the extractor must return tensors.`);
    }
    return list as tf.Tensor[];
  };
  return tf.tidy(() => {
    const fakeFeatures = extract(fake);
    const realFeatures = extract(real);
    if (fakeFeatures.length !== weights.length || realFeatures.length !== weights.length) {
      throw new Error(
        `${owner}: the extractor returned ${fakeFeatures.length} feature maps, but weights has ${weights.length} entries.`,
      );
    }
    const terms = fakeFeatures.map((f, i) => {
      assertSameShape(owner, `fake feature ${i}`, f, `real feature ${i}`, realFeatures[i]!);
      return tf.mul(tf.mean(tf.abs(tf.sub(f, stopGradient(realFeatures[i]!)))), weights[i]!);
    });
    return tf.addN(terms) as tf.Scalar;
  });
}
