import {
  Add,
  backend_util,
  Identity,
  Multiply,
  RealDiv,
  Sub,
  util,
  type BinaryInputs,
  type IdentityInputs,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { disposeInfo } from './kernel-utils';
import { setupStockKernel, stockKernel } from './stock-kernels';

/** The binary kernels {@link binaryWasmConfigs} route: tfjs-backend-wasm runs each through XNNPACK. */
const SCALAR_ROUTED: readonly string[] = [Add, Sub, Multiply, RealDiv];

/** Tensors with fewer elements than this keep the backend's call as it is. */
export const SCALAR_ROUTE_MIN_SIZE = 1 << 15;

/** Most rows the tensor is cut into: enough tasks to balance any thread count the backend starts. */
export const SCALAR_ROUTE_MAX_ROWS = 64;

/**
 * The rows R (a divisor of `size`, 2 <= R <= {@link SCALAR_ROUTE_MAX_ROWS}, the largest such)
 * a tensor of `size` elements is viewed as when combined with a scalar, or 0 when the call stays
 * as it is (smaller than {@link SCALAR_ROUTE_MIN_SIZE}, or no such divisor).
 *
 * Why: XNNPACK (as built into tfjs-backend-wasm 4.22) merges every dimension that both operands
 * share or both broadcast, and splits the work between threads only along the dimensions left
 * outside the innermost one. A tensor with a scalar, or two tensors of one shape, become a
 * single run of elements: one task, one thread. The Adam update (`m * beta1`, `g * (1 - beta1)`,
 * `/ (1 - beta1^t)`, `* -lr`, `+ epsilon`) and loss scalings are such calls, over every weight of
 * the network. Viewed as [R, N / R] against the scalar repeated in an [R, 1] column, the column
 * broadcasts along the rows, so XNNPACK cuts the call into R tasks. Every element is still the
 * same single IEEE operation with the same scalar: the results are identical to the bit.
 *
 * @example
 * ```ts
 * import { scalarRouteRows } from './elementwise';
 * scalarRouteRows(4 * 4 * 512 * 512); // 64
 * scalarRouteRows(100); // 0 (small)
 * ```
 */
export function scalarRouteRows(size: number): number {
  if (size < SCALAR_ROUTE_MIN_SIZE) return 0;
  for (let r = SCALAR_ROUTE_MAX_ROWS; r >= 2; r--) if (size % r === 0) return r;
  return 0;
}

/** Tensors of fewer elements than this combined with a broadcast row become one task (see {@link rowRouteTile}). */
export const ROW_ROUTE_SINGLE_TASK_SIZE = 1 << 14;

/**
 * How many copies k of the broadcast operand a call of `size` output elements, whose other
 * operand repeats `rows` times (out = [rows, rowSize] against one [rowSize] row), takes: the
 * call then runs as [rows / k, k * rowSize] against the row repeated k times in one
 * [1, k * rowSize] operand. 0 when the call stays as it is.
 *
 * - Below {@link ROW_ROUTE_SINGLE_TASK_SIZE} elements, k = rows: two operands of one shape, which
 *   XNNPACK runs as a single task on the calling thread.
 * - Otherwise the largest divisor of `rows` that is at most {@link SCALAR_ROUTE_MAX_ROWS} becomes
 *   the number of rows (k = rows / that), at least 8 of them; 0 when `rows` is already at most
 *   that many or has no such divisor.
 *
 * Why: XNNPACK (as built into tfjs-backend-wasm 4.22) makes one task per row of a broadcast
 * operation. The batch norm's `(x - mean) * scale + offset` over [1, H, W, C] against [C] is
 * H * W tasks of C elements each (16,384 tasks of 64 floats at 128x128), and with two threads
 * each task is a claim on a counter both threads write: measured up to 3x the CPU time of one
 * thread, and slower in wall time too; small broadcast calls take 5-10x the time of the same call
 * on two operands of one shape even on one thread. Every element is still the same single IEEE
 * operation on the same two values: the results are identical to the bit.
 *
 * @example
 * ```ts
 * import { rowRouteTile } from './elementwise';
 * rowRouteTile(128 * 128 * 64, 128 * 128); // 256: 64 rows of 16,384 floats
 * rowRouteTile(4 * 512, 4); // 4: one task
 * rowRouteTile(64 * 4096, 64); // 0: already 64 rows
 * ```
 */
export function rowRouteTile(size: number, rows: number): number {
  if (rows < 2) return 0;
  if (size < ROW_ROUTE_SINGLE_TASK_SIZE) return rows;
  if (rows <= SCALAR_ROUTE_MAX_ROWS) return 0;
  for (let r = SCALAR_ROUTE_MAX_ROWS; r >= 8; r--) if (rows % r === 0) return rows / r;
  return 0;
}

/**
 * The element count of the row `small` repeats along `outShape` when `small`'s shape, without
 * its leading 1s, is the trailing part of `outShape` (so out = [rows, rowSize] against one
 * [rowSize] row); 0 otherwise.
 */
function broadcastRowSize(small: readonly number[], outShape: readonly number[]): number {
  let first = 0;
  while (first < small.length && small[first] === 1) first++;
  const tail = small.slice(first);
  if (tail.length === 0 || tail.length > outShape.length) return 0;
  const offset = outShape.length - tail.length;
  for (const [i, d] of tail.entries()) if (outShape[offset + i] !== d) return 0;
  return util.sizeFromShape(tail);
}

/**
 * `Add`, `Sub`, `Multiply` or `RealDiv` on the wasm backend: the backend's own XNNPACK kernel,
 * called on views that let XNNPACK split the work between threads in large tasks: when one
 * operand is a single float and the other is large ({@link scalarRouteRows}), and when one
 * operand is a row the other repeats ({@link rowRouteTile}). Every other call (two operands of
 * one shape, other broadcasts, other dtypes, small tensors) goes to the backend's kernel unchanged.
 */
function binaryWasm(kernelName: string) {
  return (args: { inputs: BinaryInputs; backend: BackendWasm; attrs: NamedAttrMap }): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const a = inputs.a as TensorInfo;
    const b = inputs.b as TensorInfo;
    const own = stockKernel(kernelName);
    const callStock = (i: { a: TensorInfo; b: TensorInfo }) =>
      own.kernelFunc({ inputs: i, backend, attrs }) as TensorInfo;
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return callStock({ a, b });
    let outShape: number[];
    try {
      outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    } catch {
      return callStock({ a, b });
    }
    const sizeA = util.sizeFromShape(a.shape);
    const sizeB = util.sizeFromShape(b.shape);
    const size = util.sizeFromShape(outShape);
    // The operand of the output's size, and the one it broadcasts against.
    const smallIsB = sizeA === size && sizeB < size;
    if (!smallIsB && !(sizeB === size && sizeA < size)) return callStock({ a, b });
    const big = smallIsB ? a : b;
    const small = smallIsB ? b : a;
    const rowSize = util.sizeFromShape(small.shape) === 1 ? 1 : broadcastRowSize(small.shape, outShape);
    if (rowSize === 0) return callStock({ a, b });
    let rows: number;
    let tile: number;
    if (rowSize === 1) {
      // A scalar: the column trick of scalarRouteRows.
      rows = scalarRouteRows(size);
      tile = 0;
    } else {
      const k = rowRouteTile(size, size / rowSize);
      rows = k === 0 ? 0 : size / rowSize / k;
      tile = k;
    }
    if (rows === 0) return callStock({ a, b });
    // The scalar as an [rows, 1] column, or the row repeated `tile` times as [1, tile * rowSize].
    const other = backend.makeOutput(tile === 0 ? [rows, 1] : [1, tile * rowSize], 'float32');
    try {
      // Views after the allocation: a heap growth detaches earlier ones.
      const dst = backend.typedArrayFromHeap(other) as Float32Array;
      const src = backend.typedArrayFromHeap(small) as Float32Array;
      if (tile === 0) dst.fill(src[0]!);
      else {
        dst.set(src.subarray(0, rowSize));
        for (let filled = rowSize; filled < dst.length; filled *= 2)
          dst.copyWithin(filled, 0, Math.min(filled, dst.length - filled));
      }
      // The same data read as [rows, size / rows]: the kernel only looks the data up by its id.
      const view: TensorInfo = { dataId: big.dataId, shape: [rows, size / rows], dtype: 'float32' };
      const out = callStock(smallIsB ? { a: view, b: other } : { a: other, b: view });
      return { dataId: out.dataId, shape: outShape, dtype: out.dtype };
    } finally {
      disposeInfo(backend, other);
    }
  };
}

/**
 * `Identity` (`tf.clone`, and the engine's copies of the tensors a gradient keeps) on the wasm
 * backend: the output shares the input's data (its reference count goes up), as the cpu and
 * webgl backends do, instead of the backend's copy. tfjs never writes into a tensor's data after
 * it is made (`Variable.assign` gives the variable new data), so sharing is safe; the backend's
 * `Reshape` shares the same way.
 *
 * Why: a copy runs on one thread. A training step of this library snapshots every weight and
 * every optimizer slot before it starts (so that a failed step changes nothing); with copies that
 * was about three times the network's weights copied on every step.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend('wasm'); // registers this kernel
 * const w = tf.randomNormal([512, 512]);
 * const copy = tf.clone(w); // no data copied
 * w.dispose(); // copy keeps the values
 * ```
 */
export function identityWasm(args: { inputs: IdentityInputs; backend: BackendWasm }): TensorInfo {
  const { inputs, backend } = args;
  const x = inputs.x as TensorInfo;
  if (x.dtype === 'string') {
    return stockKernel(Identity).kernelFunc({ inputs, backend, attrs: {} }) as TensorInfo;
  }
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

const binaryConfigs: KernelConfig[] = SCALAR_ROUTED.map((kernelName) => ({
  kernelName,
  backendName: 'wasm',
  kernelFunc: binaryWasm(kernelName) as unknown as KernelFunc,
  // The stock kernel's setup binds its wasm function; this kernel calls the stock one.
  setupFunc: (backend) => setupStockKernel(kernelName, backend),
}));

/**
 * Registers {@link identityWasm} as `Identity` for 'wasm' (its setup runs the stock kernel's
 * setup, for string tensors).
 */
export const identityWasmConfig: KernelConfig = {
  kernelName: Identity,
  backendName: 'wasm',
  kernelFunc: identityWasm as unknown as KernelFunc,
  setupFunc: (backend) => setupStockKernel(Identity, backend),
};

/** `Add`, `Sub`, `Multiply` and `RealDiv` for 'wasm', routed as described at {@link scalarRouteRows}. */
export const binaryWasmConfigs: readonly KernelConfig[] = binaryConfigs;
