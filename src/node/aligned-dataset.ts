import { join } from 'node:path';
import { checkError } from '../core/checks';
import type { ImageDataset, ImageDatasetOptions } from './image-dataset';
import {
  drawParams,
  listImageFiles,
  makeDataset,
  resolveOptions,
  sampleRng,
  transformImage,
} from './internal/dataset-core';
import { readImage } from './read-image';

/** Options of {@link alignedDataset}. */
export interface AlignedDatasetOptions extends ImageDatasetOptions {
  /** `'AtoB'`: the left half is `a`; `'BtoA'` swaps the halves. Default `'AtoB'`. */
  direction?: 'AtoB' | 'BtoA';
}

/**
 * The pix2pix dataset (`AlignedDataset` of pytorch-CycleGAN-and-pix2pix): each file in
 * `<dir>/<phase>/` holds a pair side by side, A on the left and B on the right. Both halves
 * are resized to `loadSize` x `loadSize`, then get the **same** random crop and the same
 * horizontal flip, so pixels stay aligned.
 *
 * @example
 * ```ts
 * import { alignedDataset } from 'tfjs-synth/node';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend();
 * const data = await alignedDataset('datasets/facades', { seed: 1 });
 * for await (const { a, b } of data) {   // a, b: [1, 256, 256, 3] in [-1, 1]
 *   // ... one training step ...
 *   a.dispose(); b.dispose();
 * }
 * ```
 * @param dir Dataset root containing `train/` (and/or `test/`).
 * @throws Error when the folder is missing or empty, holds an unsupported image type, or
 *   (when a sample is read) a pair image has an odd width.
 */
export async function alignedDataset(dir: string, options: AlignedDatasetOptions = {}): Promise<ImageDataset> {
  const owner = 'alignedDataset';
  const direction = options.direction ?? 'AtoB';
  if (direction !== 'AtoB' && direction !== 'BtoA') {
    throw checkError(owner, 'direction', "'AtoB' or 'BtoA'", direction);
  }
  const o = resolveOptions(owner, options);
  const files = await listImageFiles(owner, join(dir, o.phase));
  return makeDataset(owner, files.length, o, async (index, epoch) => {
    const path = files[index]!;
    const image = await readImage(path);
    if (image.width % 2 !== 0) {
      throw new Error(
        `${owner}: ${JSON.stringify(path)} is ${image.width}x${image.height}; a pix2pix pair needs an even width (A|B side by side).`,
      );
    }
    const half = image.width / 2;
    const params = drawParams(sampleRng(o, epoch, index), o);
    const left = transformImage(image, o, params, { x0: 0, width: half });
    let right: ReturnType<typeof transformImage>;
    try {
      right = transformImage(image, o, params, { x0: half, width: half });
    } catch (err) {
      left.dispose();
      throw err;
    }
    return direction === 'AtoB'
      ? { a: left, b: right, aPath: path, bPath: path }
      : { a: right, b: left, aPath: path, bPath: path };
  });
}
