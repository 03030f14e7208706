import { checkPositiveInteger } from '../core/checks';
import type { RgbaImage } from '../core/rgba-image';
import { checkImage } from './internal/check-image';

/** Interpolation filters of {@link resizeImage}. */
export type ResizeFilter = 'bicubic' | 'bilinear';

/** Options of {@link resizeImage}. */
export interface ResizeImageOptions {
  /** Interpolation. Default `'bicubic'` (what the pix2pix/CycleGAN loaders use). */
  filter?: ResizeFilter;
}

// Must match Pillow's libImaging/Resample.c: 8-bit samples, 22 fractional bits.
const PRECISION_BITS = 32 - 8 - 2;

interface Filter {
  support: number;
  weight(x: number): number;
}

const FILTERS: Record<ResizeFilter, Filter> = {
  bilinear: {
    support: 1,
    weight: (x) => {
      const t = Math.abs(x);
      return t < 1 ? 1 - t : 0;
    },
  },
  // Keys' cubic convolution with a = -0.5, as Pillow's bicubic_filter.
  bicubic: {
    support: 2,
    weight: (x) => {
      const a = -0.5;
      const t = Math.abs(x);
      if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
      if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
      return 0;
    },
  },
};

/** Per output position: first input index, tap count, fixed-point weights. */
interface Coefficients {
  start: Int32Array;
  count: Int32Array;
  weights: Int32Array;
  ksize: number;
}

/**
 * Pillow's precompute_coeffs + normalize_coeffs_8bpc: when shrinking, the filter is
 * stretched by the scale factor, which antialiases.
 */
function coefficients(inSize: number, outSize: number, filter: Filter): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const ss = 1 / filterScale;
    // C's (int) cast truncates toward zero.
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = filter.weight((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0 ? k[x]! / ww : k[x]!;
      weights[xx * ksize + x] = Math.trunc(w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS));
    }
    start[xx] = xmin;
    count[xx] = xmax;
  }
  return { start, count, weights, ksize };
}

function clip8(v: number): number {
  if (v >= 2 ** (PRECISION_BITS + 8)) return 255;
  if (v <= 0) return 0;
  return Math.floor(v / 2 ** PRECISION_BITS);
}

/**
 * Resizes an RGBA image with the same arithmetic as Pillow's `Image.resize` (separable
 * filter, antialiased when shrinking, 8-bit rounding after the horizontal and the vertical
 * pass), so it reproduces what torchvision's `Resize` does to a PIL image, byte for byte on
 * our tests. All four channels are filtered independently (alpha is not premultiplied; the
 * datasets use RGB images, where this does not matter).
 *
 * @example
 * ```ts
 * import { readImage, resizeImage } from 'tfjs-synth/node';
 * const small = resizeImage(await readImage('photo.png'), 286, 286);          // bicubic
 * const fast = resizeImage(small, 128, 128, { filter: 'bilinear' });
 * ```
 * @param width Output width in pixels (positive integer).
 * @param height Output height in pixels (positive integer).
 * @throws Error naming the bad size, filter or image field.
 */
export function resizeImage(
  image: RgbaImage,
  width: number,
  height: number,
  options: ResizeImageOptions = {},
): RgbaImage<Uint8Array> {
  checkImage('resizeImage', 'image', image);
  checkPositiveInteger('resizeImage', 'width', width);
  checkPositiveInteger('resizeImage', 'height', height);
  const filterName = options.filter ?? 'bicubic';
  const filter = FILTERS[filterName];
  if (filter === undefined) {
    throw new Error(`resizeImage: filter must be 'bicubic' or 'bilinear', got ${JSON.stringify(filterName)}.`);
  }
  if (width === image.width && height === image.height) {
    return { width, height, data: Uint8Array.from(image.data) };
  }
  const half = 2 ** (PRECISION_BITS - 1);
  let src: Uint8Array | Uint8ClampedArray = image.data;
  let srcW = image.width;
  if (width !== image.width) {
    const c = coefficients(image.width, width, filter);
    const out = new Uint8Array(width * image.height * 4);
    for (let y = 0; y < image.height; y++) {
      const row = y * image.width * 4;
      for (let x = 0; x < width; x++) {
        const s = c.start[x]!;
        const n = c.count[x]!;
        const kOff = x * c.ksize;
        for (let ch = 0; ch < 4; ch++) {
          let acc = half;
          for (let t = 0; t < n; t++) acc += src[row + (s + t) * 4 + ch]! * c.weights[kOff + t]!;
          out[(y * width + x) * 4 + ch] = clip8(acc);
        }
      }
    }
    src = out;
    srcW = width;
  }
  if (height !== image.height) {
    const c = coefficients(image.height, height, filter);
    const out = new Uint8Array(width * height * 4);
    for (let y = 0; y < height; y++) {
      const s = c.start[y]!;
      const n = c.count[y]!;
      const kOff = y * c.ksize;
      for (let x = 0; x < width; x++) {
        for (let ch = 0; ch < 4; ch++) {
          let acc = half;
          for (let t = 0; t < n; t++) acc += src[((s + t) * srcW + x) * 4 + ch]! * c.weights[kOff + t]!;
          out[(y * width + x) * 4 + ch] = clip8(acc);
        }
      }
    }
    src = out;
  }
  return { width, height, data: src instanceof Uint8Array ? src : Uint8Array.from(src) };
}
