import * as tf from '@tensorflow/tfjs-core';
import { checkError, checkPositiveInteger } from '../core/checks';
import { alignCornersSourceIndices } from './resize-nearest-align-corners';

/** Options of {@link contextualPatchAttention}; defaults are DeepFill's. */
export interface ContextualPatchAttentionOptions {
  /** Matching patch size (odd). Default 3. */
  kernelSize?: number;
  /** Downscaling rate for matching; raw patches are 2*rate wide with stride rate. Default 2. */
  rate?: number;
  /** Size of the identity kernel that fuses neighbouring scores (odd). Default 3. */
  fuseK?: number;
  /** Scale of the scores inside the softmax. Default 10. */
  softmaxScale?: number;
  /** Fuse scores to favour large coherent patches. Default true. */
  fuse?: boolean;
}

/** TF 'SAME' padding split (before, after). */
function samePads(n: number, k: number, s: number): [number, number] {
  const t = Math.max((Math.ceil(n / s) - 1) * s + k - n, 0);
  return [Math.floor(t / 2), t - Math.floor(t / 2)];
}

/** Nearest downscale with align_corners=True, as gathers (differentiable on every backend). */
function downscale(x: tf.Tensor4D, oh: number, ow: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  const rows = tf.gather(x, alignCornersSourceIndices(h, oh), 1);
  return tf.gather(rows, alignCornersSourceIndices(w, ow), 2) as tf.Tensor4D;
}

/**
 * TF `extract_image_patches(x, k, stride, SAME)` for one image, as a conv filter [k, k, C, L]
 * (L = number of patches, row-major over patch centres).
 */
function patchesAsFilter(x: tf.Tensor4D, k: number, stride: number): tf.Tensor4D {
  const [, h, w, c] = x.shape;
  const oh = Math.ceil(h / stride);
  const ow = Math.ceil(w / stride);
  const [pt, pb] = samePads(h, k, stride);
  const [pl, pr] = samePads(w, k, stride);
  // Extra zeros after the SAME padding so that every tap can take a window of stride * o rows /
  // columns and subsample it by a reshape (tfjs has no gradient for stridedSlice).
  const hp = Math.max(h + pt + pb, k - 1 + stride * oh);
  const wp = Math.max(w + pl + pr, k - 1 + stride * ow);
  const xp = tf.pad(x, [
    [0, 0],
    [pt, hp - h - pt],
    [pl, wp - w - pl],
    [0, 0],
  ]);
  const taps: tf.Tensor[] = [];
  for (let dy = 0; dy < k; dy++) {
    for (let dx = 0; dx < k; dx++) {
      let t: tf.Tensor = tf.slice(xp, [0, dy, dx, 0], [1, stride * oh, stride * ow, c]);
      if (stride > 1) {
        t = tf.slice(tf.reshape(t, [oh, stride, stride * ow, c]), [0, 0, 0, 0], [oh, 1, stride * ow, c]);
        t = tf.slice(tf.reshape(t, [oh * ow, stride, c]), [0, 0, 0], [oh * ow, 1, c]);
      }
      taps.push(tf.reshape(t, [oh * ow, c]));
    }
  }
  // [k*k, L, C] -> [k, k, C, L]
  return tf.transpose(tf.reshape(tf.stack(taps), [k, k, oh * ow, c]), [0, 1, 3, 2]) as tf.Tensor4D;
}

/**
 * Convolution with an identity k x k kernel over a [1, H, W, 1] score image ('SAME', odd k):
 * out[i, j] = sum over t of y[i + t, j + t], t from -p to p (p = (k - 1) / 2), zeros outside.
 * With p zero columns appended to each row, the image flattened has rows of W + p values, and
 * (i + t, j + t) sits t * (W + p + 1) values after (i, j); a neighbour past a row's end or
 * before its start lands in the zero columns, one past the first or last row in the zeros
 * shifted in. So the sum is k shifted copies of one flat vector, all contiguous copies: a
 * one-channel convolution over a million-entry score map ran at about 0.2 GMAC/s on wasm, and
 * this takes half its time, gradient included.
 */
function diagonalSum(y: tf.Tensor4D, k: number): tf.Tensor4D {
  const [, h, w] = y.shape;
  const p = (k - 1) / 2;
  if (p === 0) return y;
  const row = w + p;
  const n = h * row;
  const z = tf.reshape(tf.concat([tf.reshape(y, [h, w]), tf.zeros([h, p])], 1), [n]);
  const shifted: tf.Tensor[] = [z];
  for (let t = 1; t <= p; t++) {
    const s = Math.min(t * (row + 1), n);
    // z[m + s] (next rows) and z[m - s] (previous rows), zeros where they leave the image.
    shifted.push(tf.concat([tf.slice(z, [s], [n - s]), tf.zeros([s])]));
    shifted.push(tf.concat([tf.zeros([s]), tf.slice(z, [0], [n - s])]));
  }
  const sum = tf.reshape(tf.addN(shifted), [h, row]);
  return tf.reshape(tf.slice(sum, [0, 0], [h, w]), [1, h, w, 1]);
}

/**
 * Contextual attention of DeepFill v1/v2 (Yu et al. 2018, "Generative Image Inpainting with
 * Contextual Attention", https://arxiv.org/abs/1801.07892), a faithful port of
 * generative_inpainting's `inpaint_ops.contextual_attention` (stride 1): every foreground
 * position is rebuilt as a softmax-weighted sum of background patches.
 * The layer `ContextualAttention` (factory `contextualAttention`) wraps this op.
 *
 * - raw patches: 2*rate x 2*rate patches of full-resolution b with stride rate (TF SAME);
 * - matching: f and b downscaled by 1/rate, the mask to the same size (nearest,
 *   align_corners=True, `resizeNearestAlignCorners`'s indices);
 *   kernelSize patches of b, each divided by max(||p||, 1e-4), convolved with f ('SAME');
 * - fuse: an identity fuseK x fuseK convolution over the flattened score map, twice with a
 *   transpose in between (favours coherent shifts);
 * - mm = 1 for background patches whose mask patch mean is 0 (no hole pixel);
 *   softmax(softmaxScale * scores * mm) over background positions, times mm;
 * - paste: conv2dTranspose of the attention map with the raw patches (stride rate) / 4.
 *
 * Input shape: f [n, h, w, c]; b [n, hb, wb, c]; mask [1 or n, k hb / rate, k wb / rate, 1]
 * (1 = hole) for a positive integer k, with h, w, hb, wb multiples of `rate`. The mask is
 * resized to the matching size [hb / rate, wb / rate] in one step: the TF original passes it at
 * b's size (k = rate); deepfillv2-pytorch's port passes DeepFill's full-resolution mask (k = 8
 * there), which picks different mask pixels than resizing to b's size first. DeepFill calls it
 * with f = b and a [1, h, w, 1] mask; a per-item mask [n, ...] is an extension (the TF code
 * only handles one mask for the batch).
 * Output shape: [n, h, w, c].
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, ops } from 'tfjs-synth';
 * await initBackend();
 * const x = tf.randomNormal([1, 16, 16, 8]) as tf.Tensor4D;
 * const mask = tf.pad(tf.ones([1, 8, 8, 1]), [[0, 0], [4, 4], [4, 4], [0, 0]]) as tf.Tensor4D;
 * const y = ops.contextualPatchAttention(x, x, mask); // [1, 16, 16, 8]
 * ```
 * @throws Error naming the argument when shapes or options are invalid.
 */
export function contextualPatchAttention(
  f: tf.Tensor4D,
  b: tf.Tensor4D,
  mask: tf.Tensor4D,
  options: ContextualPatchAttentionOptions = {},
): tf.Tensor4D {
  const k = options.kernelSize ?? 3;
  const rate = options.rate ?? 2;
  const fuseK = options.fuseK ?? 3;
  const scale = options.softmaxScale ?? 10;
  const fuse = options.fuse ?? true;
  const owner = 'contextualPatchAttention';
  checkContextualAttentionOptions(owner, k, rate, fuseK, scale);
  if (f.rank !== 4 || b.rank !== 4 || mask.rank !== 4) {
    throw new Error(
      `${owner}: f, b and mask must be rank 4 (NHWC), got f [${f.shape.join(', ')}], b [${b.shape.join(', ')}], mask [${mask.shape.join(', ')}].`,
    );
  }
  const [n, fh0, fw0, c] = f.shape;
  const [nb, bh0, bw0, cb] = b.shape;
  if (nb !== n || cb !== c) {
    throw new Error(
      `${owner}: b [${b.shape.join(', ')}] must have the batch size and channels of f [${f.shape.join(', ')}].`,
    );
  }
  for (const [name, v] of [
    ['f height', fh0],
    ['f width', fw0],
    ['b height', bh0],
    ['b width', bw0],
  ] as const) {
    if (v % rate !== 0) throw new Error(`${owner}: ${name} ${v} must be a multiple of rate ${rate}.`);
  }
  const fh = fh0 / rate;
  const fw = fw0 / rate;
  const bh = bh0 / rate;
  const bw = bw0 / rate;
  const [mn, mh, mw, mc] = mask.shape;
  const maskScale = mh / bh;
  if (mc !== 1 || (mn !== 1 && mn !== n) || !Number.isInteger(maskScale) || maskScale < 1 || mw !== maskScale * bw) {
    throw new Error(
      `${owner}: mask must be [1 or ${n}, ${bh0}, ${bw0}, 1] (the background's spatial size) or another whole multiple ` +
        `of the matching size [${bh}, ${bw}], got [${mask.shape.join(', ')}].`,
    );
  }
  const L = bh * bw;
  return tf.tidy(() => {
    const fd = downscale(f, fh, fw);
    const bd = downscale(b, bh, bw);
    // mm [n or 1, L]: background patches without any hole pixel (sum == 0 <=> mean == 0 for a
    // non-negative mask; the mask carries no gradient, as in the reference).
    const md = downscale(mask, bh, bw);
    const maskSums = tf.conv2d(md, tf.ones([k, k, 1, 1]) as tf.Tensor4D, 1, 'same');
    const mm = tf.cast(tf.equal(tf.reshape(maskSums, [mask.shape[0], L]), 0), 'float32');
    const item = (t: tf.Tensor4D, i: number): tf.Tensor4D =>
      n === 1 ? t : tf.slice(t, [i, 0, 0, 0], [1, t.shape[1], t.shape[2], t.shape[3]]);
    const outs: tf.Tensor[] = [];
    for (let i = 0; i < n; i++) {
      const rawW = patchesAsFilter(item(b, i), 2 * rate, rate); // [2r, 2r, C, L]
      const w = patchesAsFilter(item(bd, i), k, 1); // [k, k, C, L]
      const norms = tf.maximum(tf.sqrt(tf.sum(tf.square(w), [0, 1, 2])), 1e-4);
      let y = tf.conv2d(item(fd, i), tf.div(w, norms) as tf.Tensor4D, 1, 'same'); // [1, fh, fw, L]
      if (fuse) {
        let s: tf.Tensor = diagonalSum(tf.reshape(y, [1, fh * fw, L, 1]), fuseK);
        s = tf.transpose(tf.reshape(s, [1, fh, fw, bh, bw]), [0, 2, 1, 4, 3]);
        s = diagonalSum(tf.reshape(s, [1, fw * fh, bw * bh, 1]), fuseK);
        s = tf.transpose(tf.reshape(s, [1, fw, fh, bw, bh]), [0, 2, 1, 4, 3]);
        y = tf.reshape(s, [1, fh, fw, L]);
      }
      const mmi = tf.reshape(mask.shape[0] === 1 ? mm : tf.slice(mm, [i, 0], [1, L]), [1, 1, 1, L]);
      const attention = tf.mul(tf.softmax(tf.mul(tf.mul(y, mmi), scale)), mmi) as tf.Tensor4D;
      outs.push(tf.div(tf.conv2dTranspose(attention, rawW, [1, fh0, fw0, c], rate, 'same'), 4));
    }
    return (n === 1 ? outs[0]! : tf.concat(outs, 0)) as tf.Tensor4D;
  });
}

/**
 * The same function as {@link contextualPatchAttention}.
 *
 * @deprecated Use {@link contextualPatchAttention}: `contextualAttention` at the top level is the
 * layer factory (`ContextualAttention`), so the op has a name of its own. This alias goes in the
 * next minor version.
 */
export const contextualAttention = contextualPatchAttention;

/** @deprecated Use {@link ContextualPatchAttentionOptions}; this alias goes in the next minor version. */
export type ContextualAttentionOptions = ContextualPatchAttentionOptions;

/** @internal Validates the contextual attention options; shared by the op and the layer. */
export function checkContextualAttentionOptions(
  owner: string,
  kernelSize: number,
  rate: number,
  fuseK: number,
  softmaxScale: number,
): void {
  for (const [name, v] of [
    ['kernelSize', kernelSize],
    ['fuseK', fuseK],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0 || v % 2 === 0) throw checkError(owner, name, 'a positive odd integer', v);
  }
  checkPositiveInteger(owner, 'rate', rate);
  if (!(softmaxScale > 0)) throw checkError(owner, 'softmaxScale', 'positive', softmaxScale);
}
