import * as tf from '@tensorflow/tfjs-core';
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { ImageDataset, ImageDatasetOptions, ImagePairSample } from '../image-dataset';
import type { ImageRGBA } from '../image-rgba';
import { imageToTensor } from '../image-to-tensor';
import { createRng, hashSeed, permutation, type Rng } from './random';

const SUPPORTED = new Set(['.png', '.jpg', '.jpeg']);
// Image types the PyTorch loaders accept that we cannot decode: failing loudly beats
// silently training on part of a folder.
const UNSUPPORTED = new Set(['.bmp', '.tif', '.tiff', '.ppm', '.pgm', '.pbm', '.webp', '.gif']);

/** Resolved dataset options. @internal */
export interface ResolvedOptions {
  phase: 'train' | 'test';
  loadSize: number;
  cropSize: number;
  flip: boolean;
  shuffle: boolean;
  channels: 1 | 3;
  seed: number;
}

/** Validates options and applies the phase-dependent defaults. @internal */
export function resolveOptions(fn: string, options: ImageDatasetOptions): ResolvedOptions {
  const phase = options.phase ?? 'train';
  if (phase !== 'train' && phase !== 'test') {
    throw new Error(`${fn}: phase must be 'train' or 'test', got ${JSON.stringify(phase)}.`);
  }
  const train = phase === 'train';
  const cropSize = options.cropSize ?? 256;
  // Reference test options set load_size = crop_size, and test.py turns off flips and shuffling.
  const loadSize = options.loadSize ?? (train ? 286 : cropSize);
  for (const [k, v] of [['cropSize', cropSize], ['loadSize', loadSize]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`${fn}: ${k} must be a positive integer, got ${String(v)}.`);
  }
  if (cropSize > loadSize) {
    throw new Error(`${fn}: cropSize (${cropSize}) must not exceed loadSize (${loadSize}).`);
  }
  const channels = options.channels ?? 3;
  if (channels !== 1 && channels !== 3) throw new Error(`${fn}: channels must be 1 or 3, got ${String(channels)}.`);
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
  if (!Number.isFinite(seed)) throw new Error(`${fn}: seed must be a finite number, got ${String(seed)}.`);
  return {
    phase,
    loadSize,
    cropSize,
    flip: options.flip ?? train,
    shuffle: options.shuffle ?? train,
    channels,
    seed: seed >>> 0,
  };
}

/**
 * Lists the PNG/JPEG files under `dir` (recursively, sorted like the reference
 * `make_dataset`). Other files (e.g. `.txt`, hidden files) are ignored.
 * @internal
 */
export async function listImageFiles(fn: string, dir: string): Promise<string[]> {
  let info;
  try {
    info = await stat(dir);
  } catch {
    throw new Error(`${fn}: folder ${JSON.stringify(dir)} does not exist.`);
  }
  if (!info.isDirectory()) throw new Error(`${fn}: ${JSON.stringify(dir)} is not a folder.`);
  const files: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = (await readdir(d, { withFileTypes: true })).sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else {
        const ext = extname(e.name).toLowerCase();
        if (SUPPORTED.has(ext)) files.push(p);
        else if (UNSUPPORTED.has(ext)) {
          throw new Error(`${fn}: unsupported file type ${ext} (${JSON.stringify(p)}); convert it to PNG or JPEG.`);
        }
      }
    }
  };
  await walk(dir);
  if (files.length === 0) throw new Error(`${fn}: folder ${JSON.stringify(dir)} contains no PNG or JPEG images.`);
  return files;
}

/** Crop position and flip for one image, drawn like the reference `get_params`. @internal */
export interface CropParams {
  x: number;
  y: number;
  flip: boolean;
}

/** Draws `x, y` in [0, loadSize - cropSize] and a coin flip, in the reference order. @internal */
export function drawParams(rng: Rng, o: ResolvedOptions): CropParams {
  const x = rng.int(0, o.loadSize - o.cropSize);
  const y = rng.int(0, o.loadSize - o.cropSize);
  const flip = o.flip && rng.next() > 0.5;
  return { x, y, flip };
}

/**
 * Resize to loadSize x loadSize, crop cropSize x cropSize at (x, y), optionally mirror.
 * `region` selects the columns [x0, x0 + width) of the source (the halves of a pix2pix pair).
 *
 * Porting note: the reference resizes with PIL bicubic (antialiased when shrinking); we use
 * bilinear interpolation with half-pixel centres (`tf.image.resizeBilinear`), which agrees
 * with PIL bilinear when enlarging, the usual 256 -> 286 case.
 * @internal
 */
export function transformImage(
  image: ImageRGBA,
  o: ResolvedOptions,
  p: CropParams,
  region?: { x0: number; width: number },
): tf.Tensor4D {
  return tf.tidy(() => {
    let t = imageToTensor(image, { channels: o.channels });
    if (region) t = tf.slice(t, [0, 0, region.x0, 0], [1, image.height, region.width, o.channels]);
    const resized: tf.Tensor4D =
      t.shape[1] === o.loadSize && t.shape[2] === o.loadSize
        ? t
        : tf.image.resizeBilinear(t, [o.loadSize, o.loadSize], false, true);
    const cropped = tf.slice(resized, [0, p.y, p.x, 0], [1, o.cropSize, o.cropSize, o.channels]);
    return p.flip ? tf.reverse(cropped, 2) : cropped;
  });
}

/** The per-sample random stream for (seed, epoch, index). @internal */
export function sampleRng(o: ResolvedOptions, epoch: number, index: number): Rng {
  return createRng(hashSeed(o.seed, epoch, index, 1));
}

/** Builds the dataset object around a sample loader. @internal */
export function makeDataset(
  fn: string,
  length: number,
  o: ResolvedOptions,
  load: (index: number, epoch: number) => Promise<Omit<ImagePairSample, 'index'>>,
): ImageDataset {
  let nextEpoch = 0;
  const get = async (index: number, epoch = 0): Promise<ImagePairSample> => {
    if (!Number.isInteger(index) || index < 0 || index >= length) {
      throw new Error(`${fn}: index must be an integer in [0, ${length - 1}], got ${String(index)}.`);
    }
    if (!Number.isInteger(epoch) || epoch < 0) {
      throw new Error(`${fn}: epoch must be a non-negative integer, got ${String(epoch)}.`);
    }
    return { ...(await load(index, epoch)), index };
  };
  async function* iterate(epoch: number): AsyncIterableIterator<ImagePairSample> {
    const order = o.shuffle
      ? permutation(length, createRng(hashSeed(o.seed, epoch, 0xffffffff, 2)))
      : Array.from({ length }, (_, i) => i);
    for (const i of order) yield await get(i, epoch);
  }
  return {
    length,
    seed: o.seed,
    get,
    iterate,
    [Symbol.asyncIterator]: () => iterate(nextEpoch++),
  };
}
