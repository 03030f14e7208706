import * as tf from '@tensorflow/tfjs-core';
import type { RgbaImage } from '../core/rgba-image';
import { checkRange, type ImageRange } from './image-to-tensor';

/** Options of {@link tensorToImage}. */
export interface TensorToImageOptions {
  /** Value range of the tensor: `low` becomes byte 0, `high` byte 255. Default `[-1, 1]`. */
  range?: ImageRange;
}

/**
 * Converts an image tensor back to 8-bit RGBA. Values are mapped from `range` to 0..255,
 * rounded and clamped, so a generator's slightly out-of-range output is safe to save.
 * One channel becomes gray, three get alpha 255, four keep their alpha.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { tensorToImage, writePng } from 'tfjs-synth/node';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend();
 * const image = tensorToImage(tf.zeros([1, 8, 8, 3]));   // mid-gray, [-1, 1] input
 * await writePng('gray.png', image);
 * ```
 * @param tensor `[H, W, C]` or `[1, H, W, C]` with C in {1, 3, 4}. Not disposed.
 * @throws Error naming the bad shape or range.
 */
export function tensorToImage(tensor: tf.Tensor, options: TensorToImageOptions = {}): RgbaImage<Uint8Array> {
  if (!(tensor instanceof tf.Tensor)) {
    throw new Error('tensorToImage: tensor must be a tf.Tensor.');
  }
  const [low, high] = checkRange('tensorToImage', options.range);
  const shape = tensor.shape;
  const ok3 = shape.length === 3;
  const ok4 = shape.length === 4 && shape[0] === 1;
  const c = shape[shape.length - 1];
  if (!(ok3 || ok4) || (c !== 1 && c !== 3 && c !== 4)) {
    throw new Error(
      `tensorToImage: tensor must have shape [H, W, C] or [1, H, W, C] with C = 1, 3 or 4, got [${shape.join(', ')}].`,
    );
  }
  const height = shape[shape.length - 3]!;
  const width = shape[shape.length - 2]!;
  const bytes = tf.tidy(() => {
    let x = tf.reshape(tf.cast(tensor, 'float32'), [height, width, c!]);
    x = tf.clipByValue(tf.round(tf.mul(tf.sub(x, low), 255 / (high - low))), 0, 255);
    if (c === 1) x = tf.concat([x, x, x, tf.fill([height, width, 1], 255)], 2);
    else if (c === 3) x = tf.concat([x, tf.fill([height, width, 1], 255)], 2);
    return tf.cast(x, 'int32');
  });
  // Read outside tidy: tidy must only return tensors.
  const values = bytes.dataSync();
  bytes.dispose();
  return { width, height, data: Uint8Array.from(values) };
}
