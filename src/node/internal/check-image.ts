import { checkError, describeValue } from '../../core/checks';
import type { RgbaImage } from '../../core/rgba-image';

/**
 * Throws a clear Error when `image` is not a well-formed {@link RgbaImage}.
 * @internal
 */
export function checkImage(owner: string, arg: string, image: RgbaImage): void {
  if (image == null || typeof image !== 'object') {
    throw checkError(owner, arg, 'an image { width, height, data }', image);
  }
  const { width, height, data } = image;
  if (!Number.isInteger(width) || width <= 0 || !Number.isInteger(height) || height <= 0) {
    throw new Error(
      `${owner}: ${arg} must have positive integer width and height, got ${describeValue(width)}x${describeValue(height)}.`,
    );
  }
  if (!(data instanceof Uint8Array || (data as unknown) instanceof Uint8ClampedArray)) {
    throw new Error(`${owner}: ${arg}.data must be a Uint8Array of RGBA bytes.`);
  }
  if (data.length !== width * height * 4) {
    throw new Error(
      `${owner}: ${arg}.data has ${data.length} bytes; a ${width}x${height} RGBA image needs ${width * height * 4}.`,
    );
  }
}
