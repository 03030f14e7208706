import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkInteger } from '../../core/checks';
import { avgPoolExcludePadding } from '../../ops/avg-pool-exclude-padding';
import { nhwcInput, singleInput, singleShape } from './shapes';

/** Arguments of {@link AvgPool2DExcludePadding}. */
export interface AvgPool2DExcludePaddingArgs {
  /** Square window size. Default 3. */
  poolSize?: number;
  /** Step between windows. Default 2. */
  strides?: number;
  /** Zero padding on every side, left out of the averages. Default 1. */
  padding?: number;
  /** Layer name. Default: generated. */
  name?: string;
}

/**
 * PyTorch's `nn.AvgPool2d(poolSize, strides, padding, count_include_pad=False)` as a layer (the
 * math is {@link avgPoolExcludePadding}); pix2pixHD's multiscale discriminator and LocalEnhancer
 * downsample their inputs with the 3/2/1 default. Works with unknown height and width.
 *
 * Input shape: [batch, h, w, c]. Output shape: [batch, floor((h + 2p - k) / s) + 1, ..., c].
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { AvgPool2DExcludePadding } from './avg-pool2d-exclude-padding';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend();
 * const y = new AvgPool2DExcludePadding().apply(tf.ones([1, 9, 8, 2])) as tf.Tensor; // [1, 5, 4, 2]
 * ```
 * @internal
 */
export class AvgPool2DExcludePadding extends tfl.layers.Layer {
  static className = 'AvgPool2DExcludePadding';
  readonly poolSize: number;
  readonly strides: number;
  readonly padding: number;

  constructor(args: AvgPool2DExcludePaddingArgs = {}) {
    super({ name: args.name });
    const owner = 'AvgPool2DExcludePadding';
    this.poolSize = checkInteger(owner, 'poolSize', args.poolSize ?? 3, { min: 1, max: 64 });
    this.strides = checkInteger(owner, 'strides', args.strides ?? 2, { min: 1, max: 64 });
    this.padding = checkInteger(owner, 'padding', args.padding ?? 1, { min: 0, max: Math.floor(this.poolSize / 2) });
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() =>
      avgPoolExcludePadding(nhwcInput('AvgPool2DExcludePadding', singleInput(inputs)), {
        poolSize: this.poolSize,
        strides: this.strides,
        padding: this.padding,
      }),
    );
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = singleShape(inputShape);
    const out = (d: number | null | undefined): number | null =>
      d === null || d === undefined ? null : Math.floor((d + 2 * this.padding - this.poolSize) / this.strides) + 1;
    return [s[0] ?? null, out(s[1]), out(s[2]), s[3] ?? null];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }
}

/**
 * Creates an {@link AvgPool2DExcludePadding} layer.
 *
 * Input shape: [batch, h, w, c]. Output shape: [batch, h', w', c].
 *
 * @example
 * ```ts
 * import { avgPool2dExcludePadding } from './avg-pool2d-exclude-padding';
 * const pool = avgPool2dExcludePadding({ name: 'downsample_1' });
 * ```
 * @internal
 */
export function avgPool2dExcludePadding(args: AvgPool2DExcludePaddingArgs = {}): AvgPool2DExcludePadding {
  return new AvgPool2DExcludePadding(args);
}
