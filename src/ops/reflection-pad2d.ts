import * as tf from '@tensorflow/tfjs-core';
import { checkError } from '../core/checks';

/** Padding of {@link reflectionPad2d}: `[[top, bottom], [left, right]]`. */
export type Padding2D = [[number, number], [number, number]];

/** What {@link normalizePadding2d} accepts: `p`, `[vertical, horizontal]` or `[[top, bottom], [left, right]]`. */
export type Padding2DArg = number | [number, number] | Padding2D;

function isNonNegativeInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/**
 * Resolves a padding argument to `[[top, bottom], [left, right]]`, throwing an Error that names
 * `owner` and the bad value for anything else (negative, fractional, wrong nesting).
 *
 * @example
 * ```ts
 * import { ops } from 'tfjs-synth';
 * ops.normalizePadding2d(3); // [[3, 3], [3, 3]]
 * ops.normalizePadding2d([1, 2]); // [[1, 1], [2, 2]]
 * ```
 */
export function normalizePadding2d(padding: Padding2DArg, owner = 'reflectionPad2d'): Padding2D {
  const bad = (): Error =>
    checkError(
      owner,
      'padding',
      'a non-negative integer, [vertical, horizontal] or [[top, bottom], [left, right]]',
      padding,
    );
  if (typeof padding === 'number') {
    if (!isNonNegativeInteger(padding)) throw bad();
    return [
      [padding, padding],
      [padding, padding],
    ];
  }
  if (!Array.isArray(padding) || padding.length !== 2) throw bad();
  const [v, h] = padding as [unknown, unknown];
  if (isNonNegativeInteger(v) && isNonNegativeInteger(h)) {
    return [
      [v, v],
      [h, h],
    ];
  }
  const isPair = (p: unknown): p is [number, number] =>
    Array.isArray(p) && p.length === 2 && isNonNegativeInteger(p[0]) && isNonNegativeInteger(p[1]);
  if (isPair(v) && isPair(h)) {
    return [
      [v[0], v[1]],
      [h[0], h[1]],
    ];
  }
  throw bad();
}

/**
 * Checks reflect padding against spatial sizes: reflection does not repeat the edge, so each
 * side's padding must be smaller than the dimension it pads (as torch's ReflectionPad2d requires).
 * Null sizes (unknown at build time) are skipped.
 * @internal
 */
export function checkReflectionPadding(
  padding: Padding2D,
  height: number | null | undefined,
  width: number | null | undefined,
  owner: string,
): void {
  const dims: [string, number | null | undefined, [number, number]][] = [
    ['height', height, padding[0]],
    ['width', width, padding[1]],
  ];
  for (const [axis, size, [a, b]] of dims) {
    if (size === null || size === undefined) continue;
    if (a >= size || b >= size) {
      throw new Error(
        `${owner}: reflect padding ${JSON.stringify(padding)} must be smaller than the input ${axis} ${size} on each side.`,
      );
    }
  }
}

/**
 * Reflection padding of the two spatial axes of an NHWC batch, identical to PyTorch's
 * `nn.ReflectionPad2d`: the border row/column is not repeated, so `[a, b, c]` padded by 2 on the
 * left is `[c, b, a, b, c]`. Used by CycleGAN's ResNet generator and the AdaIN decoder in front of
 * 'valid' convolutions. Differentiable; its gradient is the exact adjoint, border contributions
 * included (tfjs' own `mirrorPad` gradient drops them).
 *
 * Porting note: PyTorch pads NCHW with `(left, right, top, bottom)`; here the layout is NHWC and
 * the order is `[[top, bottom], [left, right]]`.
 *
 * Input shape: [n, h, w, c] with every padding < h (vertical) or < w (horizontal).
 * Output shape: [n, h + top + bottom, w + left + right, c].
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, ops } from 'tfjs-synth';
 * await initBackend();
 * const y = ops.reflectionPad2d(tf.zeros([1, 8, 8, 3]), 3); // [1, 14, 14, 3]
 * ```
 */
export function reflectionPad2d(x: tf.Tensor4D, padding: Padding2DArg): tf.Tensor4D {
  const owner = 'reflectionPad2d';
  if (x.rank !== 4) {
    throw new Error(`${owner}: expected a rank-4 NHWC input, got shape [${x.shape.join(', ')}].`);
  }
  const p = normalizePadding2d(padding, owner);
  checkReflectionPadding(p, x.shape[1], x.shape[2], owner);
  return reflectPadWithGrad(x, p);
}

/**
 * Adjoint of reflect padding along one axis: the border strips of `dy` are mirrored back onto the
 * rows (or columns) they were copied from and added to the centre.
 */
function foldReflected(dy: tf.Tensor4D, axis: 1 | 2, before: number, after: number, size: number): tf.Tensor4D {
  const sliceAxis = (t: tf.Tensor4D, start: number, len: number): tf.Tensor4D => {
    const begin = [0, 0, 0, 0];
    const extent = [-1, -1, -1, -1];
    begin[axis] = start;
    extent[axis] = len;
    return tf.slice(t, begin, extent);
  };
  const padAxis = (t: tf.Tensor4D, lo: number, hi: number): tf.Tensor4D => {
    const pads: [number, number][] = [
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
    ];
    pads[axis] = [lo, hi];
    return tf.pad(t, pads);
  };
  let dx = sliceAxis(dy, before, size);
  if (before > 0) {
    // Output rows 0..before-1 copied input rows before..1 (in that order).
    const strip = tf.reverse(sliceAxis(dy, 0, before), axis);
    dx = tf.add(dx, padAxis(strip, 1, size - 1 - before));
  }
  if (after > 0) {
    // Output rows before+size.. copied input rows size-2 down to size-1-after.
    const strip = tf.reverse(sliceAxis(dy, before + size, after), axis);
    dx = tf.add(dx, padAxis(strip, size - 1 - after, 1));
  }
  return dx;
}

/**
 * Forward with the fast `mirrorPad` kernel, backward with the true adjoint.
 *
 * Porting note: tfjs-core 4.22's `MirrorPad` gradient only slices the centre out of `dy` and drops
 * the contributions of the mirrored border pixels (wrong for every pixel within `padding` of an
 * edge), so this op supplies its own gradient instead of relying on it.
 */
function reflectPadWithGrad(x: tf.Tensor4D, p: Padding2D): tf.Tensor4D {
  const [, h, w] = x.shape;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: tf.mirrorPad(args[0] as tf.Tensor4D, [[0, 0], p[0], p[1], [0, 0]], 'reflect'),
    gradFunc: (dy: tf.Tensor) => {
      const dyH = foldReflected(dy as tf.Tensor4D, 1, p[0][0], p[0][1], h);
      return foldReflected(dyH, 2, p[1][0], p[1][1], w);
    },
  }));
  return f(x) as tf.Tensor4D;
}
