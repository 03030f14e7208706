import type * as tf from '@tensorflow/tfjs-core';
import { extname } from 'node:path';
import { tensorToImage, type TensorToImageOptions } from './tensor-to-image';
import { writePng } from './write-png';

/**
 * Writes an image tensor (`[H, W, C]` or `[1, H, W, C]`, default range `[-1, 1]`) as a PNG
 * file ({@link tensorToImage} + {@link writePng}). The tensor is not disposed.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { writeImageTensor } from 'tfjs-synth/node';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend();
 * await writeImageTensor('out/fake.png', tf.randomUniform([1, 64, 64, 3], -1, 1));
 * ```
 * @throws Error when `path` does not end in `.png` (PNG is the only lossless format written).
 */
export async function writeImageTensor(
  path: string,
  tensor: tf.Tensor,
  options: TensorToImageOptions = {},
): Promise<void> {
  if (extname(path).toLowerCase() !== '.png') {
    throw new Error(`writeImageTensor: only PNG files are written; path ${JSON.stringify(path)} does not end in .png.`);
  }
  await writePng(path, tensorToImage(tensor, options));
}
