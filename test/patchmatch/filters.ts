// Known filters for the image-analogy tests (on grey images, edge pixels clamped) and PSNR.
import type { RgbaImage } from '../../src/patchmatch/index.js';

/** The image in grey (NTSC luminance, rounded), alpha 255. */
export function gray(im: RgbaImage): RgbaImage {
  const data = new Uint8ClampedArray(im.data.length);
  for (let i = 0; i < im.width * im.height; i++) {
    const y = Math.round(0.299 * im.data[4 * i]! + 0.587 * im.data[4 * i + 1]! + 0.114 * im.data[4 * i + 2]!);
    data[4 * i] = y;
    data[4 * i + 1] = y;
    data[4 * i + 2] = y;
    data[4 * i + 3] = 255;
  }
  return { width: im.width, height: im.height, data };
}

function convolve(im: RgbaImage, kernel: number[][], offset: number): RgbaImage {
  const r = kernel.length >> 1;
  const { width: w, height: h } = im;
  const data = new Uint8ClampedArray(im.data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = offset;
      for (let dy = -r; dy <= r; dy++) {
        for (let dx = -r; dx <= r; dx++) {
          const sx = Math.min(Math.max(x + dx, 0), w - 1);
          const sy = Math.min(Math.max(y + dy, 0), h - 1);
          s += kernel[dy + r]![dx + r]! * im.data[4 * (sy * w + sx)]!;
        }
      }
      const o = 4 * (y * w + x);
      data[o] = data[o + 1] = data[o + 2] = Math.round(s);
      data[o + 3] = 255;
    }
  }
  return { width: w, height: h, data };
}

/** 5x5 binomial blur (the [1 4 6 4 1] / 16 kernel in both directions). */
export function blur(im: RgbaImage): RgbaImage {
  const g = [1, 4, 6, 4, 1];
  return convolve(
    im,
    g.map((a) => g.map((b) => (a * b) / 256)),
    0,
  );
}

/** 3x3 emboss (light from the top left) around mid grey 128. */
export function emboss(im: RgbaImage): RgbaImage {
  return convolve(
    im,
    [
      [-1, -1, 0],
      [-1, 0, 1],
      [0, 1, 1],
    ],
    128,
  );
}

/** Black below grey 128, white from 128. */
export function threshold(im: RgbaImage): RgbaImage {
  const data = new Uint8ClampedArray(im.data.length);
  for (let i = 0; i < im.data.length; i += 4) {
    const v = im.data[i]! >= 128 ? 255 : 0;
    data[i] = data[i + 1] = data[i + 2] = v;
    data[i + 3] = 255;
  }
  return { width: im.width, height: im.height, data };
}

/** PSNR in dB of the red channels (the images are grey), peak 255. */
export function psnr(a: RgbaImage, b: RgbaImage): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    const d = a.data[i]! - b.data[i]!;
    s += d * d;
  }
  return 10 * Math.log10((255 * 255) / (s / (a.width * a.height)));
}
