import * as tf from '@tensorflow/tfjs-core';
import { checkNumber, checkOptions } from '../core/checks';
import { stopGradient } from '../ops/stop-gradient';
import { assertSameShape } from './internal/checks';

/** Options of {@link featureMatchingLoss}. */
export interface FeatureMatchingLossOptions {
  /** Factor on the whole loss (pix2pixHD's `--lambda_feat` is 10). Default 1. */
  weight?: number;
}

/** Most discriminators and features per discriminator accepted (guards against runaway lists). */
const MAX_LIST = 64;

function checkLists(owner: string, arg: string, value: unknown): tf.Tensor[][] {
  const ok =
    Array.isArray(value) &&
    value.length >= 1 &&
    value.length <= MAX_LIST &&
    value.every(
      (per) =>
        Array.isArray(per) &&
        per.length >= 2 &&
        per.length <= MAX_LIST &&
        per.every((t) => t instanceof tf.Tensor && !t.isDisposed),
    );
  if (!ok) {
    const what = Array.isArray(value) ? `an array of length ${value.length}` : typeof value;
    throw new Error(
      `${owner}: ${arg} must be 1 to ${MAX_LIST} lists (one per discriminator) of 2 to ${MAX_LIST} live tensors (features, then the prediction), got ${what}${Array.isArray(value) ? ' not of that form' : ''}.`,
    );
  }
  return value as tf.Tensor[][];
}

/**
 * pix2pixHD's discriminator feature-matching loss (`loss_G_GAN_Feat` of `Pix2PixHDModel`): for
 * every discriminator i and every intermediate feature j except the last entry (the prediction),
 * the mean absolute difference between the fake and the real feature, weighted
 * `4 / (nLayers + 1)` (nLayers + 1 = the number of features per discriminator) and `1 / numD`:
 *
 *   loss = weight * sum_i sum_j (1 / numD) * (4 / (nLayers + 1)) * mean|fake[i][j] - real[i][j]|
 *
 * The real features are treated as constants (upstream's `.detach()`), so the gradient only
 * reaches the generator through the fake ones.
 *
 * Inputs: one list per discriminator, each `nLayers + 2` tensors (a `multiscaleDiscriminator`
 * with `getIntermFeat`, regrouped by `models.groupMultiscaleOutputs`), the same number of
 * entries for every discriminator and the same shapes in `fakeFeatures` and `realFeatures`.
 * Output: a scalar.
 *
 * Reference: T.-C. Wang et al., "High-Resolution Image Synthesis and Semantic Manipulation with
 * Conditional GANs", CVPR 2018 (Eq. 4), https://arxiv.org/abs/1711.11585.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, losses } from 'tfjs-synth';
 * await initBackend();
 * const fake = [[tf.ones([1, 4, 4, 2]), tf.zeros([1, 3, 3, 1])]];
 * const real = [[tf.zeros([1, 4, 4, 2]), tf.zeros([1, 3, 3, 1])]];
 * const l = losses.featureMatchingLoss(fake, real, { weight: 10 }); // 10 * 4 / 1 * 1 = 40
 * ```
 */
export function featureMatchingLoss(
  fakeFeatures: tf.Tensor[][],
  realFeatures: tf.Tensor[][],
  options?: FeatureMatchingLossOptions,
): tf.Scalar {
  const owner = 'featureMatchingLoss';
  const o = checkOptions(owner, 'options', options);
  const weight = checkNumber(owner, 'weight', o.weight ?? 1, { min: 0 });
  const fake = checkLists(owner, 'fakeFeatures', fakeFeatures);
  const real = checkLists(owner, 'realFeatures', realFeatures);
  const perD = fake[0]!.length;
  if (real.length !== fake.length || fake.some((f, i) => f.length !== perD || real[i]!.length !== perD)) {
    throw new Error(
      `${owner}: fakeFeatures and realFeatures must both hold ${fake.length} lists of ${perD} tensors (one list per discriminator, the same length for all).`,
    );
  }
  for (let i = 0; i < fake.length; i++) {
    for (let j = 0; j < perD - 1; j++) {
      assertSameShape(owner, `fakeFeatures[${i}][${j}]`, fake[i]![j]!, `realFeatures[${i}][${j}]`, real[i]![j]!);
    }
  }
  // Upstream: D_weights = 1 / num_D, feat_weights = 4 / (n_layers_D + 1), n_layers_D + 2 = perD.
  const factor = (weight * 4) / (perD - 1) / fake.length;
  return tf.tidy(() => {
    const terms: tf.Scalar[] = [];
    for (let i = 0; i < fake.length; i++) {
      for (let j = 0; j < perD - 1; j++) {
        terms.push(tf.mean(tf.abs(tf.sub(fake[i]![j]!, stopGradient(real[i]![j]!)))));
      }
    }
    return tf.mul(tf.addN(terms), factor) as tf.Scalar;
  });
}
