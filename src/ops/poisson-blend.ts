import * as tf from '@tensorflow/tfjs-core';
import { checkAbortSignal, checkError, checkInteger, checkNumber, checkOptions } from '../core/checks';
import { MAX_POISSON_ITERATIONS, MAX_POISSON_PIXELS, solveScreenedPoisson } from '../core/screened-poisson';
import { checkTensor, formatShape } from './internal/check-tensor';

/** Options of {@link poissonBlend}. */
export interface PoissonBlendOptions {
  /** Relative residual at which each solve stops, in (0, 1). Default 1e-5. */
  tolerance?: number;
  /** Conjugate-gradient iterations per channel at most, 1..100000. Default 2000. */
  maxIterations?: number;
  /** Cancels the blend between and inside the solves (an Error named 'AbortError'). */
  signal?: AbortSignal;
}

/** The result of {@link poissonBlend}. */
export interface PoissonBlendResult {
  /** The blended images [n, h, w, c] (the caller owns it). */
  image: tf.Tensor4D;
  /** Most iterations one channel's solve took. */
  iterations: number;
  /** Largest final relative residual of all solves. */
  residual: number;
  /** True when every solve reached the tolerance. */
  converged: boolean;
}

/**
 * Poisson image editing (Pérez, Gangnet and Blake, "Poisson Image Editing", SIGGRAPH 2003) as
 * GLCIC's post-process (Iizuka et al. 2017): inside each image's holes the result takes the
 * gradients of `output` (the completion network's image), outside them it keeps `input`, so the
 * completed region meets its surroundings without a seam. Each image and channel is one
 * `screenedPoisson` (of `tfjs-synth/patchmatch`) solve with weight 0, the known pixels fixed (Dirichlet) and the
 * guidance field the differences of `output`, over the bounding box of the holes plus one pixel;
 * pixels outside the holes come back equal to `input`. The tensors are read to the host once.
 *
 * `input`, `output` [n, h, w, c] of one shape; `mask` [n, h, w, 1], exactly 0 (known) or 1
 * (hole), with at least one hole and one known pixel per image.
 *
 * Porting note: the GLCIC port (otenim/GLCIC-PyTorch utils.poisson_blend) calls OpenCV's
 * `seamlessClone(NORMAL_CLONE)` on 8-bit images after a Telea inpainting of the holes. This
 * solves the same equation in float without the 8-bit rounding; it is not bit-exact with
 * OpenCV's discrete-sine-transform solver, which also shrinks the region by a pixel.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, ops } from 'tfjs-synth';
 * await initBackend();
 * const input = tf.fill([1, 16, 16, 3], 0.5) as tf.Tensor4D;
 * const output = tf.fill([1, 16, 16, 3], 0.8) as tf.Tensor4D; // right texture, wrong level
 * const mask = tf.pad(tf.ones([1, 8, 8, 1]), [[0, 0], [4, 4], [4, 4], [0, 0]]) as tf.Tensor4D;
 * const { image, converged } = await ops.poissonBlend(input, output, mask); // the hole comes back at 0.5
 * ```
 * @throws Error naming the argument when a tensor is not rank 4, the shapes differ, the mask is
 *   not binary, an image's mask is empty or all holes, or an option is invalid.
 */
export async function poissonBlend(
  input: tf.Tensor4D,
  output: tf.Tensor4D,
  mask: tf.Tensor4D,
  options?: PoissonBlendOptions,
): Promise<PoissonBlendResult> {
  const owner = 'poissonBlend';
  checkTensor(owner, 'input', input, 4, '[n, h, w, c]');
  checkTensor(owner, 'output', output, 4, '[n, h, w, c]');
  checkTensor(owner, 'mask', mask, 4, '[n, h, w, 1]');
  if (output.shape.some((d, i) => d !== input.shape[i])) {
    throw new Error(
      `${owner}: output must have the shape of input ${formatShape(input.shape)}, got ${formatShape(output.shape)}.`,
    );
  }
  const [n, h, w, c] = input.shape;
  if (mask.shape[0] !== n || mask.shape[1] !== h || mask.shape[2] !== w || mask.shape[3] !== 1) {
    throw new Error(`${owner}: mask must have shape [${n}, ${h}, ${w}, 1] (input's), got ${formatShape(mask.shape)}.`);
  }
  if (h * w > MAX_POISSON_PIXELS)
    throw checkError(owner, 'input height * width', `at most ${MAX_POISSON_PIXELS}`, h * w);
  const opts = checkOptions(owner, 'options', options);
  const tolerance = checkNumber(owner, 'options.tolerance', opts.tolerance ?? 1e-5, { min: 0, max: 1 });
  if (!(tolerance > 0 && tolerance < 1)) throw checkError(owner, 'options.tolerance', 'a number in (0, 1)', tolerance);
  const maxIterations = checkInteger(owner, 'options.maxIterations', opts.maxIterations ?? 2000, {
    min: 1,
    max: MAX_POISSON_ITERATIONS,
  });
  const signal = checkAbortSignal(owner, 'options.signal', opts.signal) as AbortSignal | undefined;

  const [src, dst, holes] = await Promise.all([output.data(), input.data(), mask.data()]);
  // The mask first: every error before any solve.
  const boxes: [number, number, number, number][] = [];
  for (let b = 0; b < n; b++) {
    let y0 = h;
    let y1 = -1;
    let x0 = w;
    let x1 = -1;
    let count = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = holes[(b * h + y) * w + x]!;
        if (v !== 0 && v !== 1) throw checkError(owner, `mask (image ${b})`, 'only 0 (known) and 1 (hole) values', v);
        if (v === 1) {
          count++;
          if (y < y0) y0 = y;
          if (y > y1) y1 = y;
          if (x < x0) x0 = x;
          if (x > x1) x1 = x;
        }
      }
    }
    if (count === 0) throw new Error(`${owner}: mask (image ${b}) must have at least one hole pixel (1), got none.`);
    if (count === h * w)
      throw new Error(`${owner}: mask (image ${b}) must keep at least one known pixel (0), got all holes.`);
    boxes.push([Math.max(0, y0 - 1), Math.min(h - 1, y1 + 1), Math.max(0, x0 - 1), Math.min(w - 1, x1 + 1)]);
  }
  for (let i = 0; i < src.length; i++) {
    if (!Number.isFinite(src[i]!) || !Number.isFinite(dst[i]!)) {
      throw new Error(
        `${owner}: ${Number.isFinite(src[i]!) ? 'input' : 'output'} must be finite, got ${Number.isFinite(src[i]!) ? dst[i] : src[i]} at index ${i}.`,
      );
    }
  }

  const result = new Float32Array(dst);
  let iterations = 0;
  let residual = 0;
  let converged = true;
  for (let b = 0; b < n; b++) {
    const [y0, y1, x0, x1] = boxes[b]!;
    const bw = x1 - x0 + 1;
    const bh = y1 - y0 + 1;
    const size = bw * bh;
    const fixed = new Uint8Array(size);
    for (let y = 0; y < bh; y++) {
      for (let x = 0; x < bw; x++) fixed[y * bw + x] = holes[(b * h + y + y0) * w + x + x0] === 1 ? 0 : 1;
    }
    const at = (y: number, x: number, ch: number) => ((b * h + y) * w + x) * c + ch;
    for (let ch = 0; ch < c; ch++) {
      const values = new Float32Array(size);
      const initial = new Float32Array(size);
      const gx = new Float32Array(size);
      const gy = new Float32Array(size);
      for (let y = 0; y < bh; y++) {
        for (let x = 0; x < bw; x++) {
          const i = y * bw + x;
          const s = src[at(y + y0, x + x0, ch)]!;
          values[i] = dst[at(y + y0, x + x0, ch)]!;
          initial[i] = fixed[i] ? values[i]! : s;
          if (x + 1 < bw) gx[i] = src[at(y + y0, x + x0 + 1, ch)]! - s;
          if (y + 1 < bh) gy[i] = src[at(y + y0 + 1, x + x0, ch)]! - s;
        }
      }
      const solved = solveScreenedPoisson(owner, {
        width: bw,
        height: bh,
        values,
        gradientX: gx,
        gradientY: gy,
        weight: 0,
        fixed,
        initial,
        tolerance,
        maxIterations,
        signal,
      });
      iterations = Math.max(iterations, solved.iterations);
      residual = Math.max(residual, solved.residual);
      converged &&= solved.converged;
      for (let y = 0; y < bh; y++) {
        for (let x = 0; x < bw; x++) {
          if (!fixed[y * bw + x]) result[at(y + y0, x + x0, ch)] = solved.values[y * bw + x]!;
        }
      }
    }
  }
  return { image: tf.tensor4d(result, [n, h, w, c]), iterations, residual, converged };
}
