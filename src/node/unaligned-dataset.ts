import { join } from 'node:path';
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

/** Options of {@link unalignedDataset}. */
export interface UnalignedDatasetOptions extends ImageDatasetOptions {
  /**
   * Pair A image i with B image `i % lengthB` instead of a random B (the reference
   * `--serial_batches`). Default `false` for train, `true` for test.
   */
  serialB?: boolean;
}

/**
 * The CycleGAN dataset (`UnalignedDataset` of pytorch-CycleGAN-and-pix2pix): unpaired
 * images in `<dir>/<phase>A/` and `<dir>/<phase>B/`. Sample i takes A image `i % lengthA`
 * and a B image picked at random (seeded); A and B get **independent** random crops and
 * flips. `length` is the larger of the two folder sizes.
 *
 * @example
 * ```ts
 * import { unalignedDataset } from 'tfjs-synth/node';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend();
 * const data = await unalignedDataset('datasets/horse2zebra', { seed: 7 });
 * const { a, b, aPath, bPath } = await data.get(0);   // [1, 256, 256, 3] each
 * a.dispose(); b.dispose();
 * ```
 * @param dir Dataset root containing `trainA/` and `trainB/` (and/or `testA/`, `testB/`).
 * @throws Error when a folder is missing or empty, or holds an unsupported image type.
 */
export async function unalignedDataset(dir: string, options: UnalignedDatasetOptions = {}): Promise<ImageDataset> {
  const owner = 'unalignedDataset';
  const o = resolveOptions(owner, options);
  const serialB = options.serialB ?? o.phase === 'test';
  const filesA = await listImageFiles(owner, join(dir, `${o.phase}A`));
  const filesB = await listImageFiles(owner, join(dir, `${o.phase}B`));
  const length = Math.max(filesA.length, filesB.length);
  return makeDataset(owner, length, o, async (index, epoch) => {
    const rng = sampleRng(o, epoch, index);
    const aPath = filesA[index % filesA.length]!;
    // Same draw order as the reference __getitem__: B index first, then A's and B's transforms.
    const bIndex = serialB ? index % filesB.length : rng.int(0, filesB.length - 1);
    const bPath = filesB[bIndex]!;
    const [imageA, imageB] = await Promise.all([readImage(aPath), readImage(bPath)]);
    const a = transformImage(imageA, o, drawParams(rng, o));
    let b: ReturnType<typeof transformImage>;
    try {
      b = transformImage(imageB, o, drawParams(rng, o));
    } catch (err) {
      a.dispose();
      throw err;
    }
    return { a, b, aPath, bPath };
  });
}
