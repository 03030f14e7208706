import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkInteger } from '../../core/checks';

/** Arguments of {@link SpatialSizeCheck}. */
export interface SpatialSizeCheckArgs {
  /** Height and width must be multiples of this. Default 1 (any size). */
  multiple?: number;
  /** Smallest accepted height and width. Default 1. */
  minSize?: number;
  /** Who asks, for the Error message (e.g. 'unetGenerator'). Default 'SpatialSizeCheck'. */
  owner?: string;
  /** Why, appended to the Error message (e.g. '2^numDowns'). Default ''. */
  reason?: string;
  /** Layer name. Default: generated. */
  name?: string;
}

/**
 * Identity layer that checks the spatial size of its NHWC input, so that a network built with
 * unknown height and width (`null` dims) fails with a clear Error instead of a shape mismatch
 * deep inside (a U-Net concatenation, a reflection padding larger than the image, ...). Checks
 * known sizes when the model is built (fixed `inputShape`) and actual sizes at every call.
 *
 * Input shape: [batch, h, w, c]. Output shape: the same (the input is passed through).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { SpatialSizeCheck } from './spatial-size-check';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend();
 * const check = new SpatialSizeCheck({ multiple: 4, owner: 'resnetGenerator' });
 * check.apply(tf.zeros([1, 8, 12, 3])); // passes
 * try {
 *   check.apply(tf.zeros([1, 8, 10, 3]));
 * } catch (e) {
 *   console.log((e as Error).message); // resnetGenerator: input height and width must be multiples of 4, got 8x10.
 * }
 * ```
 * @internal
 */
export class SpatialSizeCheck extends tfl.layers.Layer {
  static className = 'SpatialSizeCheck';
  readonly multiple: number;
  readonly minSize: number;
  readonly owner: string;
  readonly reason: string;

  constructor(args: SpatialSizeCheckArgs = {}) {
    super({ name: args.name });
    this.multiple = checkInteger('SpatialSizeCheck', 'multiple', args.multiple ?? 1, { min: 1 });
    this.minSize = checkInteger('SpatialSizeCheck', 'minSize', args.minSize ?? 1, { min: 1 });
    this.owner = args.owner ?? 'SpatialSizeCheck';
    this.reason = args.reason ?? '';
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor;
      this.check(x.shape);
      // A new tensor handle (same data): the model executor may dispose layer outputs, and
      // this one must not be the caller's input.
      return tf.clone(x);
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    this.check(shape);
    return shape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      multiple: this.multiple,
      minSize: this.minSize,
      owner: this.owner,
      reason: this.reason,
    };
  }

  private check(shape: readonly (number | null)[]): void {
    if (shape.length !== 4) {
      throw new Error(`${this.owner}: expected a rank-4 NHWC input, got shape [${shape.map(String).join(', ')}].`);
    }
    const [h, w] = [shape[1], shape[2]];
    const bad = [h, w].some((d) => d !== null && d !== undefined && (d % this.multiple !== 0 || d < this.minSize));
    if (!bad) return;
    const rules: string[] = [];
    if (this.multiple > 1) rules.push(`multiples of ${this.multiple}${this.reason ? ` (${this.reason})` : ''}`);
    if (this.minSize > 1)
      rules.push(`at least ${this.minSize}${this.reason && this.multiple === 1 ? ` (${this.reason})` : ''}`);
    throw new Error(
      `${this.owner}: input height and width must be ${rules.join(' and ')}, got ${String(h)}x${String(w)}.`,
    );
  }
}

/**
 * Creates a {@link SpatialSizeCheck} layer (identity that validates height and width).
 *
 * Input shape: [batch, h, w, c]. Output shape: the same.
 *
 * @example
 * ```ts
 * import { spatialSizeCheck } from './spatial-size-check';
 * const check = spatialSizeCheck({ multiple: 256, owner: 'unetGenerator', reason: '2^numDowns' });
 * ```
 * @internal
 */
export function spatialSizeCheck(args: SpatialSizeCheckArgs = {}): SpatialSizeCheck {
  return new SpatialSizeCheck(args);
}
