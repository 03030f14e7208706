import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkError, checkOptions, checkSafeIntegerSeed } from '../core/checks';

/** Options of {@link spadeGenerate}. */
export interface SPADEGenerateOptions {
  /** With a `useVAE` generator: the encoder (`spadeEncoder`) that gives the style's mu and logvar. Needs `image`. */
  encoder?: tfl.LayersModel;
  /** With `encoder`: the style images [n, h, w, 3] in [-1, 1]. */
  image?: tf.Tensor4D;
  /** Seed of z (or of the reparameterisation noise). Default: unseeded. */
  seed?: number;
}

/**
 * Runs a SPADE generator in inference mode on one-hot semantic maps, as upstream's
 * `Pix2PixModel` 'inference' mode does: a plain generator takes the map only; a `useVAE`
 * generator takes z, sampled from N(0, 1) (random styles) or, with `encoder` and `image`, as
 * mu + exp(logvar / 2) * N(0, 1) from the encoded style image (multi-modal, style-guided
 * synthesis).
 *
 * Input: segmap [n, h, w, semanticChannels] as the generator was built. Output: images
 * [n, h, w, 3] in [-1, 1].
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models, ops } from 'tfjs-synth';
 * await initBackend();
 * const g = models.spadeGenerator({ semanticChannels: 3, ngf: 2, hiddenChannels: 8, inputShape: [32, 32], useVAE: true, zDim: 8 });
 * const segmap = ops.labelMapToOneHot(tf.zeros([1, 32, 32], 'int32'), 3);
 * const image = models.spadeGenerate(g, segmap, { seed: 1 }); // [1, 32, 32, 3], a random style
 * ```
 * @throws Error when the map's size or channel count (the label count) is not the generator's,
 *   when an encoder comes without an image (or an image without an encoder), or when
 *   encoder / image are given to a generator that does not take z.
 */
export function spadeGenerate(
  generator: tfl.LayersModel,
  segmap: tf.Tensor4D,
  options?: SPADEGenerateOptions,
): tf.Tensor4D {
  const owner = 'spadeGenerate';
  if (!(generator instanceof tfl.LayersModel)) throw checkError(owner, 'generator', 'a tf.LayersModel', generator);
  const opts = checkOptions<SPADEGenerateOptions>(owner, 'options', options);
  if (!(segmap instanceof tf.Tensor) || segmap.isDisposed)
    throw checkError(owner, 'segmap', 'a live tf.Tensor', segmap);
  const want = generator.inputs[0]!.shape;
  if (segmap.rank !== 4 || segmap.shape[1] !== want[1] || segmap.shape[2] !== want[2]) {
    throw new Error(
      `${owner}: segmap must be [n, ${want[1]}, ${want[2]}, ${want[3]}], got [${segmap.shape.join(', ')}].`,
    );
  }
  if (segmap.shape[3] !== want[3]) {
    throw new Error(
      `${owner}: segmap has ${segmap.shape[3]} channels, but the generator takes ${want[3]} (its semanticChannels): wrong label count.`,
    );
  }
  const takesZ = generator.inputs.length === 2;
  const seed = checkSafeIntegerSeed(owner, 'seed', opts.seed);
  if (!takesZ && (opts.encoder !== undefined || opts.image !== undefined)) {
    throw new Error(`${owner}: encoder and image need a generator built with useVAE: true (this one takes no z).`);
  }
  if (opts.encoder !== undefined && opts.image === undefined) {
    throw new Error(`${owner}: the VAE encoder needs the style image: pass options.image [n, h, w, 3].`);
  }
  if (opts.image !== undefined && opts.encoder === undefined) {
    throw new Error(`${owner}: options.image needs options.encoder (spadeEncoder) to encode it.`);
  }
  if (opts.encoder !== undefined && !(opts.encoder instanceof tfl.LayersModel)) {
    throw checkError(owner, 'encoder', 'a tf.LayersModel', opts.encoder);
  }
  if (opts.image !== undefined) {
    const img = opts.image;
    if (
      !(img instanceof tf.Tensor) ||
      img.isDisposed ||
      img.rank !== 4 ||
      img.shape[3] !== 3 ||
      img.shape[0] !== segmap.shape[0]
    ) {
      throw checkError(owner, 'image', `a live tensor [${segmap.shape[0]}, h, w, 3]`, img);
    }
  }
  return tf.tidy(() => {
    if (!takesZ) return generator.predict(segmap) as tf.Tensor4D;
    const zDim = generator.inputs[1]!.shape[1]!;
    const eps = tf.randomNormal(
      [segmap.shape[0], zDim],
      0,
      1,
      'float32',
      seed === undefined ? undefined : seed % 4294967296,
    );
    let z: tf.Tensor = eps;
    if (opts.encoder) {
      const [mu, logvar] = opts.encoder.predict(opts.image!) as tf.Tensor[];
      z = tf.add(tf.mul(eps, tf.exp(tf.mul(logvar!, 0.5))), mu!);
    }
    return generator.predict([segmap, z]) as tf.Tensor4D;
  });
}
