// Label maps for texture by numbers (image analogies with color 'aPrime'), shared by the demo and
// the browser page. Plain loops over RGBA bytes; no Node or DOM here.
import type { RgbaImage } from '../../src/patchmatch/index';

/**
 * Three labels of an image by luminance: dark (< low), middle, bright (>= high), drawn as grey
 * 0 / 128 / 255.
 *
 * ```ts
 * const labels = threeLevelLabels(photo, 90, 170); // same size, grey 0, 128 or 255
 * ```
 */
export function threeLevelLabels(image: RgbaImage, low: number, high: number): RgbaImage<Uint8Array> {
  const data = new Uint8Array(image.data.length);
  for (let i = 0; i < data.length; i += 4) {
    const y = 0.299 * image.data[i]! + 0.587 * image.data[i + 1]! + 0.114 * image.data[i + 2]!;
    const v = y < low ? 0 : y < high ? 128 : 255;
    data.set([v, v, v, 255], i);
  }
  return { width: image.width, height: image.height, data };
}

/**
 * A label map of waves: bright, dark and middle bands whose borders are sine curves.
 *
 * ```ts
 * const waves = waveLabels(180, 120);
 * ```
 */
export function waveLabels(width: number, height: number): RgbaImage<Uint8Array> {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = (y + 12 * Math.sin(x / 14)) / height;
      const v = t < 0.33 ? 255 : t < 0.66 ? 0 : 128;
      data.set([v, v, v, 255], 4 * (y * width + x));
    }
  }
  return { width, height, data };
}
