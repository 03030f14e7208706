import * as tf from '@tensorflow/tfjs-core';
import type { RgbaImage } from '../core/rgba-image';
import { checkImage } from './internal/check-image';

/** A value range for image tensors: `[-1, 1]` (what tanh generators emit) or `[0, 1]`. */
export type ImageRange = readonly [-1, 1] | readonly [0, 1];

/** Options of {@link imageToTensor}. */
export interface ImageToTensorOptions {
  /** Value range of the result; 0 maps to the low end, 255 to the high end. Default `[-1, 1]`. */
  range?: ImageRange;
  /**
   * Channels of the result: 3 = RGB (alpha dropped), 1 = luma, 4 = RGBA. Default 3.
   * Luma uses ITU-R 601-2 weights `0.299 R + 0.587 G + 0.114 B`, as PIL's `convert('L')`
   * does in the PyTorch data loaders.
   */
  channels?: 1 | 3 | 4;
}

/**
 * Checks a range option and returns `[low, high]`.
 * @internal
 */
export function checkRange(owner: string, range: ImageRange | undefined): readonly [number, number] {
  const r = range ?? [-1, 1];
  if (!Array.isArray(r) || r.length !== 2 || r[1] !== 1 || (r[0] !== -1 && r[0] !== 0)) {
    throw new Error(`${owner}: range must be [-1, 1] or [0, 1], got ${JSON.stringify(range)}.`);
  }
  return [r[0], r[1]];
}

/**
 * Converts an RGBA image to a float32 NHWC batch of one, scaled to `range`
 * (`x = low + (high - low) * byte / 255`; for `[-1, 1]` this is torchvision's
 * `ToTensor()` + `Normalize(0.5, 0.5)`).
 *
 * @example
 * ```ts
 * import { imageToTensor, readImage } from 'tfjs-synth/node';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend();
 * const x = imageToTensor(await readImage('photo.png'));              // [1, H, W, 3] in [-1, 1]
 * const g = imageToTensor(await readImage('photo.png'), { range: [0, 1], channels: 1 });
 * ```
 * @returns float32 `[1, height, width, channels]`.
 * @throws Error naming the bad option or image field.
 */
export function imageToTensor(image: RgbaImage, options: ImageToTensorOptions = {}): tf.Tensor4D {
  checkImage('imageToTensor', 'image', image);
  const [low, high] = checkRange('imageToTensor', options.range);
  const channels = options.channels ?? 3;
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new Error(`imageToTensor: channels must be 1, 3 or 4, got ${String(channels)}.`);
  }
  const { width, height, data } = image;
  return tf.tidy(() => {
    const rgba = tf.tensor4d(Int32Array.from(data), [1, height, width, 4], 'int32');
    let x: tf.Tensor4D = tf.cast(rgba, 'float32');
    if (channels === 3) {
      x = tf.slice(x, [0, 0, 0, 0], [1, height, width, 3]);
    } else if (channels === 1) {
      const rgb = tf.slice(x, [0, 0, 0, 0], [1, height, width, 3]);
      x = tf.sum(tf.mul(rgb, tf.tensor1d([0.299, 0.587, 0.114])), 3, true);
    }
    return tf.add(tf.mul(x, (high - low) / 255), low);
  });
}
