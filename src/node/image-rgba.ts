import type { RgbaImage } from '../core/rgba-image';

/**
 * An 8-bit RGBA image whose `data` is a `Uint8Array`.
 *
 * @deprecated Use `RgbaImage<Uint8Array>` (exported by `tfjs-synth/node` and
 * `tfjs-synth/patchmatch`), the one RGBA image type; this alias goes in the next minor version.
 */
export type ImageRGBA = RgbaImage<Uint8Array>;

/**
 * An 8-bit RGBA image whose `data` is a `Uint8Array` or a `Uint8ClampedArray`.
 *
 * @deprecated Use `RgbaImage`, the one RGBA image type; this alias goes in the next minor version.
 */
export type ImageRGBALike = RgbaImage;
