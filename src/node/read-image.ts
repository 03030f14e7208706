import { readFile } from 'node:fs/promises';
import { decodeImage } from './decode-image';
import type { RgbaImage } from '../core/rgba-image';

/**
 * Reads a PNG or JPEG file into an 8-bit RGBA image (see {@link decodeImage} for how gray,
 * palette and 16-bit PNGs are converted).
 *
 * @example
 * ```ts
 * import { readImage } from 'tfjs-synth/node';
 * const { width, height, data } = await readImage('photo.png');
 * ```
 * @param path File path; the format is detected from the contents.
 * @throws Error naming the path when the file is missing or not a PNG/JPEG.
 */
export async function readImage(path: string): Promise<RgbaImage<Uint8Array>> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new Error(`readImage: cannot read ${JSON.stringify(path)}: ${(err as Error).message}`);
  }
  try {
    return decodeImage(bytes);
  } catch (err) {
    throw new Error(`readImage: ${JSON.stringify(path)}: ${(err as Error).message}`);
  }
}
