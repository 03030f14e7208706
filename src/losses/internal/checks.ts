import type * as tf from '@tensorflow/tfjs-core';
import { checkNumber, describeValue, listChoices } from '../../core/checks';

/** Formats a shape as `[a, b, c]` for error messages. @internal */
export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Throws unless both tensors have exactly the same shape; the message names both. @internal */
export function assertSameShape(owner: string, nameA: string, a: tf.Tensor, nameB: string, b: tf.Tensor): void {
  const same = a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
  if (!same) {
    throw new Error(
      `${owner}: ${nameA} and ${nameB} must have the same shape, got ${nameA} ${shapeString(a.shape)} and ${nameB} ${shapeString(b.shape)}.`,
    );
  }
}

/** Throws unless the tensor has the given rank. @internal */
export function assertRank(owner: string, name: string, t: tf.Tensor, rank: number, layout: string): void {
  if (t.rank !== rank) {
    throw new Error(`${owner}: expected ${name} of rank ${rank} (${layout}), got shape ${shapeString(t.shape)}.`);
  }
}

/** Throws unless `value` is a finite number (weights, lambdas). @internal */
export function assertFinite(owner: string, name: string, value: number): void {
  checkNumber(owner, name, value);
}

/** Throws unless `value` is one of `valid`; the message lists the valid values. @internal */
export function assertOneOf<T extends string>(
  owner: string,
  name: string,
  value: unknown,
  valid: readonly T[],
): asserts value is T {
  if (!(valid as readonly unknown[]).includes(value)) {
    // The losses' own wording, pinned by their tests; the value is bounded like every check's.
    const shown = typeof value === 'string' && value.length <= 40 ? `'${value}'` : describeValue(value);
    throw new Error(`${owner}: unknown ${name} ${shown}; valid values are ${listChoices(valid)}.`);
  }
}
