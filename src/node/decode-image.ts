import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { RgbaImage } from '../core/rgba-image';

/** Image formats {@link decodeImage} recognises by their first bytes. */
export type ImageFormat = 'png' | 'jpeg';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Detects the format of encoded image bytes from their signature, or `undefined`.
 * @internal
 */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

/**
 * Decodes PNG or JPEG bytes into an 8-bit RGBA image. The format is detected from the
 * bytes, not from a file name. Every PNG flavour comes out as RGBA 8-bit: gray and
 * gray+alpha are expanded, palettes resolved, and 16-bit samples rescaled to 8 bits; an
 * image without alpha gets alpha 255. JPEGs (baseline and progressive, via jpeg-js) get
 * alpha 255.
 *
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises';
 * import { decodeImage } from 'tfjs-synth/node';
 * const image = decodeImage(await readFile('photo.jpg'));
 * console.log(image.width, image.height, image.data.length); // W, H, W*H*4
 * ```
 * @param bytes The encoded file contents.
 * @returns `{ width, height, data }` with `data.length === width * height * 4`.
 * @throws Error when the bytes are neither PNG nor JPEG, or cannot be decoded.
 */
export function decodeImage(bytes: Uint8Array): RgbaImage<Uint8Array> {
  if (!(bytes instanceof Uint8Array)) {
    throw new Error(
      `decodeImage: bytes must be a Uint8Array (or Buffer), got ${Object.prototype.toString.call(bytes)}.`,
    );
  }
  const format = sniffImageFormat(bytes);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    if (format === 'png') {
      // pngjs always normalises to RGBA; without skipRescale it also scales 16-bit to 8-bit.
      const png = PNG.sync.read(buffer);
      return { width: png.width, height: png.height, data: toPlainBytes(png.data) };
    }
    if (format === 'jpeg') {
      const decoded = jpeg.decode(buffer, { useTArray: true, formatAsRGBA: true });
      return { width: decoded.width, height: decoded.height, data: toPlainBytes(decoded.data) };
    }
  } catch (err) {
    throw new Error(`decodeImage: could not decode the ${format} data: ${(err as Error).message}`);
  }
  const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new Error(
    `decodeImage: unsupported image format (first bytes ${head || 'none'}); only PNG and JPEG are supported.`,
  );
}

/** A plain Uint8Array (not a Buffer view into a pooled allocation) that owns its bytes. */
function toPlainBytes(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length);
  out.set(data);
  return out;
}
