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
