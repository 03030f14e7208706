import type { RgbaImage } from '../../core/rgba-image';

/**
 * Throws a clear Error when `image` is not a well-formed {@link RgbaImage}.
 * @internal
 */
export function checkImage(fn: string, arg: string, image: RgbaImage): void {
  if (image == null || typeof image !== 'object') {
    throw new Error(`${fn}: ${arg} must be an image { width, height, data }, got ${String(image)}.`);
  }
  const { width, height, data } = image;
  if (!Number.isInteger(width) || width <= 0 || !Number.isInteger(height) || height <= 0) {
    throw new Error(`${fn}: ${arg} must have positive integer width and height, got ${width}x${height}.`);
  }
  if (!(data instanceof Uint8Array || (data as unknown) instanceof Uint8ClampedArray)) {
    throw new Error(`${fn}: ${arg}.data must be a Uint8Array of RGBA bytes.`);
  }
  if (data.length !== width * height * 4) {
    throw new Error(
      `${fn}: ${arg}.data has ${data.length} bytes; a ${width}x${height} RGBA image needs ${width * height * 4}.`,
    );
  }
}
