import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { gatedConvolution } from '../ops/gated-convolution';
import { upsampleNearest2x } from '../ops/upsample-nearest2x';
import { GatedConv2D, type GatedConv2DArgs } from './gated-conv2d';
import { nhwcInput, singleInput, singleShape } from './internal/shapes';
import type { Kwargs } from './internal/kwargs';

/**
 * Arguments of {@link GatedUpsample2D}: those of {@link GatedConv2DArgs} without `strides`
 * (always 1). `kernelSize` defaults to 3 (DeepFill's gen_deconv); `activation` to 'elu';
 * `padding` to 'same'.
 */
export interface GatedUpsample2DArgs extends Omit<GatedConv2DArgs, 'strides' | 'kernelSize'> {
  /** Kernel size. Default 3. */
  kernelSize?: number | [number, number];
}

/**
 * DeepFill v2's `gen_deconv` (Yu et al. 2019, https://arxiv.org/abs/1806.03589): nearest-neighbour
 * x2 upsampling followed by a stride-1 gated convolution ({@link GatedConv2D}). Same weights as
 * GatedConv2D: `kernel` [kh, kw, in, 2 * filters] and `bias` [2 * filters].
 *
 * Input shape: [batch, h, w, in]. Output shape: [batch, 2h, 2w, filters] ('same' padding).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, gatedUpsample2d } from 'tfjs-synth';
 * await initBackend();
 * const up = gatedUpsample2d({ filters: 48 });
 * const y = up.apply(tf.zeros([1, 16, 16, 96])) as tf.Tensor; // [1, 32, 32, 48]
 * ```
 */
export class GatedUpsample2D extends GatedConv2D {
  static override className = 'GatedUpsample2D';

  constructor(args: GatedUpsample2DArgs) {
    const strides = (args as { strides?: unknown }).strides;
    if (strides !== undefined && !(strides === 1 || (Array.isArray(strides) && strides[0] === 1 && strides[1] === 1))) {
      throw new Error(
        `GatedUpsample2D: strides must be 1 (the layer upsamples first), got ${JSON.stringify(strides)}.`,
      );
    }
    super({ ...args, kernelSize: args.kernelSize ?? 3, strides: 1 });
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = nhwcInput(this.getClassName(), singleInput(inputs));
      const kernel = this.kernel!.read() as tf.Tensor4D;
      const bias = this.bias ? (this.bias.read() as tf.Tensor1D) : null;
      return gatedConvolution(upsampleNearest2x(x), kernel, bias, {
        strides: [1, 1],
        padding: this.padding,
        dilationRate: this.dilationRate,
        activation: this.activation,
      });
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = singleShape(inputShape);
    const up: tfl.Shape = [s[0] ?? null, s[1] == null ? null : 2 * s[1], s[2] == null ? null : 2 * s[2], s[3] ?? null];
    return super.computeOutputShape(up);
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config = super.getConfig();
    delete config.strides;
    return config;
  }
}

/**
 * Creates a {@link GatedUpsample2D} (DeepFill v2 `gen_deconv`: nearest x2 then a 3x3 gated
 * convolution; Yu et al. 2019, https://arxiv.org/abs/1806.03589).
 *
 * Input shape: [batch, h, w, in]. Output shape: [batch, 2h, 2w, filters].
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, gatedUpsample2d } from 'tfjs-synth';
 * await initBackend();
 * const y = gatedUpsample2d({ filters: 24 }).apply(tf.zeros([1, 32, 32, 48])) as tf.Tensor; // [1, 64, 64, 24]
 * ```
 */
export function gatedUpsample2d(args: GatedUpsample2DArgs): GatedUpsample2D {
  return new GatedUpsample2D(args);
}

/**
 * The same function as {@link gatedUpsample2d}, under the name of DeepFill v2's `gen_deconv`.
 *
 * @deprecated Use {@link gatedUpsample2d}, named after the class it makes; this alias goes in
 * the next minor version. (DeepFill's "deconv" is an upsample and a convolution, not a
 * transposed convolution; the class doc names `gen_deconv` for readers coming from DeepFill.)
 */
export const gatedDeconv2d = gatedUpsample2d;
