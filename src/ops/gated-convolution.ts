import * as tf from '@tensorflow/tfjs-core';
import { dilatedConv2d } from './dilated-conv2d';
import { gatedActivation, type GatedActivationName } from './gated-activation';

/** Options of {@link gatedConvolution}. */
export interface GatedConvolutionOptions {
  /** Strides [sh, sw]. Default [1, 1]. */
  strides?: [number, number];
  /** 'same' (TF padding, as DeepFill) or 'valid'. Default 'same'. */
  padding?: 'same' | 'valid';
  /** Dilation [dh, dw]. Default [1, 1]. */
  dilationRate?: [number, number];
  /** Feature activation; null returns the raw convolution without gating. Default 'elu'. */
  activation?: GatedActivationName | null;
}

/**
 * A gated convolution (Yu et al. 2019, "Free-Form Image Inpainting with Gated Convolution",
 * https://arxiv.org/abs/1806.03589): `conv2d(x, kernel) + bias`, then
 * {@link gatedActivation} over the output channels (first half features, second half gates).
 *
 * Input shape: x [n, h, w, in]; kernel [kh, kw, in, 2 * filters]; bias [2 * filters] or null.
 * Output shape: [n, h', w', filters]. When `activation` is null the kernel has `filters` output
 * channels (not 2 * filters) and the raw convolution is returned, as DeepFill does for its RGB layer.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, ops } from 'tfjs-synth';
 * await initBackend();
 * const x = tf.randomNormal<tf.Rank.R4>([1, 8, 8, 3]);
 * const kernel = tf.randomNormal<tf.Rank.R4>([3, 3, 3, 8]);
 * const y = ops.gatedConvolution(x, kernel, null); // [1, 8, 8, 4]
 * ```
 */
export function gatedConvolution(
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
  bias: tf.Tensor1D | null,
  options: GatedConvolutionOptions = {},
): tf.Tensor4D {
  const activation = options.activation === undefined ? 'elu' : options.activation;
  return tf.tidy(() => {
    // dilatedConv2d: tf.conv2d has no gradient for dilation > 1 (DeepFill's atrous layers).
    let y = dilatedConv2d(x, kernel, options.strides ?? [1, 1], options.padding ?? 'same', options.dilationRate ?? [1, 1]);
    if (bias) y = tf.add(y, bias);
    return activation === null ? y : (gatedActivation(y, activation) as tf.Tensor4D);
  });
}
