import * as tf from '@tensorflow/tfjs-core';
import { checkError, checkOptions, checkPair, checkSeed } from '../core/checks';
import { createRandom, type Random } from '../core/random';
import { checkImages } from './internal/trainer-core';

/** The top-left corner of one local window (its size is the caller's `size`). */
export interface PatchBox {
  y: number;
  x: number;
}

/** Options of {@link localPatchBoxes}. */
export interface LocalPatchBoxesOptions {
  /** `[height, width]` of the window. Default [96, 96] (GLCIC's `--ld_input_size`). */
  size?: [number, number];
  /** Seed of the window positions (an integer in [0, 2^32 - 1]). Default: unseeded. */
  seed?: number;
}

/**
 * GLCIC's local windows (Iizuka et al. 2017): for each mask, a `size` window inside the image that
 * contains every hole pixel, placed uniformly at random among the positions that do, as the
 * local discriminator judges the completed region with some context around it. The masks are read
 * to the host once.
 *
 * Input: masks [n, h, w, 1], exactly 0 (known) or 1 (hole), each with at least one hole and one
 * known pixel. Returns one {@link PatchBox} per image; crop with {@link cropPatches}.
 *
 * Porting note: GLCIC-PyTorch's train.py draws one window per batch first and generates the holes
 * inside it; this works from any masks, one window per image.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, training } from 'tfjs-synth';
 * await initBackend();
 * const masks = tf.pad(tf.ones([1, 8, 8, 1]), [[0, 0], [20, 36], [10, 46], [0, 0]]) as tf.Tensor4D; // 64x64
 * const boxes = await training.localPatchBoxes(masks, { size: [32, 32], seed: 1 }); // [{ y, x }]
 * const patches = training.cropPatches(tf.zeros([1, 64, 64, 3]), boxes, [32, 32]); // [1, 32, 32, 3]
 * ```
 * @throws Error naming the argument when the masks are not binary [n, h, w, 1], a mask is empty
 *   or all holes, its holes do not fit in one window, or size or seed is invalid.
 */
export async function localPatchBoxes(masks: tf.Tensor4D, options?: LocalPatchBoxesOptions): Promise<PatchBox[]> {
  const owner = 'localPatchBoxes';
  const m = checkImages(owner, 'masks', masks);
  if (m.shape[3] !== 1) throw new Error(`${owner}: masks must have 1 channel, got shape [${m.shape.join(', ')}].`);
  const opts = checkOptions(owner, 'options', options);
  const size = checkPair(owner, 'options.size', opts.size ?? [96, 96], 1);
  const random = createRandom(checkSeed(owner, 'options.seed', opts.seed));
  const [n, h, w] = m.shape;
  if (size[0] > h || size[1] > w) {
    throw checkError(owner, 'options.size', `at most the masks' [${h}, ${w}]`, size);
  }
  const data = await m.data();
  return boxesFromMasks(owner, data, n, h, w, size, random);
}

/** The windows of {@link localPatchBoxes} from host data (the trainer's entry). @internal */
export function boxesFromMasks(
  owner: string,
  data: ArrayLike<number>,
  n: number,
  h: number,
  w: number,
  size: [number, number],
  random: Random,
): PatchBox[] {
  const boxes: PatchBox[] = [];
  for (let b = 0; b < n; b++) {
    let y0 = h;
    let y1 = -1;
    let x0 = w;
    let x1 = -1;
    let count = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = data[(b * h + y) * w + x]!;
        if (v !== 0 && v !== 1) throw checkError(owner, `masks (image ${b})`, 'only 0 (known) and 1 (hole) values', v);
        if (v === 1) {
          count++;
          y0 = Math.min(y0, y);
          y1 = Math.max(y1, y);
          x0 = Math.min(x0, x);
          x1 = Math.max(x1, x);
        }
      }
    }
    if (count === 0) throw new Error(`${owner}: masks (image ${b}) must have at least one hole pixel (1), got none.`);
    if (count === h * w)
      throw new Error(`${owner}: masks (image ${b}) must keep at least one known pixel (0), got all holes.`);
    if (y1 - y0 + 1 > size[0] || x1 - x0 + 1 > size[1]) {
      throw new Error(
        `${owner}: the holes of masks (image ${b}) span ${y1 - y0 + 1}x${x1 - x0 + 1} pixels, more than the ${size[0]}x${size[1]} window.`,
      );
    }
    // Corners whose window holds the bounding box and stays in the image.
    const ty = random.int(Math.max(0, y1 - size[0] + 1), Math.min(y0, h - size[0]));
    const tx = random.int(Math.max(0, x1 - size[1] + 1), Math.min(x0, w - size[1]));
    boxes.push({ y: ty, x: tx });
  }
  return boxes;
}

/**
 * Crops one `size` window per image (GLCIC-PyTorch's `crop`), differentiably (slices and a
 * concat), so a discriminator's gradient reaches the completion network through it.
 *
 * Input: images [n, h, w, c]; boxes, one per image, inside the image. Output: [n, size[0], size[1], c].
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, training } from 'tfjs-synth';
 * await initBackend();
 * const patch = training.cropPatches(tf.zeros([2, 64, 64, 3]), [{ y: 0, x: 0 }, { y: 32, x: 16 }], [32, 32]); // [2, 32, 32, 3]
 * ```
 * @throws Error naming the argument when images is not rank 4, boxes is not one valid box per image, or size is invalid.
 */
export function cropPatches(images: tf.Tensor4D, boxes: readonly PatchBox[], size: [number, number]): tf.Tensor4D {
  const owner = 'cropPatches';
  const x = checkImages(owner, 'images', images);
  const [n, h, w] = x.shape;
  const [ph, pw] = checkPair(owner, 'size', size, 1);
  if (!Array.isArray(boxes) || boxes.length !== n) {
    throw checkError(owner, 'boxes', `an array of ${n} boxes (one per image)`, boxes);
  }
  boxes.forEach((b, i) => {
    const ok =
      b !== null &&
      typeof b === 'object' &&
      Number.isInteger(b.y) &&
      Number.isInteger(b.x) &&
      b.y >= 0 &&
      b.x >= 0 &&
      b.y + ph <= h &&
      b.x + pw <= w;
    if (!ok)
      throw checkError(owner, `boxes[${i}]`, `{ y, x } integers with the ${ph}x${pw} window inside ${h}x${w}`, b);
  });
  return tf.tidy(() =>
    tf.concat(
      boxes.map((b, i) => tf.slice(x, [i, b.y, b.x, 0], [1, ph, pw, -1])),
      0,
    ),
  ) as tf.Tensor4D;
}
