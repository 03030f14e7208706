import * as tf from '@tensorflow/tfjs-core';
import { dilatedConv2d } from './dilated-conv2d';
import { stopGradient } from './stop-gradient';

/** Options of {@link partialConvolution}. */
export interface PartialConvolutionOptions {
  /** Strides [sh, sw]. Default [1, 1]. */
  strides?: [number, number];
  /** Symmetric zero padding [ph, pw] added to image and mask before a 'valid' convolution. Default [0, 0]. */
  padding?: [number, number];
  /** Dilation [dh, dw]. Default [1, 1]. */
  dilationRate?: [number, number];
}

/**
 * Partial convolution (Liu et al. 2018, "Image Inpainting for Irregular Holes Using Partial
 * Convolutions", https://arxiv.org/abs/1804.07723), as NVIDIA's reference `PartialConv2d`:
 *
 * - count = conv(mask, ones) (valid pixels in each window); window = maskChannels * kh * kw;
 * - updatedMask = clip(count, 0, 1); ratio = window / (count + 1e-8) * updatedMask;
 * - out = (conv(x * mask) * ratio + bias) * updatedMask (no bias: conv(x * mask) * ratio).
 *
 * The mask has 1 channel (window kh*kw) or the image's channels (multi-channel, window
 * in*kh*kw). As in the reference, no gradient flows through count / ratio / updatedMask (they
 * are computed under no_grad there), while `x * mask` is differentiated normally.
 *
 * Input shape: x [n, h, w, in]; mask [n, h, w, 1 or in]; kernel [kh, kw, in, out]; bias [out] or null.
 * Output: output [n, h', w', out]; updatedMask [n, h', w', 1] (single-channel mask) or
 * [n, h', w', out] (multi-channel mask, all channels equal, as the reference returns).
 *
 * Porting note: padding is explicit symmetric zero padding like PyTorch's `padding` argument,
 * not TF's 'same'.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, ops } from 'tfjs-synth';
 * await initBackend();
 * const x = tf.randomNormal<tf.Rank.R4>([1, 8, 8, 3]);
 * const mask = tf.ones<tf.Rank.R4>([1, 8, 8, 1]);
 * const { output, updatedMask } = ops.partialConvolution(x, mask, tf.randomNormal<tf.Rank.R4>([3, 3, 3, 4]), null, { padding: [1, 1] });
 * // output [1, 8, 8, 4], updatedMask [1, 8, 8, 1]
 * ```
 * @throws Error when shapes are inconsistent.
 */
export function partialConvolution(
  x: tf.Tensor4D,
  mask: tf.Tensor4D,
  kernel: tf.Tensor4D,
  bias: tf.Tensor1D | null,
  options: PartialConvolutionOptions = {},
): { output: tf.Tensor4D; updatedMask: tf.Tensor4D } {
  if (x.rank !== 4 || mask.rank !== 4) {
    throw new Error(
      `partialConvolution: x and mask must be rank 4 (NHWC), got x [${x.shape.join(', ')}] and mask [${mask.shape.join(', ')}].`,
    );
  }
  if (mask.shape[0] !== x.shape[0] || mask.shape[1] !== x.shape[1] || mask.shape[2] !== x.shape[2]) {
    throw new Error(
      `partialConvolution: mask [${mask.shape.join(', ')}] must have the batch and spatial size of x [${x.shape.join(', ')}].`,
    );
  }
  const maskChannels = mask.shape[3];
  if (maskChannels !== 1 && maskChannels !== x.shape[3]) {
    throw new Error(
      `partialConvolution: mask must have 1 channel or the ${x.shape[3]} channels of x, got ${maskChannels}.`,
    );
  }
  const [kh, kw, , outChannels] = kernel.shape;
  const strides = options.strides ?? [1, 1];
  const [ph, pw] = options.padding ?? [0, 0];
  const dilation = options.dilationRate ?? [1, 1];
  const window = maskChannels * kh * kw;
  return tf.tidy(() => {
    // dilatedConv2d: tf.conv2d has no gradient for dilation > 1.
    const pads: [[number, number], [number, number]] = [
      [ph, ph],
      [pw, pw],
    ];
    const m = stopGradient(mask);
    const count = dilatedConv2d(m, tf.ones([kh, kw, maskChannels, 1]) as tf.Tensor4D, strides, pads, dilation);
    const updated = tf.clipByValue(count, 0, 1);
    const ratio = tf.mul(tf.div(tf.scalar(window), tf.add(count, 1e-8)), updated);
    const raw = dilatedConv2d(tf.mul(x, mask) as tf.Tensor4D, kernel, strides, pads, dilation);
    const output = bias ? tf.mul(tf.add(tf.mul(raw, ratio), bias), updated) : tf.mul(raw, ratio);
    const updatedMask = maskChannels === 1 ? updated : tf.tile(updated, [1, 1, 1, outChannels]);
    return { output: output as tf.Tensor4D, updatedMask: updatedMask as tf.Tensor4D };
  });
}
