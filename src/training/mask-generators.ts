import * as tf from '@tensorflow/tfjs-core';
import { checkError, checkInteger, checkNumber, checkOptions, checkPair } from '../core/checks';
import { createRandom, type Random } from '../core/random';

/** A binary inpainting mask, row-major, 1 = hole (to fill), 0 = known pixel. */
export interface BinaryMask {
  height: number;
  width: number;
  /** height * width values, each 0 or 1. */
  data: Uint8Array;
}

/** Options of {@link randomBoxMask}. */
export interface RandomBoxMaskOptions {
  height: number;
  width: number;
  /** Box size before shrinking, a number or [boxHeight, boxWidth]. Default half the image (128 for 256). */
  maxSize?: number | readonly [number, number];
  /** Each side shrinks by a random 0..maxDelta/2 pixels, number or [v, h]. Default 32 (DeepFill v2). */
  maxDelta?: number | readonly [number, number];
  /** Minimum distance of the box from the borders, number or [vertical, horizontal]. Default 0. */
  margin?: number | readonly [number, number];
  /** Seed. Default: unseeded. */
  seed?: number;
}

function checkSize(owner: string, height: unknown, width: unknown): void {
  checkInteger(owner, 'height', height, { min: 1 });
  checkInteger(owner, 'width', width, { min: 1 });
}

/**
 * DeepFill v2's rectangular hole (Yu et al. 2019, "Free-Form Image Inpainting with Gated
 * Convolution", https://arxiv.org/abs/1806.03589; `random_bbox` + `bbox2mask`): a
 * `maxSize` box at a uniformly random position at least `margin` from the borders, each side then
 * moved inwards by a random 0..floor(maxDelta/2) pixels.
 *
 * Output: `{ height, width, data }` with 1 = hole. Deterministic for a given seed.
 *
 * @example
 * ```ts
 * import { initBackend, training } from 'tfjs-synth';
 * await initBackend();
 * const mask = training.randomBoxMask({ height: 256, width: 256, seed: 3 });
 * const m = training.maskToTensor(mask); // [1, 256, 256, 1]
 * ```
 */
export function randomBoxMask(options: RandomBoxMaskOptions): BinaryMask {
  const owner = 'randomBoxMask';
  const { height, width } = checkOptions<RandomBoxMaskOptions>(owner, 'options', options);
  checkSize(owner, height, width);
  const [bh, bw] = checkPair(owner, 'maxSize', options.maxSize ?? [Math.floor(height / 2), Math.floor(width / 2)], 0);
  const [dh, dw] = checkPair(owner, 'maxDelta', options.maxDelta ?? 32, 0);
  const [mv, mh] = checkPair(owner, 'margin', options.margin ?? 0, 0);
  if (bh + 2 * mv > height || bw + 2 * mh > width || bh < 1 || bw < 1) {
    throw new Error(
      `${owner}: a ${bh}x${bw} box with margin [${mv}, ${mh}] does not fit in ${height}x${width} (maxSize must be >= 1).`,
    );
  }
  const rng = createRandom(options.seed);
  const top = rng.int(mv, height - mv - bh);
  const left = rng.int(mh, width - mh - bw);
  // As bbox2mask: np.random.randint(max_delta // 2 + 1), i.e. 0..max_delta/2 inclusive.
  const shrinkH = rng.int(0, Math.floor(dh / 2));
  const shrinkW = rng.int(0, Math.floor(dw / 2));
  const data = new Uint8Array(height * width);
  for (let y = top + shrinkH; y < top + bh - shrinkH; y++) {
    data.fill(1, y * width + left + shrinkW, y * width + Math.max(left + shrinkW, left + bw - shrinkW));
  }
  return { height, width, data };
}

/** Options of {@link randomBrushStrokeMask}. Defaults are DeepFill v2's `brush_stroke_mask`. */
export interface RandomBrushStrokeMaskOptions {
  height: number;
  width: number;
  /** Fewest strokes. Default 1. */
  minStrokes?: number;
  /** Most strokes (inclusive; the reference's `randint(1, 4)` gives 1..3). Default 3. */
  maxStrokes?: number;
  /** Fewest vertices per stroke. Default 4. */
  minVertices?: number;
  /** Most vertices per stroke (inclusive; the reference's `randint(4, 12)` gives 4..11). Default 11. */
  maxVertices?: number;
  /** Narrowest brush in pixels. Default 12. */
  minWidth?: number;
  /** Widest brush (exclusive, as `int(uniform(12, 40))`). Default 40. */
  maxWidth?: number;
  /** Mean turning angle in radians. Default 2*pi/5. */
  meanAngle?: number;
  /** Angle spread in radians. Default 2*pi/15. */
  angleRange?: number;
  /** Seed. Default: unseeded. */
  seed?: number;
}

/** Standard normal by Box-Muller from the seeded uniform source. */
function normal(rng: Random): number {
  const u = 1 - rng.next(); // (0, 1], keeps log finite
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** Marks every pixel centre within `radius` of the segment (x0, y0)-(x1, y1). */
function drawCapsule(
  mask: Uint8Array,
  h: number,
  w: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  radius: number,
): void {
  const yMin = Math.max(0, Math.floor(Math.min(y0, y1) - radius));
  const yMax = Math.min(h - 1, Math.ceil(Math.max(y0, y1) + radius));
  const xMin = Math.max(0, Math.floor(Math.min(x0, x1) - radius));
  const xMax = Math.min(w - 1, Math.ceil(Math.max(x0, x1) + radius));
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len2 = dx * dx + dy * dy;
  const r2 = radius * radius;
  for (let y = yMin; y <= yMax; y++) {
    for (let x = xMin; x <= xMax; x++) {
      const t = len2 === 0 ? 0 : Math.min(1, Math.max(0, ((x - x0) * dx + (y - y0) * dy) / len2));
      const ex = x - (x0 + t * dx);
      const ey = y - (y0 + t * dy);
      if (ex * ex + ey * ey <= r2) mask[y * w + x] = 1;
    }
  }
}

/**
 * DeepFill v2's free-form mask (Yu et al. 2019, "Free-Form Image Inpainting with Gated
 * Convolution", algorithm 1 and `brush_stroke_mask`): 1-3 strokes; each starts at a random pixel
 * and walks 4-11 vertices, turning by angles around 2*pi/5 (alternating direction) with steps of
 * length ~ N(r, r/2) clipped to [0, 2r], r = sqrt(h^2 + w^2) / 8, drawn with a brush of a random
 * width in [12, 40); then the mask is flipped left-right and top-bottom, each with probability 1/2.
 *
 * Porting note: PIL draws each stroke as a thick polyline plus a disc at every vertex; here every
 * segment is rasterised as a capsule (pixels within width/2 of the segment), which is the same
 * shape up to PIL's pixel rounding. Random numbers come from our seeded generator, so masks do not
 * reproduce numpy's for the same seed.
 *
 * Output: `{ height, width, data }` with 1 = hole. Deterministic for a given seed.
 *
 * @example
 * ```ts
 * import { training } from 'tfjs-synth';
 * const mask = training.randomBrushStrokeMask({ height: 256, width: 256, seed: 5 });
 * ```
 */
export function randomBrushStrokeMask(options: RandomBrushStrokeMaskOptions): BinaryMask {
  const owner = 'randomBrushStrokeMask';
  const { height, width } = checkOptions<RandomBrushStrokeMaskOptions>(owner, 'options', options);
  checkSize(owner, height, width);
  const o = {
    minStrokes: options.minStrokes ?? 1,
    maxStrokes: options.maxStrokes ?? 3,
    minVertices: options.minVertices ?? 4,
    maxVertices: options.maxVertices ?? 11,
    minWidth: options.minWidth ?? 12,
    maxWidth: options.maxWidth ?? 40,
  };
  for (const [name, v] of Object.entries(o)) checkInteger(owner, name, v, { min: 1 });
  for (const [lo, hi] of [
    ['minStrokes', 'maxStrokes'],
    ['minVertices', 'maxVertices'],
    ['minWidth', 'maxWidth'],
  ] as const) {
    if (o[lo] > o[hi]) throw new Error(`${owner}: ${lo} (${o[lo]}) must not exceed ${hi} (${o[hi]}).`);
  }
  const meanAngle = checkNumber(owner, 'meanAngle', options.meanAngle ?? (2 * Math.PI) / 5);
  const angleRange = checkNumber(owner, 'angleRange', options.angleRange ?? (2 * Math.PI) / 15);
  const rng = createRandom(options.seed);
  const averageRadius = Math.sqrt(height * height + width * width) / 8;
  const data = new Uint8Array(height * width);
  const strokes = rng.int(o.minStrokes, o.maxStrokes);
  for (let s = 0; s < strokes; s++) {
    const numVertex = rng.int(o.minVertices, o.maxVertices);
    const angleMin = meanAngle - rng.uniform(0, angleRange);
    const angleMax = meanAngle + rng.uniform(0, angleRange);
    const angles: number[] = [];
    for (let i = 0; i < numVertex; i++) {
      const a = rng.uniform(angleMin, angleMax);
      angles.push(i % 2 === 0 ? 2 * Math.PI - a : a);
    }
    const vertices: [number, number][] = [[rng.int(0, width - 1), rng.int(0, height - 1)]];
    for (let i = 0; i < numVertex; i++) {
      const r = Math.min(2 * averageRadius, Math.max(0, averageRadius + Math.floor(averageRadius / 2) * normal(rng)));
      const [px, py] = vertices[vertices.length - 1]!;
      const nx = Math.trunc(Math.min(width, Math.max(0, px + r * Math.cos(angles[i]!))));
      const ny = Math.trunc(Math.min(height, Math.max(0, py + r * Math.sin(angles[i]!))));
      vertices.push([nx, ny]);
    }
    const brush = Math.trunc(rng.uniform(o.minWidth, o.maxWidth));
    for (let i = 0; i + 1 < vertices.length; i++) {
      const [x0, y0] = vertices[i]!;
      const [x1, y1] = vertices[i + 1]!;
      drawCapsule(data, height, width, x0, y0, x1, y1, brush / 2);
    }
  }
  const flipLR = rng.next() < 0.5;
  const flipTB = rng.next() < 0.5;
  if (!flipLR && !flipTB) return { height, width, data };
  const flipped = new Uint8Array(height * width);
  for (let y = 0; y < height; y++) {
    const sy = flipTB ? height - 1 - y : y;
    for (let x = 0; x < width; x++) flipped[y * width + x] = data[sy * width + (flipLR ? width - 1 - x : x)]!;
  }
  return { height, width, data: flipped };
}

/**
 * Converts a {@link BinaryMask} to a float32 tensor of shape [1, height, width, 1] (1 = hole), the
 * mask input of the inpainting networks.
 *
 * @example
 * ```ts
 * import { initBackend, training } from 'tfjs-synth';
 * await initBackend();
 * const m = training.maskToTensor(training.randomBoxMask({ height: 64, width: 64, seed: 1 }));
 * ```
 */
export function maskToTensor(mask: BinaryMask): tf.Tensor4D {
  const owner = 'maskToTensor';
  const { height, width, data } = mask ?? ({} as BinaryMask);
  checkSize(owner, height, width);
  if (!(data instanceof Uint8Array) || data.length !== height * width) {
    throw checkError(owner, 'data', `a Uint8Array of height * width = ${height}*${width} values`, data);
  }
  return tf.tensor4d(Float32Array.from(data), [1, height, width, 1], 'float32');
}
