/**
 * Argument checks shared by the image-comparison metrics (PSNR, SSIM, MS-SSIM): two NHWC
 * images of one shape, a data range, and an optional mask. Everything is checked before any
 * tensor is allocated.
 * @internal
 */
import type * as tf from '@tensorflow/tfjs-core';
import { checkError, checkNumber } from '../../core/checks';
import { checkTensor, formatShape } from '../../ops/internal/check-tensor';

/** The largest mask the metrics read back to check (elements); larger masks are refused. */
const MAX_MASK_ELEMENTS = 1 << 28;

/** Checks `a` and `b`: live float tensors of rank 4 [n, h, w, c] and of the same shape. */
export function checkImagePair(owner: string, a: unknown, b: unknown): [tf.Tensor4D, tf.Tensor4D] {
  const x = checkTensor<tf.Tensor4D>(owner, 'a', a, 4, '[n, h, w, c]');
  const y = checkTensor<tf.Tensor4D>(owner, 'b', b, 4, '[n, h, w, c]');
  if (!x.shape.every((d, i) => d === y.shape[i])) {
    throw new Error(
      `${owner}: a and b must have the same shape, got a ${formatShape(x.shape)} and b ${formatShape(y.shape)}.`,
    );
  }
  if (x.size === 0) throw new Error(`${owner}: a must not be empty, got shape ${formatShape(x.shape)}.`);
  for (const [arg, t] of [
    ['a', x],
    ['b', y],
  ] as const) {
    if (t.dtype !== 'float32' && t.dtype !== 'int32')
      throw checkError(owner, arg, 'a float32 or int32 tensor', t.dtype);
  }
  return [x, y];
}

/** The data range L (the difference between the largest and smallest possible value). */
export function checkMaxVal(owner: string, value: unknown): number {
  return value === undefined ? 1 : checkNumber(owner, 'maxVal', value, { min: 0, minExclusive: true });
}

/**
 * Checks an optional mask against images of shape `imageShape`: a float tensor [n, h, w, 1] of
 * values in [0, 1]. `region` is the window-centre crop the metric averages over (0 for PSNR);
 * every image must keep some weight inside it, or the masked mean would be 0/0. Reads the mask
 * back once (bounded in size) so that an empty mask fails here, not as a NaN later.
 */
export function checkMask(
  owner: string,
  mask: unknown,
  imageShape: readonly number[],
  region = 0,
): tf.Tensor4D | undefined {
  if (mask === undefined) return undefined;
  const m = checkTensor<tf.Tensor4D>(owner, 'mask', mask, 4, '[n, h, w, 1]');
  const [n, h, w] = imageShape as [number, number, number];
  if (m.shape[0] !== n || m.shape[1] !== h || m.shape[2] !== w || m.shape[3] !== 1) {
    throw new Error(
      `${owner}: mask must have shape [${n}, ${h}, ${w}, 1] to match the images, got ${formatShape(m.shape)}.`,
    );
  }
  if (m.size > MAX_MASK_ELEMENTS) throw new Error(`${owner}: mask is too large (${m.size} elements).`);
  const values = m.dataSync();
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(v >= 0 && v <= 1)) throw checkError(owner, 'mask', 'a tensor of values in [0, 1]', v);
  }
  for (let b = 0; b < n; b++) {
    let sum = 0;
    for (let y = region; y < h - region; y++) {
      for (let x = region; x < w - region; x++) sum += values[(b * h + y) * w + x]!;
    }
    if (sum === 0) {
      const where = region > 0 ? ` (at least ${region} pixels from the border, where the window fits)` : '';
      throw new Error(
        `${owner}: mask of image ${b} is empty${where}; a masked metric needs at least one masked pixel.`,
      );
    }
  }
  return m;
}
