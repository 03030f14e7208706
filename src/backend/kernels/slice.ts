import {
  backend_util,
  Concat,
  Pack,
  Slice,
  slice_util,
  SplitV,
  Unpack,
  util,
  type ConcatAttrs,
  type KernelConfig,
  type KernelFunc,
  type PackAttrs,
  type SliceAttrs,
  type SplitVAttrs,
  type TensorInfo,
  type UnpackAttrs,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { stockKernel } from './stock-kernels';

type Values = Float32Array | Int32Array | Uint8Array;

/** Runs shorter than this are copied element by element; longer ones by `set(subarray)`. */
const SHORT_RUN = 128;

/** Copies `run` values from src[from..] to dst[to..]. */
function copyRun(src: Values, from: number, dst: Values, to: number, run: number): void {
  if (run >= SHORT_RUN) {
    dst.set(src.subarray(from, from + run), to);
    return;
  }
  for (let i = 0; i < run; i++) dst[to + i] = src[from + i]!;
}

/**
 * Copies the box `begin`, `size` of `src` (row-major, shape `shape`) to `dst` from `dstOffset`,
 * contiguously in row-major order. The trailing axes the box spans in full are merged with the
 * last partial one into one run per outer index; the outer indices are walked by an odometer.
 * Returns the number of values written.
 * @internal
 */
export function copyBox(
  src: Values,
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
  dst: Values,
  dstOffset: number,
): number {
  const rank = shape.length;
  const total = util.sizeFromShape(size as number[]);
  if (total === 0) return 0;
  const strides = new Array<number>(rank);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  // d: the last axis the box does not span in full (-1: the whole tensor).
  let d = rank - 1;
  while (d >= 0 && size[d] === shape[d]) d--;
  let srcOffset = 0;
  for (let i = 0; i < rank; i++) srcOffset += begin[i]! * strides[i]!;
  if (d < 0) {
    copyRun(src, srcOffset, dst, dstOffset, total);
    return total;
  }
  const run = size[d]! * strides[d]!;
  const outer = total / run;
  if (d === 0) {
    copyRun(src, srcOffset, dst, dstOffset, run);
    return total;
  }
  // Odometer over axes 0..d-1.
  const idx = new Array<number>(d).fill(0);
  let to = dstOffset;
  for (let n = 0; n < outer; n++) {
    copyRun(src, srcOffset, dst, to, run);
    to += run;
    let j = d - 1;
    idx[j]!++;
    srcOffset += strides[j]!;
    while (j > 0 && idx[j] === size[j]) {
      srcOffset -= size[j]! * strides[j]!;
      idx[j] = 0;
      j--;
      idx[j]!++;
      srcOffset += strides[j]!;
    }
  }
  return total;
}

/** The backend's own kernel for `name`, for the inputs this file leaves to it (strings). */
function runStock(name: string, args: unknown): TensorInfo | TensorInfo[] {
  return stockKernel(name).kernelFunc(args as Parameters<KernelFunc>[0]);
}

/**
 * `Slice` for the wasm backend. The backend's kernel copies one innermost row at a time with
 * `set(subarray(...))`, which costs an allocation per row: slicing channels of an NHWC tensor
 * (48 floats per pixel) ran at about 30 ns per value, and rank 5 and above went through a
 * per-value index computation (about 100x slower still). This one merges the fully spanned
 * trailing axes into one run and copies short runs element by element. Strings go to the
 * backend's kernel.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend('wasm');
 * tf.slice(tf.ones([1, 8, 8, 6]), [0, 0, 0, 3], [1, 8, 8, 3]); // the last 3 channels
 * ```
 */
export function sliceWasm(args: { inputs: { x: TensorInfo }; backend: BackendWasm; attrs: SliceAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x;
  if (x.dtype === 'string') return runStock(Slice, args) as TensorInfo;
  const [begin, size] = slice_util.parseSliceParams(x, attrs.begin, attrs.size);
  slice_util.assertParamsValid(x, begin, size);
  const out = backend.makeOutput(size, x.dtype);
  if (util.sizeFromShape(size) === 0) return out;
  // Heap views after the allocation: a malloc may grow the memory and detach older views.
  copyBox(backend.typedArrayFromHeap(x), x.shape, begin, size, backend.typedArrayFromHeap(out), 0);
  return out;
}

/**
 * `SplitV` for the wasm backend (`tf.split`): each piece by {@link sliceWasm}'s copy. The
 * backend's kernel slices with its own `Slice`.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend('wasm');
 * const [features, gates] = tf.split(tf.ones([1, 8, 8, 6]), 2, 3); // [1, 8, 8, 3] each
 * ```
 */
export function splitVWasm(args: {
  inputs: { x: TensorInfo };
  backend: BackendWasm;
  attrs: SplitVAttrs;
}): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const x = inputs.x;
  if (x.dtype === 'string') return runStock(SplitV, args) as TensorInfo[];
  const axis = util.parseAxisParam(attrs.axis, x.shape)[0]!;
  const sizes = backend_util.prepareSplitSize(x as never, attrs.numOrSizeSplits, axis);
  const outs = sizes.map((n) => {
    const shape = [...x.shape];
    shape[axis] = n;
    return backend.makeOutput(shape, x.dtype);
  });
  if (util.sizeFromShape(x.shape) === 0) return outs;
  const src = backend.typedArrayFromHeap(x);
  const begin = new Array<number>(x.shape.length).fill(0);
  for (const out of outs) {
    copyBox(src, x.shape, begin, out.shape, backend.typedArrayFromHeap(out), 0);
    begin[axis]! += out.shape[axis]!;
  }
  return outs;
}

/**
 * `Unpack` for the wasm backend (`tf.unstack`, and the gradient of `tf.stack`): each output by
 * {@link sliceWasm}'s copy. The backend's kernel slices with its own `Slice`, which for rank 5
 * and above (the gradient of a stack along an inner axis of NHWC tensors) computes an index per
 * value.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend('wasm');
 * const [a, b] = tf.unstack(tf.ones([1, 4, 2, 4, 3]), 2); // [1, 4, 4, 3] each
 * ```
 */
export function unpackWasm(args: {
  inputs: { value: TensorInfo };
  backend: BackendWasm;
  attrs: UnpackAttrs;
}): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const value = inputs.value;
  if (value.dtype === 'string') return runStock(Unpack, args) as TensorInfo[];
  const rank = value.shape.length;
  const axis = attrs.axis < 0 ? attrs.axis + rank : attrs.axis;
  const outShape = value.shape.filter((_, i) => i !== axis);
  const count = value.shape[axis]!;
  const outs = Array.from({ length: count }, () => backend.makeOutput(outShape, value.dtype));
  if (util.sizeFromShape(value.shape) === 0) return outs;
  const src = backend.typedArrayFromHeap(value);
  const begin = new Array<number>(rank).fill(0);
  const size = [...value.shape];
  size[axis] = 1;
  for (let i = 0; i < count; i++) {
    begin[axis] = i;
    copyBox(src, value.shape, begin, size, backend.typedArrayFromHeap(outs[i]!), 0);
  }
  return outs;
}

/** Concatenates `parts` (each [outer, inner_i] in row-major terms) along the inner axis. */
function concatInto(backend: BackendWasm, parts: TensorInfo[], inners: number[], outer: number, out: TensorInfo): void {
  const dst = backend.typedArrayFromHeap(out);
  const srcs = parts.map((p) => backend.typedArrayFromHeap(p));
  const rowLen = inners.reduce((a, b) => a + b, 0);
  for (let i = 0; i < parts.length; i++) {
    const src = srcs[i]!;
    const inner = inners[i]!;
    let to = inners.slice(0, i).reduce((a, b) => a + b, 0);
    let from = 0;
    for (let b = 0; b < outer; b++) {
      copyRun(src, from, dst, to, inner);
      from += inner;
      to += rowLen;
    }
  }
}

/**
 * `Concat` for the wasm backend (`tf.concat`, the gradient of `tf.split`): one input at a time,
 * short runs copied element by element (the backend's kernel takes a `subarray` per run).
 * Strings go to the backend's kernel.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend('wasm');
 * tf.concat([tf.ones([1, 8, 8, 3]), tf.zeros([1, 8, 8, 5])], 3); // [1, 8, 8, 8]
 * ```
 */
export function concatWasm(args: { inputs: TensorInfo[]; backend: BackendWasm; attrs: ConcatAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  if (inputs.some((t) => t.dtype === 'string')) return runStock(Concat, args) as TensorInfo;
  const axis = util.parseAxisParam(attrs.axis, inputs[0]!.shape)[0]!;
  backend_util.assertParamsConsistent(
    inputs.map((t) => t.shape),
    axis,
  );
  const outShape = backend_util.computeOutShape(
    inputs.map((t) => t.shape),
    axis,
  );
  const parts = inputs.filter((t) => util.sizeFromShape(t.shape) > 0);
  const out = backend.makeOutput(outShape, inputs[0]!.dtype);
  if (parts.length === 0) return out;
  const outer = util.sizeFromShape(outShape.slice(0, axis));
  concatInto(
    backend,
    parts,
    parts.map((t) => util.sizeFromShape(t.shape.slice(axis))),
    outer,
    out,
  );
  return out;
}

/**
 * `Pack` for the wasm backend (`tf.stack`): {@link concatWasm}'s copy along the new axis.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend('wasm');
 * tf.stack([tf.ones([4, 4, 3]), tf.zeros([4, 4, 3])], 2); // [4, 4, 2, 3]
 * ```
 */
export function packWasm(args: { inputs: TensorInfo[]; backend: BackendWasm; attrs: PackAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  if (inputs.some((t) => t.dtype === 'string')) return runStock(Pack, args) as TensorInfo;
  const shape = inputs[0]!.shape;
  const dtype = inputs[0]!.dtype;
  for (const t of inputs) {
    util.assertShapesMatch(shape, t.shape, 'All tensors passed to stack must have matching shapes');
    util.assert(dtype === t.dtype, () => 'All tensors passed to stack must have matching dtypes');
  }
  const axis = attrs.axis < 0 ? attrs.axis + shape.length + 1 : attrs.axis;
  const outShape = [...shape.slice(0, axis), inputs.length, ...shape.slice(axis)];
  const out = backend.makeOutput(outShape, dtype);
  if (util.sizeFromShape(outShape) === 0) return out;
  const inner = util.sizeFromShape(shape.slice(axis));
  concatInto(
    backend,
    inputs,
    inputs.map(() => inner),
    util.sizeFromShape(shape.slice(0, axis)),
    out,
  );
  return out;
}

/** Registers {@link sliceWasm} as `Slice` for 'wasm'. */
export const sliceWasmConfig: KernelConfig = {
  kernelName: Slice,
  backendName: 'wasm',
  kernelFunc: sliceWasm as unknown as KernelFunc,
};
/** Registers {@link splitVWasm} as `SplitV` for 'wasm'. */
export const splitVWasmConfig: KernelConfig = {
  kernelName: SplitV,
  backendName: 'wasm',
  kernelFunc: splitVWasm as unknown as KernelFunc,
};
/** Registers {@link unpackWasm} as `Unpack` for 'wasm'. */
export const unpackWasmConfig: KernelConfig = {
  kernelName: Unpack,
  backendName: 'wasm',
  kernelFunc: unpackWasm as unknown as KernelFunc,
};
/** Registers {@link concatWasm} as `Concat` for 'wasm'. */
export const concatWasmConfig: KernelConfig = {
  kernelName: Concat,
  backendName: 'wasm',
  kernelFunc: concatWasm as unknown as KernelFunc,
};
/** Registers {@link packWasm} as `Pack` for 'wasm'. */
export const packWasmConfig: KernelConfig = {
  kernelName: Pack,
  backendName: 'wasm',
  kernelFunc: packWasm as unknown as KernelFunc,
};

/** The copy kernels of this file, for {@link registerWasmTrainingKernels}. @internal */
export const COPY_KERNEL_CONFIGS: readonly KernelConfig[] = [
  sliceWasmConfig,
  splitVWasmConfig,
  unpackWasmConfig,
  concatWasmConfig,
  packWasmConfig,
];
