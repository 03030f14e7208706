import * as tf from '@tensorflow/tfjs-core';
import { checkError, checkInteger, checkOptions } from '../core/checks';
import { checkTensor, formatShape } from './internal/check-tensor';

/** Options of {@link avgPoolExcludePadding}. */
export interface AvgPoolExcludePaddingOptions {
  /** Square window size. Default 3. */
  poolSize?: number;
  /** Step between windows. Default 2. */
  strides?: number;
  /** Zero rows and columns added on every side, at most `poolSize / 2`. Default 1. */
  padding?: number;
}

/** Output length of one axis: floor((n + 2p - k) / s) + 1, as PyTorch's AvgPool2d (ceil_mode False). */
function outLength(n: number, k: number, s: number, p: number): number {
  return Math.floor((n + 2 * p - k) / s) + 1;
}

/** How many of each window's positions along one axis lie inside the input. */
function validCounts(n: number, k: number, s: number, p: number): number[] {
  const out = outLength(n, k, s, p);
  const counts: number[] = [];
  for (let i = 0; i < out; i++) {
    const start = i * s - p;
    counts.push(Math.min(start + k, n) - Math.max(start, 0));
  }
  return counts;
}

/**
 * Average pooling that leaves the zero padding out of the average: PyTorch's
 * `nn.AvgPool2d(poolSize, strides, padding, count_include_pad=False)` (ceil_mode False). Each
 * output is the mean of the input values its window covers, so border outputs average fewer
 * values. pix2pixHD downsamples the input of its coarser discriminators and of the LocalEnhancer's
 * global generator with it (`AvgPool2d(3, stride=2, padding=[1, 1], count_include_pad=False)`).
 *
 * Input: `[n, h, w, c]` with `h + 2 * padding >= poolSize` (same for w).
 * Output: `[n, floor((h + 2p - k) / s) + 1, floor((w + 2p - k) / s) + 1, c]` (3/2/1: `ceil(h / 2)`).
 * Differentiable with respect to `x`.
 *
 * Porting note: tfjs' 'same' average pooling also leaves padding out, but places its windows
 * differently (for 3x3 stride 2 on even sizes it pads 0 before and 1 after, PyTorch 1 and 1). This
 * op sums each window with a depthwise convolution of ones over the zero-padded input and divides
 * by the number of covered input pixels, which only depends on the shape.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, ops } from 'tfjs-synth';
 * await initBackend();
 * const y = ops.avgPoolExcludePadding(tf.ones([1, 6, 5, 2])); // [1, 3, 3, 2], all ones
 * ```
 */
export function avgPoolExcludePadding(x: tf.Tensor4D, options?: AvgPoolExcludePaddingOptions): tf.Tensor4D {
  const owner = 'avgPoolExcludePadding';
  const o = checkOptions(owner, 'options', options);
  const k = checkInteger(owner, 'poolSize', o.poolSize ?? 3, { min: 1, max: 64 });
  const s = checkInteger(owner, 'strides', o.strides ?? 2, { min: 1, max: 64 });
  const p = checkInteger(owner, 'padding', o.padding ?? 1, { min: 0 });
  if (p > k / 2) throw checkError(owner, 'padding', `at most poolSize / 2 (${k / 2})`, p);
  checkTensor(owner, 'x', x, 4, '[n, h, w, c]');
  const [, h, w, c] = x.shape;
  if (h + 2 * p < k || w + 2 * p < k) {
    throw new Error(
      `${owner}: x must be at least ${k - 2 * p}x${k - 2 * p} (poolSize - 2 * padding), got shape ${formatShape(x.shape)}.`,
    );
  }
  const rows = validCounts(h, k, s, p);
  const cols = validCounts(w, k, s, p);
  const inverse = new Float32Array(rows.length * cols.length);
  for (let i = 0; i < rows.length; i++) {
    for (let j = 0; j < cols.length; j++) inverse[i * cols.length + j] = 1 / (rows[i]! * cols[j]!);
  }
  return tf.tidy(() => {
    const padded =
      p > 0
        ? tf.pad(x, [
            [0, 0],
            [p, p],
            [p, p],
            [0, 0],
          ])
        : x;
    const sums = tf.depthwiseConv2d(padded, tf.ones([k, k, c, 1]) as tf.Tensor4D, s, 'valid');
    return tf.mul(sums, tf.tensor4d(inverse, [1, rows.length, cols.length, 1])) as tf.Tensor4D;
  });
}
