import { PNG } from 'pngjs';
import type { RgbaImage } from '../core/rgba-image';
import { checkImage } from './internal/check-image';

/**
 * Encodes an RGBA image as an 8-bit RGBA PNG (lossless: decoding gives back the same bytes).
 *
 * @example
 * ```ts
 * import { encodePng } from 'tfjs-synth/node';
 * const png = encodePng({ width: 1, height: 1, data: new Uint8Array([0, 128, 255, 255]) });
 * ```
 * @param image `{ width, height, data }` with `width * height * 4` bytes.
 * @returns The PNG file bytes.
 * @throws Error naming the bad field when `image` is malformed.
 */
export function encodePng(image: RgbaImage): Uint8Array {
  checkImage('encodePng', 'image', image);
  const buffer = PNG.sync.write(
    {
      width: image.width,
      height: image.height,
      data: Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength),
    } as PNG,
    { colorType: 6, inputColorType: 6, bitDepth: 8 },
  );
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
