/**
 * Input and shape checks shared by the single-input NHWC layers, so that every layer reports a
 * bad input with the same message naming itself.
 * @internal
 */
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** `[2, null, 3]` style text of a (possibly partly unknown) shape. */
export function formatShape(shape: readonly (number | null | undefined)[]): string {
  return `[${shape.map(String).join(', ')}]`;
}

/** The shape of a single-input layer: tfjs may hand it over wrapped in a list. */
export function singleShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
  return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
}

/** The tensor of a single-input layer: tfjs may hand it over wrapped in a list. */
export function singleInput(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor;
}

/** Throws unless the shape is rank 4 (NHWC). */
export function checkNhwcShape(owner: string, shape: readonly (number | null | undefined)[]): void {
  if (shape.length !== 4) {
    throw new Error(`${owner}: expected a rank-4 NHWC input, got shape ${formatShape(shape)}.`);
  }
}

/** Throws unless the tensor is rank 4 (NHWC); returns it typed as such. */
export function nhwcInput(owner: string, x: tf.Tensor): tf.Tensor4D {
  checkNhwcShape(owner, x.shape);
  return x as tf.Tensor4D;
}

/** The channel count of an NHWC shape, which weights need known at build time. */
export function knownChannels(owner: string, shape: tfl.Shape): number {
  const channels = shape[3];
  if (channels === null || channels === undefined) {
    throw new Error(`${owner}: the channel dimension of the input must be known, got shape ${formatShape(shape)}.`);
  }
  return channels;
}
