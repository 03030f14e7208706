import * as tf from '@tensorflow/tfjs-core';
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import {
  checkError,
  checkInteger,
  checkNonNegativeInteger,
  checkNumber,
  checkPositiveInteger,
} from '../../core/checks';
import type { ImageDataset, ImageDatasetOptions, ImagePairSample } from '../image-dataset';
import type { RgbaImage } from '../../core/rgba-image';
import { resizeImage, type ResizeFilter } from '../resize-image';
import { createRandom, type Random } from '../../core/random';
import { hashSeed, permutation } from './random';

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
  resize: ResizeFilter;
  seed: number;
}

/** Validates options and applies the phase-dependent defaults. @internal */
export function resolveOptions(owner: string, options: ImageDatasetOptions): ResolvedOptions {
  const phase = options.phase ?? 'train';
  if (phase !== 'train' && phase !== 'test') {
    throw checkError(owner, 'phase', "'train' or 'test'", phase);
  }
  const train = phase === 'train';
  const cropSize = options.cropSize ?? 256;
  // Reference test options set load_size = crop_size, and test.py turns off flips and shuffling.
  const loadSize = options.loadSize ?? (train ? 286 : cropSize);
  checkPositiveInteger(owner, 'cropSize', cropSize);
  checkPositiveInteger(owner, 'loadSize', loadSize);
  if (cropSize > loadSize) {
    throw new Error(`${owner}: cropSize (${cropSize}) must not exceed loadSize (${loadSize}).`);
  }
  const channels = options.channels ?? 3;
  if (channels !== 1 && channels !== 3) throw checkError(owner, 'channels', '1 or 3', channels);
  const resize = options.resize ?? 'bicubic';
  if (resize !== 'bicubic' && resize !== 'bilinear') {
    throw checkError(owner, 'resize', "'bicubic' or 'bilinear'", resize);
  }
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
  // The datasets' seed rule: any finite number, taken modulo 2^32 (documented on ImageDatasetOptions).
  checkNumber(owner, 'seed', seed);
  return {
    phase,
    loadSize,
    cropSize,
    flip: options.flip ?? train,
    shuffle: options.shuffle ?? train,
    channels,
    resize,
    seed: seed >>> 0,
  };
}

/**
 * Lists the PNG/JPEG files under `dir` (recursively, sorted like the reference
 * `make_dataset`). Other files (e.g. `.txt`, hidden files) are ignored.
 * @internal
 */
export async function listImageFiles(owner: string, dir: string): Promise<string[]> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(dir);
  } catch {
    throw new Error(`${owner}: folder ${JSON.stringify(dir)} does not exist.`);
  }
  if (!info.isDirectory()) throw new Error(`${owner}: ${JSON.stringify(dir)} is not a folder.`);
  const files: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = (await readdir(d, { withFileTypes: true })).sort((x, y) =>
      x.name < y.name ? -1 : x.name > y.name ? 1 : 0,
    );
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else {
        const ext = extname(e.name).toLowerCase();
        if (SUPPORTED.has(ext)) files.push(p);
        else if (UNSUPPORTED.has(ext)) {
          throw new Error(`${owner}: unsupported file type ${ext} (${JSON.stringify(p)}); convert it to PNG or JPEG.`);
        }
      }
    }
  };
  await walk(dir);
  if (files.length === 0) throw new Error(`${owner}: folder ${JSON.stringify(dir)} contains no PNG or JPEG images.`);
  return files;
}

/** Crop position and flip for one image, drawn like the reference `get_params`. @internal */
export interface CropParams {
  x: number;
  y: number;
  flip: boolean;
}

/** Draws `x, y` in [0, loadSize - cropSize] and a coin flip, in the reference order. @internal */
export function drawParams(rng: Random, o: ResolvedOptions): CropParams {
  const x = rng.int(0, o.loadSize - o.cropSize);
  const y = rng.int(0, o.loadSize - o.cropSize);
  const flip = o.flip && rng.next() > 0.5;
  return { x, y, flip };
}

/**
 * The reference `get_transform` for one image: (luma) -> resize to loadSize x loadSize ->
 * crop cropSize x cropSize at (x, y) -> optional mirror -> ToTensor + Normalize(0.5, 0.5).
 * `region` selects the columns [x0, x0 + width) of the source (a half of a pix2pix pair).
 * The byte work is plain JavaScript (Pillow-exact resize); only the result is a tensor.
 * @internal
 */
export function transformImage(
  image: RgbaImage<Uint8Array>,
  o: ResolvedOptions,
  p: CropParams,
  region: { x0: number; width: number } = { x0: 0, width: image.width },
): tf.Tensor4D {
  let src = cropBytes(image, region.x0, 0, region.width, image.height, false);
  // The reference converts to gray before resizing (transforms.Grayscale comes first).
  if (o.channels === 1) src = toLuma(src);
  const resized = resizeImage(src, o.loadSize, o.loadSize, { filter: o.resize });
  const crop = cropBytes(resized, p.x, p.y, o.cropSize, o.cropSize, p.flip);
  const c = o.channels;
  const n = o.cropSize * o.cropSize;
  const values = new Float32Array(n * c);
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      // ToTensor (x / 255) then Normalize (x - 0.5) / 0.5, in float32 as torchvision does.
      values[i * c + ch] = Math.fround((Math.fround(crop.data[i * 4 + ch]! / 255) - 0.5) / 0.5);
    }
  }
  return tf.tensor4d(values, [1, o.cropSize, o.cropSize, c]);
}

/** Copies a w x h window at (x0, y0), mirrored left-right when `flip`. */
function cropBytes(
  image: RgbaImage<Uint8Array>,
  x0: number,
  y0: number,
  w: number,
  h: number,
  flip: boolean,
): RgbaImage<Uint8Array> {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    const srcRow = ((y0 + y) * image.width + x0) * 4;
    if (!flip) {
      data.set(image.data.subarray(srcRow, srcRow + w * 4), y * w * 4);
    } else {
      for (let x = 0; x < w; x++)
        data.set(image.data.subarray(srcRow + x * 4, srcRow + x * 4 + 4), (y * w + (w - 1 - x)) * 4);
    }
  }
  return { width: w, height: h, data };
}

/** Pillow's `convert('L')`: L = (19595 R + 38470 G + 7471 B + 0x8000) >> 16, as gray RGBA. */
function toLuma(image: RgbaImage<Uint8Array>): RgbaImage<Uint8Array> {
  const d = image.data;
  const data = new Uint8Array(d.length);
  for (let i = 0; i < d.length; i += 4) {
    const l = (d[i]! * 19595 + d[i + 1]! * 38470 + d[i + 2]! * 7471 + 0x8000) >>> 16;
    data[i] = l;
    data[i + 1] = l;
    data[i + 2] = l;
    data[i + 3] = 255;
  }
  return { width: image.width, height: image.height, data };
}

/** The per-sample random stream for (seed, epoch, index). @internal */
export function sampleRng(o: ResolvedOptions, epoch: number, index: number): Random {
  return createRandom(hashSeed(o.seed, epoch, index, 1));
}

/** Builds the dataset object around a sample loader. @internal */
export function makeDataset(
  owner: string,
  length: number,
  o: ResolvedOptions,
  load: (index: number, epoch: number) => Promise<Omit<ImagePairSample, 'index'>>,
): ImageDataset {
  let nextEpoch = 0;
  const get = async (index: number, epoch = 0): Promise<ImagePairSample> => {
    checkInteger(owner, 'index', index, { min: 0, max: length - 1 });
    checkNonNegativeInteger(owner, 'epoch', epoch);
    return { ...(await load(index, epoch)), index };
  };
  async function* iterate(epoch: number): AsyncIterableIterator<ImagePairSample> {
    const order = o.shuffle
      ? permutation(length, createRandom(hashSeed(o.seed, epoch, 0xffffffff, 2)))
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
