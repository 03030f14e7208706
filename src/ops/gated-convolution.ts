import * as tf from '@tensorflow/tfjs-core';
import { checkOneOf, checkOptions, checkPair } from '../core/checks';
import { dilatedConv2d } from './dilated-conv2d';
import { GATED_ACTIVATIONS, gatedActivation, type GatedActivationName } from './gated-activation';
import { checkAxis, checkTensor } from './internal/check-tensor';

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
 * @throws Error when x, kernel or bias is not a tensor of the right rank and size, when a gated
 *   kernel has an odd number of output channels, or when an option is malformed.
 */
export function gatedConvolution(
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
  bias: tf.Tensor1D | null,
  options: GatedConvolutionOptions = {},
): tf.Tensor4D {
  const owner = 'gatedConvolution';
  checkTensor(owner, 'x', x, 4, '[n, h, w, in]');
  checkTensor(owner, 'kernel', kernel, 4, '[kh, kw, in, out]');
  checkAxis(owner, 'kernel', kernel, 2, x.shape[3], "input channels (x's last axis)");
  const o = checkOptions(owner, 'options', options);
  const activation = o.activation === undefined ? 'elu' : o.activation;
  if (activation !== null) {
    checkOneOf(owner, 'activation', activation, [...GATED_ACTIVATIONS, null]);
    if (kernel.shape[3] % 2 !== 0) {
      throw new Error(
        `${owner}: kernel must have an even number of output channels (features and gates) when gated, ` +
          `got shape [${kernel.shape.join(', ')}].`,
      );
    }
  }
  if (bias !== null && bias !== undefined) {
    checkTensor(owner, 'bias', bias, 1, '[out]');
    checkAxis(owner, 'bias', bias, 0, kernel.shape[3], "values (kernel's output channels)");
  }
  const strides = checkPair(owner, 'strides', o.strides ?? [1, 1], 1);
  const padding = checkOneOf(owner, 'padding', o.padding ?? 'same', ['same', 'valid'] as const);
  const dilationRate = checkPair(owner, 'dilationRate', o.dilationRate ?? [1, 1], 1);
  return tf.tidy(() => {
    // dilatedConv2d: tf.conv2d has no gradient for dilation > 1 (DeepFill's atrous layers).
    let y = dilatedConv2d(x, kernel, strides, padding, dilationRate);
    if (bias) y = tf.add(y, bias);
    return activation === null ? y : (gatedActivation(y, activation) as tf.Tensor4D);
  });
}
