import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkError } from '../../core/checks';

/** Arguments of {@link Crop2D}. */
export interface Crop2DArgs {
  /** Rows and columns removed: `[[top, bottom], [left, right]]`, non-negative integers. Required. */
  cropping: [[number, number], [number, number]];
  /** Layer name. Default: generated. */
  name?: string;
}

/**
 * Removes fixed rows and columns from the borders of an NHWC tensor, like tfjs-layers'
 * `cropping2D`, but also in models whose height and width are unknown (`null`): tfjs 4.22's
 * Cropping2D computes `null - n` and breaks every later layer's shape inference. Used to port
 * PyTorch's `ConvTranspose2d(padding, output_padding)` as a 'valid' transposed convolution
 * plus a crop.
 *
 * Input shape: [batch, h, w, c]. Output shape: [batch, h - top - bottom, w - left - right, c].
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { Crop2D } from './crop2d';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend();
 * const crop = new Crop2D({ cropping: [[1, 0], [1, 0]] });
 * const y = crop.apply(tf.zeros([1, 9, 9, 4])) as tf.Tensor; // [1, 8, 8, 4]
 * ```
 * @internal
 */
export class Crop2D extends tfl.layers.Layer {
  static className = 'Crop2D';
  readonly cropping: [[number, number], [number, number]];

  constructor(args: Crop2DArgs) {
    super({ name: args.name });
    const c = args.cropping;
    const ok =
      Array.isArray(c) &&
      c.length === 2 &&
      c.every((p) => Array.isArray(p) && p.length === 2 && p.every((v) => Number.isInteger(v) && v >= 0));
    if (!ok) {
      throw checkError('Crop2D', 'cropping', '[[top, bottom], [left, right]] of integers >= 0', c);
    }
    this.cropping = [
      [c[0][0], c[0][1]],
      [c[1][0], c[1][1]],
    ];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const [[top, bottom], [left, right]] = this.cropping;
      const [n, h, w, c] = x.shape;
      if (h - top - bottom < 1 || w - left - right < 1) {
        throw new Error(`Crop2D: cropping ${JSON.stringify(this.cropping)} leaves nothing of a ${h}x${w} input.`);
      }
      return tf.slice(x, [0, top, left, 0], [n, h - top - bottom, w - left - right, c]);
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const [[top, bottom], [left, right]] = this.cropping;
    const h = s[1] === null || s[1] === undefined ? null : s[1] - top - bottom;
    const w = s[2] === null || s[2] === undefined ? null : s[2] - left - right;
    return [s[0]!, h, w, s[3]!];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), cropping: this.cropping };
  }
}

/**
 * Creates a {@link Crop2D} layer (null-safe border crop).
 *
 * Input shape: [batch, h, w, c]. Output shape: [batch, h - top - bottom, w - left - right, c].
 *
 * @example
 * ```ts
 * import { crop2d } from './crop2d';
 * const crop = crop2d({ cropping: [[1, 0], [1, 0]], name: 'model.19_crop' });
 * ```
 * @internal
 */
export function crop2d(args: Crop2DArgs): Crop2D {
  return new Crop2D(args);
}
