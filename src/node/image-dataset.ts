import type * as tf from '@tensorflow/tfjs-core';

/** One training pair from {@link alignedDataset} or {@link unalignedDataset}. */
export interface ImagePairSample {
  /** Domain A image, float32 `[1, cropSize, cropSize, channels]` in [-1, 1]. The caller disposes it. */
  a: tf.Tensor4D;
  /** Domain B image, same shape and range. The caller disposes it. */
  b: tf.Tensor4D;
  /** File the A image came from. */
  aPath: string;
  /** File the B image came from (the same file as `aPath` for aligned pairs). */
  bPath: string;
  /** Index of the sample in the dataset (0 .. length-1). */
  index: number;
}

/** Options shared by {@link alignedDataset} and {@link unalignedDataset}. */
export interface ImageDatasetOptions {
  /** Subfolder(s) to read: `'train'` or `'test'`. Default `'train'`. */
  phase?: 'train' | 'test';
  /** Side images are resized to (square, as `--preprocess resize_and_crop`). Default 286 for train, `cropSize` for test. */
  loadSize?: number;
  /** Side of the random square crop; must not exceed `loadSize`. Default 256. */
  cropSize?: number;
  /** Flip horizontally with probability 0.5. Default `true` for train, `false` for test. */
  flip?: boolean;
  /** Visit samples in a seeded random order when iterating. Default `true` for train, `false` for test. */
  shuffle?: boolean;
  /** Channels of the tensors: 3 = RGB, 1 = luma (as `--input_nc 1`, PIL `convert('L')` before resizing). Default 3. */
  channels?: 1 | 3;
  /**
   * Resize filter, computed with Pillow's arithmetic (see {@link resizeImage}). Default
   * `'bicubic'`, what the reference loaders use.
   */
  resize?: 'bicubic' | 'bilinear';
  /** Seed for crops, flips, shuffling and B picks. Default: a random seed. */
  seed?: number;
}

/**
 * A folder of training images read lazily, one sample at a time.
 *
 * `get(index, epoch)` is deterministic in (seed, epoch, index): each epoch gets new crops
 * and flips, and reading order does not matter. Iterating with `for await` runs one
 * epoch and advances an internal epoch counter, so consecutive loops see new augmentations.
 */
export interface ImageDataset {
  /** Number of samples per epoch. */
  readonly length: number;
  /** The seed in use (the one given, or the random one drawn). */
  readonly seed: number;
  /** Loads sample `index` with the augmentation of `epoch` (default 0). */
  get(index: number, epoch?: number): Promise<ImagePairSample>;
  /** Iterates over one epoch (shuffled when the `shuffle` option is on). */
  iterate(epoch: number): AsyncIterableIterator<ImagePairSample>;
  /** Iterates over the next epoch (0, then 1, ...). */
  [Symbol.asyncIterator](): AsyncIterableIterator<ImagePairSample>;
}
