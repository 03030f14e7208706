import * as tf from '@tensorflow/tfjs-core';
import { checkInteger, checkNumber, checkOptions } from '../core/checks';
import { checkTensor, formatShape } from './internal/check-tensor';

/** Options of {@link mattingLaplacian}. */
export interface MattingLaplacianOptions {
  /** Regulariser ε of each window's colour covariance. Default 1e-7 (Levin et al.; Luan et al.). */
  epsilon?: number;
  /** Window radius r: windows are (2r + 1)² pixels. Default 1 (3×3). */
  windowRadius?: number;
}

/** The largest image the Laplacian is built for (pixels): it keeps 33 floats per 3×3 window. */
const MAX_PIXELS = 4 * 1024 * 1024;

/**
 * The matting Laplacian of an RGB image (Levin, Lischinski and Weiss 2008), kept as per-window
 * factors rather than an N × N matrix, so building it and multiplying by it are linear in the
 * pixel count. `multiply(v)` gives `L v` for every channel of `v`, and `quadraticForm(v)` gives
 * `Σ_c v_cᵀ L v_c`, the photorealism regulariser of Luan et al.'s Deep Photo Style Transfer. Both
 * are differentiable: L is symmetric, so the gradient of `multiply` is `multiply` of the incoming
 * gradient (and `∂/∂v` of the quadratic form is `2 L v`). Call `dispose()` when done.
 */
export interface MattingLaplacian {
  /** Height and width of the image it was built from. */
  readonly height: number;
  readonly width: number;
  /** `L v` for `v` of shape [1, height, width, c]. */
  multiply(v: tf.Tensor4D): tf.Tensor4D;
  /** `Σ_c v_cᵀ L v_c` for `v` of shape [1, height, width, c]: a scalar, 0 for locally affine `v`. */
  quadraticForm(v: tf.Tensor4D): tf.Scalar;
  /** Frees the factor tensors. */
  dispose(): void;
}

/**
 * Builds the matting Laplacian of `image` (`[1, h, w, 3]`). For pixels i and j,
 * `L_ij = Σ_{k | i,j ∈ w_k} (δ_ij − (1 + (I_i − μ_k)ᵀ (Σ_k + ε/n I₃)⁻¹ (I_j − μ_k)) / n)`
 * over the n = (2r + 1)² pixel windows w_k that lie inside the image, with μ_k and Σ_k the
 * window's colour mean and covariance. Its null space holds every image that is locally an
 * affine function of the input's colours, which is why penalising `vᵀ L v` keeps a stylised
 * photo photorealistic.
 *
 * The window statistics are computed once, on the host in float64. The deviations `I_j − μ_k` are
 * stored per window, not recomputed from sums, so flat windows (where (Σ + ε/n)⁻¹ is huge) lose
 * no precision in float32.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, ops } from 'tfjs-synth';
 * await initBackend();
 * const image = tf.randomUniform([1, 16, 16, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
 * const laplacian = ops.mattingLaplacian(image);
 * // An affine function of the colours costs nothing; noise does.
 * const affine = tf.reshape(tf.add(tf.matMul(tf.reshape(image, [256, 3]), tf.tensor2d([[0.5], [-1], [2]])), 0.3), [1, 16, 16, 1]) as tf.Tensor4D;
 * console.log(laplacian.quadraticForm(affine).dataSync()[0] < 1e-3); // true
 * laplacian.dispose();
 * ```
 */
export function mattingLaplacian(image: tf.Tensor4D, options?: MattingLaplacianOptions): MattingLaplacian {
  const fn = 'mattingLaplacian';
  const img = checkTensor<tf.Tensor4D>(fn, 'image', image, 4, '[1, h, w, 3]');
  const opts = checkOptions<MattingLaplacianOptions>(fn, 'options', options);
  const epsilon =
    opts.epsilon === undefined
      ? 1e-7
      : checkNumber(fn, 'epsilon', opts.epsilon, { min: 0, minExclusive: true, max: 1e3 });
  const r =
    opts.windowRadius === undefined ? 1 : checkInteger(fn, 'windowRadius', opts.windowRadius, { min: 1, max: 4 });
  const [batch, h, w, c] = img.shape;
  if (batch !== 1 || c !== 3)
    throw new Error(`${fn}: image must be one RGB image [1, h, w, 3], got ${formatShape(img.shape)}.`);
  const side = 2 * r + 1;
  if (h < side || w < side)
    throw new Error(`${fn}: image must be at least ${side}×${side} (one window), got ${h}×${w}.`);
  if (h * w > MAX_PIXELS) throw new Error(`${fn}: image has ${h * w} pixels; at most ${MAX_PIXELS} are supported.`);
  const pixels = img.dataSync();
  for (let i = 0; i < pixels.length; i++) {
    if (!Number.isFinite(pixels[i]!))
      throw new Error(`${fn}: image must hold finite values, got ${pixels[i]} at index ${i}.`);
  }
  const n = side * side;
  const hw = h - 2 * r;
  const ww = w - 2 * r;
  const windows = hw * ww;
  // deviations[k][o][3] = I_{k+o} − μ_k; inverse[k][3][3] = (Σ_k + ε/n I)⁻¹.
  const deviations = new Float32Array(windows * n * 3);
  const inverse = new Float32Array(windows * 9);
  const dev = new Float64Array(n * 3);
  for (let y = 0; y < hw; y++) {
    for (let x = 0; x < ww; x++) {
      const k = y * ww + x;
      let m0 = 0;
      let m1 = 0;
      let m2 = 0;
      for (let dy = 0; dy < side; dy++) {
        for (let dx = 0; dx < side; dx++) {
          const p = ((y + dy) * w + (x + dx)) * 3;
          m0 += pixels[p]!;
          m1 += pixels[p + 1]!;
          m2 += pixels[p + 2]!;
        }
      }
      m0 /= n;
      m1 /= n;
      m2 /= n;
      let s00 = 0;
      let s01 = 0;
      let s02 = 0;
      let s11 = 0;
      let s12 = 0;
      let s22 = 0;
      for (let o = 0; o < n; o++) {
        const p = ((y + Math.floor(o / side)) * w + (x + (o % side))) * 3;
        const a = pixels[p]! - m0;
        const b = pixels[p + 1]! - m1;
        const e = pixels[p + 2]! - m2;
        dev[o * 3] = a;
        dev[o * 3 + 1] = b;
        dev[o * 3 + 2] = e;
        s00 += a * a;
        s01 += a * b;
        s02 += a * e;
        s11 += b * b;
        s12 += b * e;
        s22 += e * e;
      }
      const reg = epsilon / n;
      s00 = s00 / n + reg;
      s11 = s11 / n + reg;
      s22 = s22 / n + reg;
      s01 /= n;
      s02 /= n;
      s12 /= n;
      // Symmetric 3×3 inverse by cofactors (positive definite: the determinant is > 0).
      const c00 = s11 * s22 - s12 * s12;
      const c01 = s02 * s12 - s01 * s22;
      const c02 = s01 * s12 - s02 * s11;
      const c11 = s00 * s22 - s02 * s02;
      const c12 = s01 * s02 - s00 * s12;
      const c22 = s00 * s11 - s01 * s01;
      const det = s00 * c00 + s01 * c01 + s02 * c02;
      const q = k * 9;
      inverse[q] = c00 / det;
      inverse[q + 1] = inverse[q + 3] = c01 / det;
      inverse[q + 2] = inverse[q + 6] = c02 / det;
      inverse[q + 4] = c11 / det;
      inverse[q + 5] = inverse[q + 7] = c12 / det;
      inverse[q + 8] = c22 / det;
      deviations.set(dev, k * n * 3);
    }
  }
  const devT = tf.tensor(deviations, [1, hw, ww, n, 3]) as tf.Tensor5D;
  const invT = tf.tensor(inverse, [1, hw, ww, 3, 3]) as tf.Tensor5D;
  let disposed = false;

  // The 0/1 filter [side, side, 1, n] that copies pixel k + o to channel o of window k: conv2d
  // with it gathers every window's pixels, conv2dTranspose with it adds each window's terms back
  // to their pixels. The gather is exact (one product by 1 per value).
  const offsets = new Float32Array(n * n);
  for (let o = 0; o < n; o++) offsets[o * n + o] = 1;
  const patchFilter = tf.tensor4d(offsets, [side, side, 1, n]);

  /** `L v`, from tf ops; `multiply` gives it its gradient (L is symmetric). */
  const apply = (t: tf.Tensor4D): tf.Tensor4D =>
    tf.tidy(() => {
      const ch = t.shape[3];
      // The channels of v are independent images: [c, h, w, 1].
      const images = tf.transpose(t, [3, 1, 2, 0]) as tf.Tensor4D;
      // v_{k+o} for each window k and offset o: [c, hw, ww, n].
      const patches = tf.conv2d(images, patchFilter, 1, 'valid');
      const sum = tf.sum(patches, 3, true); // S_k: [c, hw, ww, 1]
      // T_k = Σ_o D_{k,o} v_{k+o}: [c, hw, ww, 3].
      const tk = tf.sum(tf.mul(devT, tf.expandDims(patches, 4)), 3);
      // A_k T_k: [c, hw, ww, 3].
      const at = tf.sum(tf.mul(invT, tf.expandDims(tk, 3)), 4);
      // u_{k,o} = (S_k + D_{k,o}ᵀ A_k T_k) / n: [c, hw, ww, n].
      const projected = tf.sum(tf.mul(devT, tf.expandDims(at, 3)), 4);
      const u = tf.div(tf.add(sum, projected), n);
      // Each window's term for pixel k + o goes back to that pixel.
      const out = tf.conv2dTranspose(tf.sub(patches, u) as tf.Tensor4D, patchFilter, [ch, h, w, 1], 1, 'valid');
      return tf.transpose(out, [3, 1, 2, 0]) as tf.Tensor4D;
    });

  // L is symmetric, so the gradient of L v with respect to v, given dy, is L dy: one more product
  // instead of the gradients of every op above.
  const applyWithGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: apply(args[0] as tf.Tensor4D),
    gradFunc: (dy: tf.Tensor) => apply(dy as tf.Tensor4D),
  }));

  const multiply = (v: tf.Tensor4D): tf.Tensor4D => {
    const owner = 'MattingLaplacian.multiply';
    if (disposed) throw new Error(`${owner}: the Laplacian was disposed.`);
    const t = checkTensor<tf.Tensor4D>(owner, 'v', v, 4, '[1, h, w, c]');
    if (t.shape[0] !== 1 || t.shape[1] !== h || t.shape[2] !== w) {
      throw new Error(`${owner}: v must have shape [1, ${h}, ${w}, c] like the image, got ${formatShape(t.shape)}.`);
    }
    return applyWithGradient(t) as tf.Tensor4D;
  };

  return {
    height: h,
    width: w,
    multiply,
    quadraticForm(v: tf.Tensor4D): tf.Scalar {
      return tf.tidy(() => tf.sum(tf.mul(v, multiply(v))) as tf.Scalar); // multiply checks v
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      tf.dispose([devT, invT, patchFilter]);
    },
  };
}
