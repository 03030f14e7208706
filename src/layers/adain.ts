import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { adaptiveInstanceNorm, checkAdaINOptions, checkAdaINShapes } from '../ops/adaptive-instance-norm';
import { formatShape } from './internal/shapes';

/** Arguments of {@link AdaIN}. */
export interface AdaINArgs {
  /** Blend with the content features, `alpha * adain + (1 - alpha) * content`, in [0, 1]. Default 1. */
  alpha?: number;
  /**
   * true: pytorch-AdaIN statistics (unbiased variance, `std = sqrt(var + epsilon)` for both
   * inputs). false: the original Torch implementation (biased variance; epsilon only on the
   * content). Default true.
   */
  unbiased?: boolean;
  /** Added to the variance. Default 1e-5. */
  epsilon?: number;
  /** Layer name. Default: generated. */
  name?: string;
}

/**
 * Adaptive instance normalisation (Huang & Belongie 2017, "Arbitrary Style Transfer in Real-time
 * with Adaptive Instance Normalization", https://arxiv.org/abs/1703.06868): takes
 * `[content, style]` feature maps and returns the content normalised per sample and channel, then
 * rescaled to the style's mean and std: `sigma_s * (c - mu_c) / sigma_c + mu_s`, blended with the
 * content by `alpha`. No weights. Statistics follow naoto0804/pytorch-AdaIN by default; see
 * {@link adaptiveInstanceNorm} for `unbiased: false` (the Torch original).
 *
 * Input shape: `[content [batch, h, w, c], style [batch or 1, hs, ws, c]]` (style spatial size
 * may differ). Output shape: [batch, h, w, c]. Mismatched channels or batches throw.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, AdaIN } from 'tfjs-synth';
 * await initBackend();
 * const adain = new AdaIN({ alpha: 1 });
 * const t = adain.apply([tf.randomNormal([1, 32, 32, 512]), tf.randomNormal([1, 32, 32, 512])]) as tf.Tensor; // [1, 32, 32, 512]
 * ```
 */
export class AdaIN extends tfl.layers.Layer {
  static className = 'AdaIN';
  readonly alpha: number;
  readonly unbiased: boolean;
  readonly epsilon: number;

  constructor(args: AdaINArgs = {}) {
    super({ name: args.name });
    const owner = (this.constructor as typeof AdaIN).className;
    this.alpha = args.alpha ?? 1;
    this.unbiased = args.unbiased ?? true;
    this.epsilon = args.epsilon ?? 1e-5;
    checkAdaINOptions(owner, this.alpha, this.unbiased, this.epsilon);
  }

  /** The [content, style] shapes; a single shape is an error. */
  private twoShapes(inputShape: tfl.Shape | tfl.Shape[]): [tfl.Shape, tfl.Shape] {
    if (!Array.isArray(inputShape[0]) || inputShape.length !== 2) {
      throw new Error(
        `${this.getClassName()}: expected two inputs [content, style], got input shape ${JSON.stringify(inputShape)}.`,
      );
    }
    return inputShape as [tfl.Shape, tfl.Shape];
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const owner = this.getClassName();
    const shapes = this.twoShapes(inputShape);
    for (const [arg, s] of [
      ['content', shapes[0]],
      ['style', shapes[1]],
    ] as const) {
      if (s.length !== 4) throw new Error(`${owner}: expected a rank-4 NHWC ${arg}, got shape ${formatShape(s)}.`);
    }
    checkAdaINShapes(owner, shapes[0], shapes[1]);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const owner = this.getClassName();
      if (!Array.isArray(inputs) || inputs.length !== 2) {
        throw new Error(
          `${owner}: expected two inputs [content, style], got ${Array.isArray(inputs) ? inputs.length : 1}.`,
        );
      }
      const [content, style] = inputs as [tf.Tensor, tf.Tensor];
      for (const [arg, t] of [
        ['content', content],
        ['style', style],
      ] as const) {
        if (t.rank !== 4)
          throw new Error(`${owner}: expected a rank-4 NHWC ${arg}, got shape ${formatShape(t.shape)}.`);
      }
      // Checked here with the layer's name (the op would name itself).
      checkAdaINShapes(owner, content.shape, style.shape);
      return adaptiveInstanceNorm(content as tf.Tensor4D, style as tf.Tensor4D, {
        alpha: this.alpha,
        unbiased: this.unbiased,
        epsilon: this.epsilon,
      });
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return this.twoShapes(inputShape)[0];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), alpha: this.alpha, unbiased: this.unbiased, epsilon: this.epsilon };
  }
}

/**
 * Creates an {@link AdaIN} layer (Huang & Belongie 2017, https://arxiv.org/abs/1703.06868).
 *
 * Input shape: `[content [batch, h, w, c], style [batch or 1, hs, ws, c]]`. Output shape:
 * [batch, h, w, c].
 *
 * @example
 * ```ts
 * import * as tfl from '@tensorflow/tfjs-layers';
 * import { adain } from 'tfjs-synth';
 * const content = tfl.input({ shape: [32, 32, 512] });
 * const style = tfl.input({ shape: [32, 32, 512] });
 * const t = adain({ alpha: 0.5 }).apply([content, style]) as tfl.SymbolicTensor; // [null, 32, 32, 512]
 * ```
 */
export function adain(args: AdaINArgs = {}): AdaIN {
  return new AdaIN(args);
}

/**
 * The same function as {@link adain}.
 *
 * @deprecated Use {@link adain}, cased like `adainEncoder`, `adainDecoder` and `adainStyleLoss`
 * (class `AdaIN`, factory `adain`, as tfjs-layers' `Conv2D` and `conv2d`); this alias goes in the
 * next minor version.
 */
export const adaIN = adain;
