import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkBoolean, checkError, checkOptions } from '../core/checks';
import { checkImagePair } from './internal/image-pair';
import { LPIPS_MIN_SIDE, LPIPS_SCALE, LPIPS_SHIFT, type LpipsNetwork } from './lpips-network';

/** Options of {@link lpips}. */
export interface LpipsOptions {
  /** Inputs are in [0, 1] (mapped to [-1, 1] first), as upstream's `normalize=True`. Default false: inputs in [-1, 1]. */
  normalize?: boolean;
}

/**
 * The LPIPS distance per image pair, as upstream's `LPIPS(net='alex' | 'vgg', version='0.1')`
 * forward with `spatial=False`: both images scaled by the ScalingLayer, five ReLU taps each,
 * every tap unit-normalised over channels (ε = 1e-10), squared differences weighted by the
 * tap's 1×1 convolution, averaged over space, and summed over the taps. Differentiable, so it
 * also serves as a perceptual loss (take the mean).
 *
 * Input: two RGB images [n, h, w, 3] in [-1, 1] (or [0, 1] with `normalize`), h and w at least
 * 31 (AlexNet) or 16 (VGG16). Output: [n].
 *
 * Porting note: upstream's squeeze trunk is not built here; the `spatial=True` map is not
 * returned.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, metrics } from 'tfjs-synth';
 * await initBackend();
 * const net = metrics.lpipsNetwork({ seed: 1 }); // load the published weights for real use
 * const a = tf.randomUniform([2, 64, 64, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
 * const d = metrics.lpips(a, a, net); // [0, 0]
 * ```
 */
export function lpips(a: tf.Tensor4D, b: tf.Tensor4D, network: LpipsNetwork, options?: LpipsOptions): tf.Tensor1D {
  const fn = 'lpips';
  const [x, y] = checkImagePair(fn, a, b);
  const [, h, w, c] = x.shape;
  if (c !== 3) throw new Error(`${fn}: a and b must be RGB images [n, h, w, 3], got ${c} channels.`);
  checkNetwork(fn, network);
  const minSide = LPIPS_MIN_SIDE[network.net];
  if (h < minSide || w < minSide) {
    const trunk = network.net === 'alex' ? 'AlexNet' : 'VGG16';
    throw new Error(`${fn}: images must be at least ${minSide}×${minSide} for the ${trunk} trunk, got ${h}×${w}.`);
  }
  const opts = checkOptions<LpipsOptions>(fn, 'options', options);
  const normalize = opts.normalize === undefined ? false : checkBoolean(fn, 'normalize', opts.normalize);
  return tf.tidy(() => {
    const shift = tf.tensor1d(LPIPS_SHIFT);
    const scale = tf.tensor1d(LPIPS_SCALE);
    const prepare = (t: tf.Tensor4D): tf.Tensor4D => {
      const v = normalize ? tf.sub(tf.mul(tf.cast(t, 'float32'), 2), 1) : tf.cast(t, 'float32');
      return tf.div(tf.sub(v, shift), scale) as tf.Tensor4D;
    };
    const fa = network.features.apply(prepare(x)) as tf.Tensor[];
    const fb = network.features.apply(prepare(y)) as tf.Tensor[];
    const unit = (t: tf.Tensor): tf.Tensor => tf.div(t, tf.add(tf.sqrt(tf.sum(tf.square(t), 3, true)), 1e-10));
    const diffs = fa.map((t, l) => tf.squaredDifference(unit(t), unit(fb[l]!)));
    const weighted = network.linear.apply(diffs) as tf.Tensor[];
    return tf.addN(weighted.map((t) => tf.mean(t, [1, 2, 3]))) as tf.Tensor1D;
  });
}

function checkNetwork(owner: string, network: unknown): void {
  const n = network as Partial<LpipsNetwork> | null;
  if (
    n === null ||
    typeof n !== 'object' ||
    (n.net !== 'alex' && n.net !== 'vgg') ||
    !(n.features instanceof tfl.LayersModel) ||
    !(n.linear instanceof tfl.LayersModel) ||
    n.features.outputs.length !== 5 ||
    n.linear.inputs.length !== 5
  ) {
    throw checkError(owner, 'network', 'an LpipsNetwork from lpipsNetwork()', network);
  }
}
