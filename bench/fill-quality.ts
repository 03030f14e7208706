/**
 * Fill quality of inpainting, for bench/patchmatch.bench.ts (`PATCHMATCH_BENCH=fill`): 24 cases
 * (8 images from bench/assets, photographs and textures, each with a rectangle, a brush-stroke and
 * an object-shaped hole), scored inside the hole against the original, and OpenCV's Telea
 * inpainting (Debian python3-opencv, when installed) on the same cases.
 *
 * Metrics, all over the hole only:
 * - PSNR of R, G and B over the hole pixels;
 * - SSIM (Wang et al. 2004: 11x11 Gaussian window, sigma 1.5, C1 = (0.01 * 255)^2,
 *   C2 = (0.03 * 255)^2) on luminance (Y = 0.299 R + 0.587 G + 0.114 B), computed over the whole
 *   image and averaged over the hole pixels;
 * - border step: the mean absolute luminance difference across the hole's edge (4-neighbour
 *   pairs with one pixel inside), result over original. 1 means the fill meets its surroundings
 *   as smoothly as the original did; above 1 the fill adds an edge (a seam) along the border.
 *
 * Nothing here needs TensorFlow.js.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { Mask, RgbaImage } from '../src/patchmatch/index';

const assets = join(dirname(fileURLToPath(import.meta.url)), 'assets');

/** The bench images; `split` 'A' were used to tune the inpainting, 'B' only to check it. */
export const FILL_IMAGES: ReadonlyArray<{ file: string; kind: 'photo' | 'texture'; split: 'A' | 'B' }> = [
  { file: 'coffee-300.jpg', kind: 'photo', split: 'A' },
  { file: 'astronaut-256.jpg', kind: 'photo', split: 'A' },
  { file: 'brick-256.jpg', kind: 'texture', split: 'A' },
  { file: 'grass-256.jpg', kind: 'texture', split: 'A' },
  { file: 'chelsea-300.jpg', kind: 'photo', split: 'B' },
  { file: 'camera-256.jpg', kind: 'photo', split: 'B' },
  { file: 'gravel-256.jpg', kind: 'texture', split: 'B' },
  { file: 'starry-night-300.jpg', kind: 'texture', split: 'B' },
];

export type HoleShape = 'rectangle' | 'stroke' | 'object';

export interface FillCase {
  name: string;
  split: 'A' | 'B';
  kind: 'photo' | 'texture';
  shape: HoleShape;
  image: RgbaImage;
  mask: Mask;
}

export function loadJpeg(file: string): RgbaImage {
  const d = jpeg.decode(readFileSync(join(assets, file)), { useTArray: true, formatAsRGBA: true });
  return { width: d.width, height: d.height, data: new Uint8Array(d.data) };
}

/** xorshift32 for the hole placements (seeded per case, so the cases never change). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** Distance from (x, y) to the segment a-b. */
function segmentDistance(x: number, y: number, ax: number, ay: number, bx: number, by: number): number {
  const l2 = (bx - ax) ** 2 + (by - ay) ** 2;
  const t = l2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / l2));
  return Math.hypot(x - (ax + t * (bx - ax)), y - (ay + t * (by - ay)));
}

/**
 * A hole of one shape, about 6-12% of the image, kept 8 pixels clear of the border:
 * rectangle (random aspect), stroke (a 5-segment brush path, 9-15 pixels wide, as drawn by a
 * user over several objects), object (a spoon-like shape: a thick handle segment and a disc).
 */
export function makeHole(width: number, height: number, shape: HoleShape, seed: number): Mask {
  const r = rng(seed);
  const data = new Uint8Array(width * height);
  const m = 8;
  const set = (inside: (x: number, y: number) => boolean) => {
    for (let y = m; y < height - m; y++) for (let x = m; x < width - m; x++) if (inside(x, y)) data[y * width + x] = 1;
  };
  const area = width * height;
  if (shape === 'rectangle') {
    const a = (0.07 + 0.04 * r()) * area;
    const aspect = 0.6 + 0.9 * r();
    const w = Math.min(width - 2 * m - 2, Math.round(Math.sqrt(a * aspect)));
    const h = Math.min(height - 2 * m - 2, Math.round(a / w));
    const x0 = m + Math.floor(r() * (width - 2 * m - w));
    const y0 = m + Math.floor(r() * (height - 2 * m - h));
    set((x, y) => x >= x0 && x < x0 + w && y >= y0 && y < y0 + h);
  } else if (shape === 'stroke') {
    const pts: Array<[number, number]> = [[m + r() * (width - 2 * m), m + r() * (height - 2 * m)]];
    for (let k = 0; k < 5; k++) {
      const [px, py] = pts[pts.length - 1]!;
      const ang = r() * 2 * Math.PI;
      const len = (0.2 + 0.2 * r()) * Math.min(width, height);
      pts.push([
        Math.min(width - m, Math.max(m, px + len * Math.cos(ang))),
        Math.min(height - m, Math.max(m, py + len * Math.sin(ang))),
      ]);
    }
    const half = (9 + 6 * r()) / 2;
    set((x, y) => {
      for (let k = 1; k < pts.length; k++) {
        if (segmentDistance(x, y, pts[k - 1]![0], pts[k - 1]![1], pts[k]![0], pts[k]![1]) <= half) return true;
      }
      return false;
    });
  } else {
    const s = Math.min(width, height);
    const rad = (0.1 + 0.04 * r()) * s;
    const cx = m + rad + r() * (width - 2 * m - 2 * rad);
    const cy = m + rad + r() * (height - 2 * m - 2 * rad);
    const ang = r() * 2 * Math.PI;
    const len = (0.3 + 0.15 * r()) * s;
    const ex = Math.min(width - m, Math.max(m, cx + len * Math.cos(ang)));
    const ey = Math.min(height - m, Math.max(m, cy + len * Math.sin(ang)));
    const half = 0.025 * s + 2;
    set((x, y) => Math.hypot(x - cx, y - cy) <= rad || segmentDistance(x, y, cx, cy, ex, ey) <= half);
  }
  return { width, height, data };
}

export function fillCases(): FillCase[] {
  const cases: FillCase[] = [];
  FILL_IMAGES.forEach(({ file, kind, split }, i) => {
    const image = loadJpeg(file);
    (['rectangle', 'stroke', 'object'] as const).forEach((shape, j) => {
      cases.push({
        name: `${file.replace(/\.jpg$/, '')} ${shape}`,
        split,
        kind,
        shape,
        image,
        mask: makeHole(image.width, image.height, shape, 1000 + 17 * i + j),
      });
    });
  });
  return cases;
}

function luminance(im: RgbaImage): Float64Array {
  const n = im.width * im.height;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++)
    y[i] = 0.299 * im.data[4 * i]! + 0.587 * im.data[4 * i + 1]! + 0.114 * im.data[4 * i + 2]!;
  return y;
}

/** PSNR (dB) of R, G, B over the hole pixels. */
export function maskedPsnr(result: RgbaImage, truth: RgbaImage, mask: Mask): number {
  let se = 0;
  let n = 0;
  for (let i = 0; i < mask.data.length; i++) {
    if (mask.data[i] === 0) continue;
    for (let c = 0; c < 3; c++) se += (result.data[4 * i + c]! - truth.data[4 * i + c]!) ** 2;
    n += 3;
  }
  return 10 * Math.log10((255 * 255) / Math.max(se / n, 1e-10));
}

/** Separable 11-tap Gaussian (sigma 1.5) blur with the window clipped and renormalised at the image edge. */
function gaussian(v: Float64Array, w: number, h: number): Float64Array {
  const k: number[] = [];
  for (let t = -5; t <= 5; t++) k.push(Math.exp(-(t * t) / (2 * 1.5 * 1.5)));
  const tmp = new Float64Array(w * h);
  const out = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      let ws = 0;
      for (let t = -5; t <= 5; t++) {
        const xx = x + t;
        if (xx < 0 || xx >= w) continue;
        s += k[t + 5]! * v[y * w + xx]!;
        ws += k[t + 5]!;
      }
      tmp[y * w + x] = s / ws;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      let ws = 0;
      for (let t = -5; t <= 5; t++) {
        const yy = y + t;
        if (yy < 0 || yy >= h) continue;
        s += k[t + 5]! * tmp[yy * w + x]!;
        ws += k[t + 5]!;
      }
      out[y * w + x] = s / ws;
    }
  }
  return out;
}

/** Luminance SSIM map (Wang et al. 2004, 11x11 Gaussian window, sigma 1.5), averaged over the hole pixels. */
export function maskedSsim(result: RgbaImage, truth: RgbaImage, mask: Mask): number {
  const { width: w, height: h } = truth;
  const a = luminance(result);
  const b = luminance(truth);
  const prod = (u: Float64Array, v: Float64Array) => u.map((x, i) => x * v[i]!);
  const ma = gaussian(a, w, h);
  const mb = gaussian(b, w, h);
  const saa = gaussian(prod(a, a), w, h);
  const sbb = gaussian(prod(b, b), w, h);
  const sab = gaussian(prod(a, b), w, h);
  const c1 = (0.01 * 255) ** 2;
  const c2 = (0.03 * 255) ** 2;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < w * h; i++) {
    if (mask.data[i] === 0) continue;
    const va = saa[i]! - ma[i]! ** 2;
    const vb = sbb[i]! - mb[i]! ** 2;
    const cov = sab[i]! - ma[i]! * mb[i]!;
    sum += ((2 * ma[i]! * mb[i]! + c1) * (2 * cov + c2)) / ((ma[i]! ** 2 + mb[i]! ** 2 + c1) * (va + vb + c2));
    n++;
  }
  return sum / n;
}

/**
 * Border step: the mean absolute luminance difference across the hole's edge (over every pair of
 * 4-neighbours with one pixel in the hole and one outside), result over original. 1 means the
 * fill meets the surroundings as smoothly as the photograph did; above 1 the fill adds an edge
 * along the hole's border (a seam).
 */
export function borderEdgeRatio(result: RgbaImage, truth: RgbaImage, mask: Mask): number {
  const { width: w, height: h } = truth;
  const step = (im: RgbaImage) => {
    const l = luminance(im);
    let s = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        const inside = mask.data[i] !== 0;
        if (x + 1 < w && (mask.data[i + 1] !== 0) !== inside) s += Math.abs(l[i]! - l[i + 1]!);
        if (y + 1 < h && (mask.data[i + w] !== 0) !== inside) s += Math.abs(l[i]! - l[i + w]!);
      }
    }
    return s;
  };
  return step(result) / Math.max(step(truth), 1e-9);
}

export interface FillScore {
  psnr: number;
  ssim: number;
  border: number;
}

export function scoreFill(result: RgbaImage, truth: RgbaImage, mask: Mask): FillScore {
  return {
    psnr: maskedPsnr(result, truth, mask),
    ssim: maskedSsim(result, truth, mask),
    border: borderEdgeRatio(result, truth, mask),
  };
}

function toPng(im: RgbaImage): Buffer {
  const png = new PNG({ width: im.width, height: im.height });
  png.data = Buffer.from(im.data);
  return PNG.sync.write(png);
}

const TELEA = `
import sys, cv2
img = cv2.imread(sys.argv[1], cv2.IMREAD_COLOR)
mask = cv2.imread(sys.argv[2], cv2.IMREAD_GRAYSCALE)
cv2.imwrite(sys.argv[3], cv2.inpaint(img, mask, 3, cv2.INPAINT_TELEA))
`;

/**
 * OpenCV's Telea inpainting (radius 3) through Debian's python3-opencv; null when it is not
 * installed. Bench only: the package never calls Python.
 */
export function teleaFill(image: RgbaImage, mask: Mask): RgbaImage | null {
  const dir = mkdtempSync(join(tmpdir(), 'telea-'));
  try {
    const maskImage: RgbaImage = {
      width: mask.width,
      height: mask.height,
      data: Uint8Array.from({ length: mask.data.length * 4 }, (_, k) =>
        (k & 3) === 3 ? 255 : mask.data[k >> 2] ? 255 : 0,
      ),
    };
    writeFileSync(join(dir, 'image.png'), toPng(image));
    writeFileSync(join(dir, 'mask.png'), toPng(maskImage));
    writeFileSync(join(dir, 'telea.py'), TELEA);
    execFileSync(
      '/usr/bin/python3',
      [join(dir, 'telea.py'), join(dir, 'image.png'), join(dir, 'mask.png'), join(dir, 'out.png')],
      {
        stdio: 'pipe',
      },
    );
    const png = PNG.sync.read(readFileSync(join(dir, 'out.png')));
    return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
