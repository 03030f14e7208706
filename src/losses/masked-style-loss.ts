import * as tf from '@tensorflow/tfjs-core';
import { formatShape } from '../ops/internal/check-tensor';
import { assertFinite, assertRank } from './internal/checks';

/** Options of {@link maskedStyleLoss}. */
export interface MaskedStyleLossOptions {
  /** One weight per layer. Default 1 for every layer. */
  weights?: readonly number[];
}

/**
 * The segmentation-aware style loss of Luan et al.'s Deep Photo Style Transfer (2017, eq. 4):
 * style is matched region by region instead of over the whole image, so sky takes the style of
 * sky and buildings of buildings.
 *
 * For each layer l and region c: the features are multiplied by the region's mask (resized to
 * the layer with bilinear interpolation), the Gram matrix is divided by the mask's area, and the
 * loss adds `mean((G_c[gen] − G_c[style])²)`, weighted by the layer's weight. A region that is
 * empty in both images adds 0; give each region in both images (a region only in one adds its
 * Gram matrix as a penalty).
 *
 * Input: per layer, features [1, h_l, w_l, C_l] of the generated and the style image (any
 * sizes per image); masks [1, H, W, R] for each image (soft or one-hot, R regions, the same R).
 * Output: a scalar.
 *
 * Porting note: Luan et al. normalise by the region's pixel count at each layer, as here; their
 * Torch code also drops regions that are too small, which is left to the caller's masks.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, losses } from 'tfjs-synth';
 * await initBackend();
 * const gen = [tf.randomNormal([1, 8, 8, 4], 0, 1, 'float32', 1) as tf.Tensor4D];
 * const style = [tf.randomNormal([1, 8, 8, 4], 0, 1, 'float32', 2) as tf.Tensor4D];
 * // Two regions: left and right halves.
 * const halves = tf.concat([tf.pad(tf.ones([1, 16, 8, 1]), [[0, 0], [0, 0], [0, 8], [0, 0]]), tf.pad(tf.ones([1, 16, 8, 1]), [[0, 0], [0, 0], [8, 0], [0, 0]])], 3) as tf.Tensor4D;
 * const loss = losses.maskedStyleLoss(gen, style, halves, halves);
 * ```
 */
export function maskedStyleLoss(
  genFeatures: readonly tf.Tensor4D[],
  styleFeatures: readonly tf.Tensor4D[],
  genMasks: tf.Tensor4D,
  styleMasks: tf.Tensor4D,
  options: MaskedStyleLossOptions = {},
): tf.Scalar {
  const owner = 'maskedStyleLoss';
  if (
    !Array.isArray(genFeatures) ||
    !Array.isArray(styleFeatures) ||
    genFeatures.length === 0 ||
    genFeatures.length !== styleFeatures.length
  ) {
    throw new Error(`${owner}: genFeatures and styleFeatures must be non-empty lists of the same length.`);
  }
  assertRank(owner, 'genMasks', genMasks, 4, '[1, H, W, regions]');
  assertRank(owner, 'styleMasks', styleMasks, 4, '[1, H, W, regions]');
  if (genMasks.shape[0] !== 1 || styleMasks.shape[0] !== 1 || genMasks.shape[3] !== styleMasks.shape[3]) {
    throw new Error(
      `${owner}: genMasks and styleMasks must be [1, H, W, R] with the same R, got ${formatShape(genMasks.shape)} and ${formatShape(styleMasks.shape)}.`,
    );
  }
  const weights = options.weights ?? genFeatures.map(() => 1);
  if (weights.length !== genFeatures.length) {
    throw new Error(`${owner}: weights must have one entry per layer (${genFeatures.length}), got ${weights.length}.`);
  }
  genFeatures.forEach((g, l) => {
    assertRank(owner, `genFeatures[${l}]`, g, 4, '[1, h, w, c]');
    assertRank(owner, `styleFeatures[${l}]`, styleFeatures[l]!, 4, '[1, h, w, c]');
    if (g.shape[0] !== 1 || styleFeatures[l]!.shape[0] !== 1 || g.shape[3] !== styleFeatures[l]!.shape[3]) {
      throw new Error(
        `${owner}: genFeatures[${l}] and styleFeatures[${l}] must be [1, h, w, c] with the same c, got ${formatShape(g.shape)} and ${formatShape(styleFeatures[l]!.shape)}.`,
      );
    }
    assertFinite(owner, `weights[${l}]`, weights[l]!);
  });
  const regions = genMasks.shape[3];
  return tf.tidy(() => {
    /** The area-normalised Gram matrices of every region: [R, C, C]. */
    const regionGrams = (features: tf.Tensor4D, masks: tf.Tensor4D): tf.Tensor3D => {
      const [, h, w, c] = features.shape;
      const m = tf.image.resizeBilinear(masks, [h, w]); // [1, h, w, R]
      const f = tf.reshape(features, [h * w, c]);
      const mr = tf.transpose(tf.reshape(m, [h * w, regions])); // [R, hw]
      const masked = tf.mul(tf.expandDims(mr, 2), tf.expandDims(f, 0)); // [R, hw, c]
      const grams = tf.matMul(tf.transpose(masked, [0, 2, 1]), masked); // [R, c, c]
      const area = tf.add(tf.sum(mr, 1), 1e-8); // [R]
      return tf.div(grams, tf.reshape(area, [regions, 1, 1])) as tf.Tensor3D;
    };
    let total: tf.Tensor = tf.scalar(0);
    genFeatures.forEach((g, l) => {
      const diff = tf.sub(regionGrams(g, genMasks), regionGrams(styleFeatures[l]!, styleMasks));
      total = tf.add(total, tf.mul(tf.sum(tf.mean(tf.square(diff), [1, 2])), weights[l]!));
    });
    return total as tf.Scalar;
  });
}
