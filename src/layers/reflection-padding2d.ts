import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  checkReflectionPadding,
  normalizePadding2d,
  reflectionPad2d,
  type Padding2D,
  type Padding2DArg,
} from '../ops/reflection-pad2d';
import { checkNhwcShape, nhwcInput, singleInput, singleShape } from './internal/shapes';

/** Arguments of {@link ReflectionPadding2D}. */
export interface ReflectionPadding2DArgs {
  /**
   * Padding: a number for all four sides, `[vertical, horizontal]`, or
   * `[[top, bottom], [left, right]]`. Each side must be smaller than the dimension it pads.
   * Default 1.
   */
  padding?: Padding2DArg;
  /** Layer name. Default: generated. */
  name?: string;
  /** Input shape without the batch dimension, for the first layer of a `tf.sequential` model. Default: none. */
  inputShape?: (number | null)[];
  /** Input shape including the batch dimension (instead of `inputShape`). Default: none. */
  batchInputShape?: (number | null)[];
}

/**
 * Reflection padding of height and width, exactly PyTorch's `nn.ReflectionPad2d` (the edge
 * pixel is not repeated). CycleGAN's ResNet generator (Zhu et al. 2017, "Unpaired
 * Image-to-Image Translation using Cycle-Consistent Adversarial Networks",
 * https://arxiv.org/abs/1703.10593) and the AdaIN decoder (Huang & Belongie 2017,
 * https://arxiv.org/abs/1703.06868) put it in front of every 'valid' convolution.
 *
 * Input shape: [batch, h, w, c]. Output shape: [batch, h + top + bottom, w + left + right, c].
 *
 * Porting note: PyTorch's argument order is `(left, right, top, bottom)` on NCHW; here it is
 * `[[top, bottom], [left, right]]` on NHWC.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, ReflectionPadding2D } from 'tfjs-synth';
 * await initBackend();
 * const pad = new ReflectionPadding2D({ padding: 3 });
 * const y = pad.apply(tf.zeros([1, 32, 32, 3])) as tf.Tensor; // [1, 38, 38, 3]
 * ```
 */
export class ReflectionPadding2D extends tfl.layers.Layer {
  static className = 'ReflectionPadding2D';
  readonly padding: Padding2D;

  constructor(args: ReflectionPadding2DArgs = {}) {
    super({ name: args.name, inputShape: args.inputShape, batchInputShape: args.batchInputShape });
    this.padding = normalizePadding2d(args.padding ?? 1, (this.constructor as typeof ReflectionPadding2D).className);
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = singleShape(inputShape);
    const owner = this.getClassName();
    checkNhwcShape(owner, shape);
    checkReflectionPadding(this.padding, shape[1], shape[2], owner);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const owner = this.getClassName();
      const x = nhwcInput(owner, singleInput(inputs));
      // Re-checked here: with an unknown spatial size at build time only the call sees the size.
      checkReflectionPadding(this.padding, x.shape[1], x.shape[2], owner);
      return reflectionPad2d(x, this.padding);
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = singleShape(inputShape);
    const [[top, bottom], [left, right]] = this.padding;
    const grow = (n: number | null | undefined, by: number): number | null =>
      n === null || n === undefined ? null : n + by;
    return [s[0] ?? null, grow(s[1], top + bottom), grow(s[2], left + right), s[3] ?? null];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), padding: this.padding };
  }
}

/**
 * Creates a {@link ReflectionPadding2D} layer (PyTorch `nn.ReflectionPad2d` semantics), as used in
 * front of the 'valid' convolutions of CycleGAN's ResNet generator (Zhu et al. 2017,
 * https://arxiv.org/abs/1703.10593).
 *
 * Input shape: [batch, h, w, c]. Output shape: [batch, h + top + bottom, w + left + right, c].
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, reflectionPadding2d } from 'tfjs-synth';
 * await initBackend();
 * const y = reflectionPadding2d({ padding: [[1, 2], [0, 1]] }).apply(tf.zeros([1, 4, 4, 2])) as tf.Tensor; // [1, 7, 5, 2]
 * ```
 */
export function reflectionPadding2d(args: ReflectionPadding2DArgs = {}): ReflectionPadding2D {
  return new ReflectionPadding2D(args);
}
