import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { encodePng } from './encode-png';
import type { RgbaImage } from '../core/rgba-image';

/**
 * Writes an RGBA image as a PNG file, creating the parent folder if needed.
 *
 * @example
 * ```ts
 * import { writePng } from 'tfjs-synth/node';
 * await writePng('out/pixel.png', { width: 1, height: 1, data: new Uint8Array([255, 0, 0, 255]) });
 * ```
 * @param path Destination file (conventionally ending in `.png`).
 * @param image `{ width, height, data }` with `width * height * 4` bytes.
 */
export async function writePng(path: string, image: RgbaImage): Promise<void> {
  const bytes = encodePng(image);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
}
