import * as tf from '@tensorflow/tfjs-core';
import { type AbortSignalLike, checkAbortSignal, checkNumber, checkOptions } from '../core/checks';
import { checkTensor, formatShape } from './internal/check-tensor';

/** Options of {@link cannyEdges}. */
export interface CannyEdgesOptions {
  /** Standard deviation (pixels) of the Gaussian blur before the gradient. Default 1; 0 skips it. At most 8. */
  sigma?: number;
  /**
   * Hysteresis thresholds as fractions of each image's largest gradient magnitude, so the
   * result does not depend on the value range ([-1, 1] or [0, 255]): pixels at or above `high`
   * start edges, which then extend through 8-connected pixels at or above `low`.
   * Defaults 0.1 and 0.2; 0 <= low <= high <= 1.
   */
  low?: number;
  high?: number;
  /** Checked between images; aborting rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** The largest input (pixels over the batch); per image the detector keeps 7 doubles per pixel. */
const MAX_PIXELS = 64 * 1024 * 1024;

/**
 * Canny edge map (Canny 1986) of each image in a batch, on the host: grey value (ITU-R BT.601
 * luma for 3 channels, the channel mean otherwise), Gaussian blur, Sobel gradient, non-maximum
 * suppression along the gradient direction quantised to 4 directions, then hysteresis. Borders
 * replicate the edge pixels. Deterministic and free of trained weights; a flat image has no
 * edges, a step edge gives a line one pixel thick (where two neighbours tie, within 1e-6 of the
 * largest magnitude, the one with the larger row/column index is kept, so rounding noise does
 * not move edges).
 *
 * This is the guide detector of DeepFill v2's user-guided training (`training.InpaintingTrainer`'s
 * `guides: 'canny'`): the paper uses HED, whose trained weights are not part of this library.
 *
 * Shapes: images [n, h, w, c] (any range). Output: [n, h, w, 1] float32, 1 on edges, 0 elsewhere.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, ops } from 'tfjs-synth';
 * await initBackend();
 * const square = tf.pad(tf.ones<tf.Rank.R4>([1, 8, 8, 1]), [[0, 0], [4, 4], [4, 4], [0, 0]]);
 * const edges = await ops.cannyEdges(square); // [1, 16, 16, 1], the square's outline
 * ```
 * @throws Error naming the argument when images is not a rank-4 tensor of finite values (at
 *   most 64 Mi pixels over the batch) or an option is out of range.
 */
export async function cannyEdges(images: tf.Tensor4D, options: CannyEdgesOptions = {}): Promise<tf.Tensor4D> {
  const owner = 'cannyEdges';
  const x = checkTensor<tf.Tensor4D>(owner, 'images', images, 4, '[n, h, w, c]');
  const opts = checkOptions(owner, 'options', options);
  const sigma = checkNumber(owner, 'options.sigma', opts.sigma ?? 1, { min: 0, max: 8 });
  const low = checkNumber(owner, 'options.low', opts.low ?? 0.1, { min: 0, max: 1 });
  const high = checkNumber(owner, 'options.high', opts.high ?? 0.2, { min: 0, max: 1 });
  if (low > high) throw new Error(`${owner}: options.low (${low}) must not exceed options.high (${high}).`);
  const signal = checkAbortSignal(owner, 'options.signal', opts.signal);
  const [n, h, w, c] = x.shape;
  if (n * h * w > MAX_PIXELS || n * h * w * c > 4 * MAX_PIXELS || c === 0) {
    throw new Error(
      `${owner}: images must have 1 to ${4 * MAX_PIXELS} values and at most ${MAX_PIXELS} pixels, got shape ${formatShape(x.shape)}.`,
    );
  }
  throwIfAborted(signal);
  const data = await x.data<'float32'>();
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) throw new Error(`${owner}: images must be finite, got a non-finite value.`);
  }
  const out = new Float32Array(n * h * w);
  const gray = new Float64Array(h * w);
  for (let b = 0; b < n; b++) {
    throwIfAborted(signal);
    const base = b * h * w * c;
    for (let p = 0; p < h * w; p++) {
      const q = base + p * c;
      if (c === 3) gray[p] = 0.299 * data[q]! + 0.587 * data[q + 1]! + 0.114 * data[q + 2]!;
      else {
        let s = 0;
        for (let k = 0; k < c; k++) s += data[q + k]!;
        gray[p] = s / c;
      }
    }
    out.set(cannyEdgeMap(gray, h, w, sigma, low, high), b * h * w);
  }
  return tf.tensor4d(out, [n, h, w, 1]);
}

function throwIfAborted(signal: AbortSignalLike | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new Error('cannyEdges: aborted.');
}

/** Separable Gaussian blur with replicated borders (radius ceil(3 sigma)). */
function gaussianBlur(src: Float64Array, h: number, w: number, sigma: number): Float64Array {
  const r = Math.ceil(3 * sigma);
  const k = new Float64Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) sum += k[i + r] = Math.exp((-i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i]! /= sum;
  const tmp = new Float64Array(h * w);
  const dst = new Float64Array(h * w);
  const clamp = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let i = -r; i <= r; i++) s += k[i + r]! * src[y * w + clamp(x + i, w - 1)]!;
      tmp[y * w + x] = s;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let i = -r; i <= r; i++) s += k[i + r]! * tmp[clamp(y + i, h - 1) * w + x]!;
      dst[y * w + x] = s;
    }
  }
  return dst;
}

/** Canny on one grey image [h, w] (row-major): 1 on edges, 0 elsewhere. */
function cannyEdgeMap(src: Float64Array, h: number, w: number, sigma: number, low: number, high: number): Float32Array {
  const g = sigma > 0 ? gaussianBlur(src, h, w, sigma) : src;
  const at = (y: number, x: number) => g[(y < 0 ? 0 : y >= h ? h - 1 : y) * w + (x < 0 ? 0 : x >= w ? w - 1 : x)]!;
  const gx = new Float64Array(h * w);
  const gy = new Float64Array(h * w);
  const mag = new Float64Array(h * w);
  let maxMag = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // Each side summed first, so a flat neighbourhood gives exactly 0.
      const dx =
        at(y - 1, x + 1) +
        2 * at(y, x + 1) +
        at(y + 1, x + 1) -
        (at(y - 1, x - 1) + 2 * at(y, x - 1) + at(y + 1, x - 1));
      const dy =
        at(y + 1, x - 1) +
        2 * at(y + 1, x) +
        at(y + 1, x + 1) -
        (at(y - 1, x - 1) + 2 * at(y - 1, x) + at(y - 1, x + 1));
      const p = y * w + x;
      gx[p] = dx;
      gy[p] = dy;
      mag[p] = Math.hypot(dx, dy);
      if (mag[p]! > maxMag) maxMag = mag[p]!;
    }
  }
  const edges = new Float32Array(h * w);
  if (maxMag === 0) return edges;
  // Non-maximum suppression: 0 = suppressed, 1 = weak, 2 = strong.
  const tan22 = Math.tan(Math.PI / 8);
  const tan67 = Math.tan((3 * Math.PI) / 8);
  const m = (y: number, x: number) => (y < 0 || y >= h || x < 0 || x >= w ? 0 : mag[y * w + x]!);
  const state = new Uint8Array(h * w);
  const [lo, hi] = [low * maxMag, high * maxMag];
  const tie = 1e-6 * maxMag;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      const v = mag[p]!;
      if (v === 0 || v < lo) continue;
      const ax = Math.abs(gx[p]!);
      const ay = Math.abs(gy[p]!);
      // Neighbours before (smaller index) and after along the gradient direction.
      let before: number;
      let after: number;
      if (ay <= ax * tan22) [before, after] = [m(y, x - 1), m(y, x + 1)];
      else if (ay >= ax * tan67) [before, after] = [m(y - 1, x), m(y + 1, x)];
      else if (gx[p]! * gy[p]! > 0) [before, after] = [m(y - 1, x - 1), m(y + 1, x + 1)];
      else [before, after] = [m(y - 1, x + 1), m(y + 1, x - 1)];
      if (v >= before - tie && v > after + tie) state[p] = v >= hi ? 2 : 1;
    }
  }
  // Hysteresis: grow from strong pixels through 8-connected weak ones (explicit stack).
  const stack = new Int32Array(h * w);
  let top = 0;
  for (let p = 0; p < h * w; p++) {
    if (state[p] !== 2) continue;
    edges[p] = 1;
    stack[top++] = p;
  }
  while (top > 0) {
    const p = stack[--top]!;
    const y = Math.floor(p / w);
    const x = p - y * w;
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const yy = y + dy;
        const xx = x + dx;
        if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
        const q = yy * w + xx;
        if (state[q] === 1 && edges[q] === 0) {
          edges[q] = 1;
          stack[top++] = q;
        }
      }
    }
  }
  return edges;
}
