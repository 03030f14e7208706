import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkPair } from '../core/checks';
import { partialConvolution } from '../ops/partial-convolution';
import { ConvLayer } from './internal/conv-layer';
import type { InitializerArg } from './internal/initializers';
import type { Kwargs } from './internal/kwargs';

/** Arguments of {@link PartialConv2D}. */
export interface PartialConv2DArgs {
  /** Output channels. Required, > 0. */
  filters: number;
  /** Kernel size, a number or [kh, kw]. Required. */
  kernelSize: number | [number, number];
  /** Strides, a number or [sh, sw]. Default 1. */
  strides?: number | [number, number];
  /**
   * Symmetric zero padding on each side, a number or [ph, pw], like PyTorch's `padding`.
   * Default 0 (PyTorch's default); use (k - 1) / 2 to keep the size at stride 1.
   */
  padding?: number | [number, number];
  /** Dilation, a number or [dh, dw]. Default 1. */
  dilationRate?: number | [number, number];
  /**
   * Mask with the image's channels (window in*kh*kw, updated mask with `filters` channels)
   * instead of one channel (window kh*kw, updated mask with 1 channel). Default false.
   */
  multiChannel?: boolean;
  /** Add a bias (kept out of the renormalisation, as in the reference). Default true. */
  useBias?: boolean;
  /** Kernel initializer. Default 'glorotUniform' (the tfjs convention; PyTorch weights load over it). */
  kernelInitializer?: InitializerArg;
  /** Bias initializer. Default 'zeros'. */
  biasInitializer?: InitializerArg;
  /** Layer name. Default: generated. */
  name?: string;
  /** Whether the weights are trainable. Default true. */
  trainable?: boolean;
}

function outLength(n: number | null, k: number, s: number, d: number, p: number): number | null {
  return n === null ? null : Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1;
}

/**
 * Partial convolution (Liu et al. 2018, "Image Inpainting for Irregular Holes Using Partial
 * Convolutions", https://arxiv.org/abs/1804.07723; NVIDIA/partialconv `PartialConv2d` with
 * `return_mask=True`). Takes `[image, mask]` (mask 1 = valid, 0 = hole) and returns
 * `[output, updatedMask]`: the convolution sees only valid pixels, is rescaled by
 * window / validCount, and the mask grows by one kernel footprint per layer.
 *
 * Weights: `kernel` [kh, kw, in, filters] (PyTorch's weight permuted (2, 3, 1, 0)), `bias` [filters].
 *
 * Input shape: [[batch, h, w, in], [batch, h, w, 1 or in]].
 * Output shape: [[batch, h', w', filters], [batch, h', w', 1 or filters]] with
 * h' = floor((h + 2p - d(k - 1) - 1) / s) + 1.
 *
 * Porting note: `padding` is PyTorch's explicit symmetric zero padding, not TF 'same'/'valid'.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, partialConv2d } from 'tfjs-synth';
 * await initBackend();
 * const layer = partialConv2d({ filters: 64, kernelSize: 7, strides: 2, padding: 3 });
 * const [y, m] = layer.apply([tf.zeros([1, 64, 64, 3]), tf.ones([1, 64, 64, 1])]) as tf.Tensor[];
 * // y [1, 32, 32, 64], m [1, 32, 32, 1]
 * ```
 */
export class PartialConv2D extends ConvLayer {
  static className = 'PartialConv2D';
  readonly padding: [number, number];
  readonly multiChannel: boolean;

  constructor(args: PartialConv2DArgs) {
    // filters, kernelSize, strides, dilationRate, useBias and the initializers: ConvLayer.
    super(args);
    this.padding = checkPair('PartialConv2D', 'padding', args.padding ?? 0, 0);
    this.multiChannel = args.multiChannel ?? false;
  }

  private shapes(inputShape: tfl.Shape | tfl.Shape[]): [tfl.Shape, tfl.Shape] {
    if (!Array.isArray(inputShape[0]) || inputShape.length !== 2) {
      throw new Error(
        `PartialConv2D: expected two inputs [image, mask], got input shape ${JSON.stringify(inputShape)}.`,
      );
    }
    const [img, mask] = inputShape as tfl.Shape[];
    if (img!.length !== 4 || mask!.length !== 4) {
      throw new Error(
        `PartialConv2D: image and mask must be rank 4 (NHWC), got ${JSON.stringify(img)} and ${JSON.stringify(mask)}.`,
      );
    }
    return [img!, mask!];
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const [img, mask] = this.shapes(inputShape);
    const inChannels = img[3];
    if (inChannels == null) {
      throw new Error(`PartialConv2D: the image channel dimension must be known, got ${JSON.stringify(img)}.`);
    }
    const expectedMaskChannels = this.multiChannel ? inChannels : 1;
    if (mask[3] != null && mask[3] !== expectedMaskChannels) {
      throw new Error(
        `PartialConv2D: mask must have ${expectedMaskChannels} channel(s) (multiChannel ${this.multiChannel}), got ${mask[3]}.`,
      );
    }
    this.buildKernel(inChannels, this.filters);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor[] {
    return tf.tidy(() => {
      if (!Array.isArray(inputs) || inputs.length !== 2) {
        throw new Error(
          `PartialConv2D: expected two inputs [image, mask], got ${Array.isArray(inputs) ? inputs.length : 1}.`,
        );
      }
      const [x, mask] = inputs as [tf.Tensor, tf.Tensor];
      if (x.rank !== 4 || mask.rank !== 4) {
        throw new Error(
          `PartialConv2D: image and mask must be rank 4 (NHWC), got [${x.shape.join(', ')}] and [${mask.shape.join(', ')}].`,
        );
      }
      if (mask.shape[1] !== x.shape[1] || mask.shape[2] !== x.shape[2] || mask.shape[0] !== x.shape[0]) {
        throw new Error(
          `PartialConv2D: the mask's batch and spatial size [${mask.shape.slice(0, 3).join(', ')}] differ from the image's [${x.shape.slice(0, 3).join(', ')}].`,
        );
      }
      const expectedMaskChannels = this.multiChannel ? x.shape[3] : 1;
      if (mask.shape[3] !== expectedMaskChannels) {
        throw new Error(
          `PartialConv2D: mask must have ${expectedMaskChannels} channel(s) (multiChannel ${this.multiChannel}), got ${mask.shape[3]}.`,
        );
      }
      const { output, updatedMask } = partialConvolution(
        x as tf.Tensor4D,
        mask as tf.Tensor4D,
        this.kernel!.read() as tf.Tensor4D,
        this.bias ? (this.bias.read() as tf.Tensor1D) : null,
        { strides: this.strides, padding: this.padding, dilationRate: this.dilationRate },
      );
      return [output, updatedMask];
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape[] {
    const [img] = this.shapes(inputShape);
    const h = outLength(img[1] ?? null, this.kernelSize[0], this.strides[0], this.dilationRate[0], this.padding[0]);
    const w = outLength(img[2] ?? null, this.kernelSize[1], this.strides[1], this.dilationRate[1], this.padding[1]);
    return [
      [img[0] ?? null, h, w, this.filters],
      [img[0] ?? null, h, w, this.multiChannel ? this.filters : 1],
    ];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), padding: this.padding, multiChannel: this.multiChannel };
  }
}

/**
 * Creates a {@link PartialConv2D} (Liu et al. 2018, https://arxiv.org/abs/1804.07723).
 *
 * Input shape: [[batch, h, w, in], [batch, h, w, 1 or in]].
 * Output shape: [[batch, h', w', filters], [batch, h', w', 1 or filters]].
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, partialConv2d } from 'tfjs-synth';
 * await initBackend();
 * const pconv = partialConv2d({ filters: 16, kernelSize: 3, padding: 1, multiChannel: true });
 * const [y, m] = pconv.apply([tf.zeros([1, 8, 8, 3]), tf.ones([1, 8, 8, 3])]) as tf.Tensor[]; // [1, 8, 8, 16] x2
 * ```
 */
export function partialConv2d(args: PartialConv2DArgs): PartialConv2D {
  return new PartialConv2D(args);
}
