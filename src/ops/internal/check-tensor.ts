/**
 * Tensor arguments of the ops, checked before anything is allocated. The messages have the
 * shape of core/checks.ts: `${owner}: ${arg} must be <requirement>, got <value>.`, where a
 * tensor's value is its shape.
 * @internal
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkError } from '../../core/checks';

/** `[a, b, c]`; ranks above 8 are cut (a shape's length is the caller's). */
export function formatShape(shape: readonly number[]): string {
  return shape.length <= 8 ? `[${shape.join(', ')}]` : `[${shape.slice(0, 8).join(', ')}, ... (rank ${shape.length})]`;
}

/**
 * Returns `x` if it is a live tf.Tensor (of rank `rank` when given; `layout` names the axes in
 * the message), else throws "`owner`: `arg` must be rank 4 [n, h, w, c], got shape [2, 3]." and
 * the like.
 */
export function checkTensor<T extends tf.Tensor = tf.Tensor>(
  owner: string,
  arg: string,
  x: unknown,
  rank?: number,
  layout?: string,
): T {
  if (!(x instanceof tf.Tensor)) throw checkError(owner, arg, 'a tf.Tensor', x);
  if (x.isDisposed) throw new Error(`${owner}: ${arg} must be a live tf.Tensor, got a disposed one.`);
  if (rank !== undefined && x.rank !== rank) {
    const axes = layout ? ` ${layout}` : '';
    throw new Error(`${owner}: ${arg} must be rank ${rank}${axes}, got shape ${formatShape(x.shape)}.`);
  }
  return x as T;
}

/** Throws unless axis `axis` of `x` is `size`; `what` says where the size comes from. */
export function checkAxis(owner: string, arg: string, x: tf.Tensor, axis: number, size: number, what: string): void {
  if (x.shape[axis] !== size) {
    throw new Error(`${owner}: ${arg} must have ${size} ${what} in axis ${axis}, got shape ${formatShape(x.shape)}.`);
  }
}
