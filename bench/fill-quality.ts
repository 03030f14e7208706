/**
 * Fill quality of inpainting, for bench/patchmatch.bench.ts (`PATCHMATCH_BENCH=fill`): 102 cases
 * (34 images from bench/assets, photographs and textures, each with a rectangle, a brush-stroke and
 * an object-shaped hole; the first 24 cases are the original set), scored inside the hole against
 * the original, with two peers on the same
 * cases when they are at hand:
 * - OpenCV's Telea inpainting (Debian python3-opencv; radius 3);
 * - PyPatchMatch (github.com/vacancy/PyPatchMatch, C++ over OpenCV), optional: build it yourself
 *   (`make` in its checkout, against OpenCV's development package) and point
 *   `PATCHMATCH_PYPATCHMATCH` at the folder holding its `libpatchmatch.so`; the bench loads that
 *   library from Debian's /usr/bin/python3 (numpy and Pillow needed) and calls `PM_inpaint` with
 *   patch radius 3 (7x7 patches, as here) and its own seed. Without it the bench prints
 *   "PyPatchMatch: not available". Nothing of PyPatchMatch is part of this package.
 *
 * Metrics, all over the hole only (bench/fill-metrics.ts scores with the library's own `metrics`,
 * TensorFlow.js on the cpu backend: the bench may load it, `tfjs-synth/patchmatch` does not):
 * - PSNR of R, G and B over the hole pixels (`metrics.psnr` with the hole as mask, maxVal 255);
 * - SSIM on luminance (Y = 0.299 R + 0.587 G + 0.114 B; `metrics.ssim`: 11x11 Gaussian window,
 *   sigma 1.5, K1 0.01, K2 0.03), averaged over the windows centred on hole pixels;
 * - border step: the mean absolute luminance difference across the hole's edge (4-neighbour
 *   pairs with one pixel inside), result over original. 1 means the fill meets its surroundings
 *   as smoothly as the original did; above 1 the fill adds an edge (a seam) along the border.
 *
 * This file loads no TensorFlow.js: `maskedPsnr` is the same PSNR in plain TypeScript, for the tests.
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

/**
 * The bench images; `split` 'A' were used to tune the inpainting, 'B' only to check it. The first
 * eight (24 cases) are the original set, kept first and unchanged so earlier numbers stay
 * comparable; the 192x192 crops (full-resolution details of the same eight pictures, two each, in
 * the same half as their picture) bring the set to 72 cases. Split 'C' is five other pictures
 * (a launch pad at dusk, a retina, a deep-sky field, coins, a stained tissue section; a whole and
 * one crop each, 30 cases), added after the inpainting was tuned: a check on pictures unlike the
 * eight, closer to what a held-out set measures.
 */
export type FillSplit = 'A' | 'B' | 'C';

export const FILL_IMAGES: ReadonlyArray<{ file: string; kind: 'photo' | 'texture'; split: FillSplit }> = [
  { file: 'coffee-300.jpg', kind: 'photo', split: 'A' },
  { file: 'astronaut-256.jpg', kind: 'photo', split: 'A' },
  { file: 'brick-256.jpg', kind: 'texture', split: 'A' },
  { file: 'grass-256.jpg', kind: 'texture', split: 'A' },
  { file: 'chelsea-300.jpg', kind: 'photo', split: 'B' },
  { file: 'camera-256.jpg', kind: 'photo', split: 'B' },
  { file: 'gravel-256.jpg', kind: 'texture', split: 'B' },
  { file: 'starry-night-300.jpg', kind: 'texture', split: 'B' },
  ...(['a', 'b'] as const).flatMap((crop) => [
    { file: `coffee-crop${crop}-192.jpg`, kind: 'photo' as const, split: 'A' as const },
    { file: `astronaut-crop${crop}-192.jpg`, kind: 'photo' as const, split: 'A' as const },
    { file: `brick-crop${crop}-192.jpg`, kind: 'texture' as const, split: 'A' as const },
    { file: `grass-crop${crop}-192.jpg`, kind: 'texture' as const, split: 'A' as const },
    { file: `chelsea-crop${crop}-192.jpg`, kind: 'photo' as const, split: 'B' as const },
    { file: `camera-crop${crop}-192.jpg`, kind: 'photo' as const, split: 'B' as const },
    { file: `gravel-crop${crop}-192.jpg`, kind: 'texture' as const, split: 'B' as const },
    { file: `starry-night-crop${crop}-192.jpg`, kind: 'texture' as const, split: 'B' as const },
  ]),
  ...(
    [
      ['rocket-320', 'photo'],
      ['retina-256', 'photo'],
      ['hubble-300', 'texture'],
      ['coins-288', 'photo'],
      ['ihc-256', 'texture'],
    ] as const
  ).flatMap(([whole, kind]) => [
    { file: `${whole}.jpg`, kind, split: 'C' as const },
    { file: `${whole.replace(/-\d+$/, '')}-crop-192.jpg`, kind, split: 'C' as const },
  ]),
];

/** How many of FILL_IMAGES form the original 24-case set. */
export const ORIGINAL_FILL_IMAGES = 8;

export type HoleShape = 'rectangle' | 'stroke' | 'object';

export interface FillCase {
  name: string;
  split: FillSplit;
  kind: 'photo' | 'texture';
  shape: HoleShape;
  /** One of the original 24 cases. */
  original: boolean;
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

/** The cases of the given splits (all by default); a case's hole does not depend on which are picked. */
export function fillCases(splits: readonly FillSplit[] = ['A', 'B', 'C']): FillCase[] {
  const cases: FillCase[] = [];
  FILL_IMAGES.forEach(({ file, kind, split }, i) => {
    if (!splits.includes(split)) return;
    const image = loadJpeg(file);
    (['rectangle', 'stroke', 'object'] as const).forEach((shape, j) => {
      cases.push({
        name: `${file.replace(/\.jpg$/, '')} ${shape}`,
        split,
        kind,
        shape,
        original: i < ORIGINAL_FILL_IMAGES,
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

function toPng(im: RgbaImage): Buffer {
  const png = new PNG({ width: im.width, height: im.height });
  png.data = Buffer.from(im.data);
  return PNG.sync.write(png);
}

/** The mask as a black-and-white picture (white = hole). */
function maskPng(mask: Mask): RgbaImage {
  return {
    width: mask.width,
    height: mask.height,
    data: Uint8Array.from({ length: mask.data.length * 4 }, (_, k) =>
      (k & 3) === 3 ? 255 : mask.data[k >> 2] ? 255 : 0,
    ),
  };
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
    writeFileSync(join(dir, 'image.png'), toPng(image));
    writeFileSync(join(dir, 'mask.png'), toPng(maskPng(mask)));
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

/**
 * A Python driver for PyPatchMatch's C library (its `PM_inpaint` C interface through ctypes):
 * argv = library folder, patch radius, seed, then image/mask/output PNG triples. Prints the
 * seconds of each call.
 */
const PYPATCHMATCH = `
import ctypes, sys, time
import numpy as np
from PIL import Image
class Shape(ctypes.Structure):
    _fields_ = [('width', ctypes.c_int), ('height', ctypes.c_int), ('channels', ctypes.c_int)]
class Mat(ctypes.Structure):
    _fields_ = [('data_ptr', ctypes.c_void_p), ('shape', Shape), ('dtype', ctypes.c_int)]
lib = ctypes.CDLL(sys.argv[1] + '/libpatchmatch.so')
lib.PM_set_random_seed.argtypes = [ctypes.c_uint]
lib.PM_inpaint.argtypes = [Mat, Mat, ctypes.c_int]
lib.PM_inpaint.restype = Mat
lib.PM_free_pymat.argtypes = [Mat]
def mat(a):
    return Mat(a.ctypes.data, Shape(a.shape[1], a.shape[0], a.shape[2]), 0)
radius, seed = int(sys.argv[2]), int(sys.argv[3])
args = sys.argv[4:]
for k in range(0, len(args), 3):
    image = np.ascontiguousarray(np.array(Image.open(args[k]).convert('RGB')))
    mask = np.ascontiguousarray((np.array(Image.open(args[k + 1]).convert('L')) > 0).astype('uint8')[:, :, None])
    lib.PM_set_random_seed(seed)
    t = time.perf_counter()
    out = lib.PM_inpaint(mat(image), mat(mask), radius)
    seconds = time.perf_counter() - t
    h, w, c = out.shape.height, out.shape.width, out.shape.channels
    result = np.ctypeslib.as_array(ctypes.cast(out.data_ptr, ctypes.POINTER(ctypes.c_uint8)), shape=(h, w, c)).copy()
    lib.PM_free_pymat(out)
    Image.fromarray(result).save(args[k + 2])
    print(seconds, flush=True)
`;

/** A fill of every case by PyPatchMatch with the seconds each took, or null (see the file comment). */
export function pyPatchMatchFills(
  cases: readonly FillCase[],
  patchRadius: number,
  seed: number,
): { results: RgbaImage[]; seconds: number[] } | null {
  const libDir = process.env.PATCHMATCH_PYPATCHMATCH;
  if (libDir === undefined || libDir === '') return null;
  const dir = mkdtempSync(join(tmpdir(), 'pypatchmatch-'));
  try {
    const args: string[] = [];
    cases.forEach((c, i) => {
      const files = ['image', 'mask', 'out'].map((f) => join(dir, `${i}-${f}.png`));
      writeFileSync(files[0]!, toPng(c.image));
      writeFileSync(files[1]!, toPng(maskPng(c.mask)));
      args.push(...files);
    });
    writeFileSync(join(dir, 'pypatchmatch.py'), PYPATCHMATCH);
    const stdout = execFileSync(
      '/usr/bin/python3',
      [join(dir, 'pypatchmatch.py'), libDir, String(patchRadius), String(seed), ...args],
      { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 20 },
    );
    const seconds = stdout.trim().split('\n').map(Number);
    const results = cases.map((_, i) => {
      const png = PNG.sync.read(readFileSync(join(dir, `${i}-out.png`)));
      return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
    });
    return { results, seconds };
  } catch (err) {
    console.log(`  PyPatchMatch failed (${(err as Error).message.split('\n')[0]}); skipped`);
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Two-sided exact sign test: the probability, with wins and losses equally likely (ties dropped),
 * of a split at least as uneven as `wins` against `losses`. 1 when there is nothing to compare.
 */
export function signTestP(wins: number, losses: number): number {
  const n = wins + losses;
  if (n === 0) return 1;
  const k = Math.min(wins, losses);
  // P(X <= k) for X ~ Binomial(n, 1/2), summed in log space so large n cannot overflow.
  let logC = 0;
  let tail = 0;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log(n - i + 1) - Math.log(i);
    tail += Math.exp(logC - n * Math.LN2);
  }
  return Math.min(1, 2 * tail);
}
