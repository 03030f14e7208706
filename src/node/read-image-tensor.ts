import type * as tf from '@tensorflow/tfjs-core';
import { imageToTensor, type ImageToTensorOptions } from './image-to-tensor';
import { readImage } from './read-image';

/**
 * Reads a PNG or JPEG file straight into a float32 `[1, H, W, C]` tensor
 * ({@link readImage} + {@link imageToTensor}).
 *
 * @example
 * ```ts
 * import { readImageTensor } from 'tfjs-synth/node';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend();
 * const x = await readImageTensor('photo.jpg');                  // [1, H, W, 3] in [-1, 1]
 * const y = await readImageTensor('mask.png', { range: [0, 1], channels: 1 });
 * ```
 */
export async function readImageTensor(path: string, options: ImageToTensorOptions = {}): Promise<tf.Tensor4D> {
  return imageToTensor(await readImage(path), options);
}
