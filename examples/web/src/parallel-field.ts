// The multi-threaded PatchMatch field case the page runs with createParallelPatchMatch, shared by
// the page and by the browser test runner (which computes the same field in Node), so both crop
// the same pixels and pass the same options. No DOM here.
import type { NnfOptions, RgbaImage } from '../../../src/patchmatch/index';

/** A rectangle in image pixels. */
export interface CropRect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * The field case: a 160x120 crop of coffee.png (the cup) searched in a 200x150 crop of
 * chelsea.png, 7x7 patches. Small enough for a few runs in a test, large enough (114 patch rows)
 * that two bands exchange border rows on every iteration.
 */
export const PARALLEL_CASE: {
  readonly target: CropRect;
  readonly source: CropRect;
  readonly options: Readonly<Pick<NnfOptions, 'patchSize' | 'iterations' | 'seed'>>;
} = {
  target: { x: 220, y: 140, width: 160, height: 120 },
  source: { x: 120, y: 60, width: 200, height: 150 },
  options: { patchSize: 7, iterations: 5, seed: 11 },
};

/**
 * Copies `rect` out of an RGBA image (`ImageData` works) into a new image.
 *
 * ```ts
 * const part = cropImage(image, { x: 10, y: 20, width: 64, height: 48 }); // 64x48 RGBA
 * ```
 */
export function cropImage(image: RgbaImage, rect: CropRect): RgbaImage {
  const { x, y, width, height } = rect;
  if (x < 0 || y < 0 || width < 1 || height < 1 || x + width > image.width || y + height > image.height) {
    throw new Error(`cropImage: rect ${JSON.stringify(rect)} is outside the ${image.width}x${image.height} image`);
  }
  const data = new Uint8Array(width * height * 4);
  for (let r = 0; r < height; r++) {
    const from = 4 * ((y + r) * image.width + x);
    data.set(image.data.subarray(from, from + 4 * width), 4 * r * width);
  }
  return { width, height, data };
}

/**
 * The mean of a field's patch distances (sum of squared RGB differences per patch).
 *
 * ```ts
 * meanFieldDistance(new Uint32Array([10, 20])); // 15
 * ```
 */
export function meanFieldDistance(distance: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < distance.length; i++) sum += distance[i]!;
  return sum / distance.length;
}
