/**
 * An 8-bit RGBA image: `data` holds `width * height * 4` bytes, row-major, top row first. It has
 * the shape of a browser `ImageData`, so one passes between `tfjs-synth/node`,
 * `tfjs-synth/patchmatch` and a canvas without copying.
 *
 * `RgbaImage` (the default) accepts either byte array; that is what functions that read an image
 * take. `RgbaImage<Uint8Array>` is what the Node image functions return (decoders, `resizeImage`,
 * `tensorToImage`, `imageGrid`). PatchMatch ignores alpha in every distance.
 *
 * @example
 * ```ts
 * import type { RgbaImage } from 'tfjs-synth/node';
 * const red: RgbaImage<Uint8Array> = { width: 1, height: 1, data: new Uint8Array([255, 0, 0, 255]) };
 * const clamped: RgbaImage = { width: 1, height: 1, data: new Uint8ClampedArray([0, 0, 0, 255]) };
 * ```
 */
export interface RgbaImage<D extends Uint8Array | Uint8ClampedArray = Uint8Array | Uint8ClampedArray> {
  readonly width: number;
  readonly height: number;
  readonly data: D;
}
