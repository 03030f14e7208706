/**
 * An 8-bit RGBA image: `data` holds `width * height * 4` bytes, row-major, top row first.
 * It has the same shape as a browser `ImageData` and as the PatchMatch image type of
 * `tfjs-synth/patchmatch`, so images pass between the three without copying.
 *
 * @example
 * ```ts
 * import type { ImageRGBA } from 'tfjs-synth/node';
 * const red: ImageRGBA = { width: 1, height: 1, data: new Uint8Array([255, 0, 0, 255]) };
 * ```
 */
export interface ImageRGBA {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/**
 * What functions that read an image accept: an {@link ImageRGBA}, a browser `ImageData`, or a
 * PatchMatch image, whose `data` may be a `Uint8ClampedArray`.
 *
 * @example
 * ```ts
 * import { encodePng, type ImageRGBALike } from 'tfjs-synth/node';
 * const clamped: ImageRGBALike = { width: 1, height: 1, data: new Uint8ClampedArray([0, 0, 0, 255]) };
 * const png = encodePng(clamped);
 * ```
 */
export interface ImageRGBALike {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
}
