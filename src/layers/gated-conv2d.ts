import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkError, describeValue } from '../core/checks';
import { GATED_ACTIVATIONS, type GatedActivationName } from '../ops/gated-activation';
import { gatedConvolution } from '../ops/gated-convolution';
import { ConvLayer } from './internal/conv-layer';
import type { InitializerArg } from './internal/initializers';
import { checkNhwcShape, knownChannels, nhwcInput, singleInput, singleShape } from './internal/shapes';
import type { Kwargs } from './internal/kwargs';

/** Arguments of {@link GatedConv2D}. */
export interface GatedConv2DArgs {
  /** Output channels (the convolution itself has `2 * filters` when gated). Required, > 0. */
  filters: number;
  /** Kernel size, a number or [kh, kw]. Required. */
  kernelSize: number | [number, number];
  /** Strides, a number or [sh, sw]. Default 1. */
  strides?: number | [number, number];
  /** 'same' (TF padding, as DeepFill) or 'valid'. Default 'same'. */
  padding?: 'same' | 'valid';
  /** Dilation, a number or [dh, dw]. Default 1 (DeepFill's atrous layers use 2, 4, 8, 16). */
  dilationRate?: number | [number, number];
  /**
   * Feature activation; the gate is always a sigmoid. Default 'elu' (DeepFill). `null` disables
   * gating: the convolution then has `filters` channels and its raw output is returned, as
   * DeepFill does for its RGB output layer.
   */
  activation?: GatedActivationName | null;
  /** Add a bias. Default true. */
  useBias?: boolean;
  /** Kernel initializer. Default 'glorotUniform' (TF's conv2d default, used by DeepFill). */
  kernelInitializer?: InitializerArg;
  /** Bias initializer. Default 'zeros'. */
  biasInitializer?: InitializerArg;
  /** Layer name. Default: generated. */
  name?: string;
  /** Whether the weights are trainable. Default true. */
  trainable?: boolean;
}

/** Output length of a TF-style convolution along one axis. */
function convOutputLength(
  n: number | null,
  kernel: number,
  stride: number,
  dilation: number,
  padding: 'same' | 'valid',
): number | null {
  if (n === null) return null;
  if (padding === 'same') return Math.ceil(n / stride);
  return Math.ceil((n - (kernel - 1) * dilation) / stride);
}

/**
 * Gated convolution of DeepFill v2 (Yu et al. 2019, "Free-Form Image Inpainting with Gated
 * Convolution", https://arxiv.org/abs/1806.03589; `gen_conv` in generative_inpainting).
 *
 * One convolution with `2 * filters` output channels; the first `filters` channels are features,
 * the last `filters` are gates, and the output is `activation(features) * sigmoid(gates)`.
 * Weights `kernel` [kh, kw, in, 2 * filters] and `bias` [2 * filters] have DeepFill's TF layout,
 * so its checkpoints load without reshuffling.
 *
 * Input shape: [batch, h, w, in]. Output shape: [batch, h', w', filters] with h' = ceil(h / sh)
 * for 'same' padding.
 *
 * Porting note: DeepFill's TF code pads 'SAME' (asymmetric for even kernels / strided
 * convolutions), which is what 'same' does here; a PyTorch port of DeepFill using symmetric
 * padding differs at the borders.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, gatedConv2d } from 'tfjs-synth';
 * await initBackend();
 * const layer = gatedConv2d({ filters: 24, kernelSize: 5 });
 * const y = layer.apply(tf.zeros([1, 64, 64, 5])) as tf.Tensor; // [1, 64, 64, 24]
 * ```
 */
export class GatedConv2D extends ConvLayer {
  static className = 'GatedConv2D';
  readonly padding: 'same' | 'valid';
  readonly activation: GatedActivationName | null;

  constructor(args: GatedConv2DArgs) {
    // filters, kernelSize, strides, dilationRate, useBias and the initializers: ConvLayer.
    super(args);
    const owner = (this.constructor as typeof GatedConv2D).className;
    this.padding = args.padding ?? 'same';
    if (this.padding !== 'same' && this.padding !== 'valid') {
      throw checkError(owner, 'padding', "'same' or 'valid'", args.padding);
    }
    if ((this.strides[0] > 1 || this.strides[1] > 1) && (this.dilationRate[0] > 1 || this.dilationRate[1] > 1)) {
      throw new Error(
        `${owner}: strides ${JSON.stringify(this.strides)} and dilationRate ${JSON.stringify(this.dilationRate)} cannot both exceed 1.`,
      );
    }
    this.activation = args.activation === undefined ? 'elu' : args.activation;
    if (this.activation !== null && !GATED_ACTIVATIONS.includes(this.activation)) {
      throw new Error(
        `${owner}: unknown activation ${describeValue(args.activation)}; valid: ${GATED_ACTIVATIONS.join(', ')} or null.`,
      );
    }
  }

  /** Output channels of the convolution itself: `2 * filters` when gated, else `filters`. */
  get convChannels(): number {
    return this.activation === null ? this.filters : 2 * this.filters;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = singleShape(inputShape);
    const owner = this.getClassName();
    checkNhwcShape(owner, shape);
    this.buildKernel(knownChannels(owner, shape), this.convChannels);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() =>
      gatedConvolution(
        nhwcInput(this.getClassName(), singleInput(inputs)),
        this.kernel!.read() as tf.Tensor4D,
        this.bias ? (this.bias.read() as tf.Tensor1D) : null,
        { strides: this.strides, padding: this.padding, dilationRate: this.dilationRate, activation: this.activation },
      ),
    );
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = singleShape(inputShape);
    return [
      s[0] ?? null,
      convOutputLength(s[1] ?? null, this.kernelSize[0], this.strides[0], this.dilationRate[0], this.padding),
      convOutputLength(s[2] ?? null, this.kernelSize[1], this.strides[1], this.dilationRate[1], this.padding),
      this.filters,
    ];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), padding: this.padding, activation: this.activation };
  }
}

/**
 * Creates a {@link GatedConv2D} (DeepFill v2 gated convolution, Yu et al. 2019,
 * https://arxiv.org/abs/1806.03589).
 *
 * Input shape: [batch, h, w, in]. Output shape: [batch, h', w', filters].
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, gatedConv2d } from 'tfjs-synth';
 * await initBackend();
 * const down = gatedConv2d({ filters: 48, kernelSize: 3, strides: 2 });
 * const y = down.apply(tf.zeros([1, 64, 64, 24])) as tf.Tensor; // [1, 32, 32, 48]
 * ```
 */
export function gatedConv2d(args: GatedConv2DArgs): GatedConv2D {
  return new GatedConv2D(args);
}
