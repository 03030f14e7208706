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

/**
 * `Add`, `Sub`, `Multiply` or `RealDiv` on the wasm backend: the backend's own XNNPACK kernel,
 * called on a view that lets XNNPACK split the work between threads when one operand is a
 * single float and the other is large ({@link scalarRouteRows}). Every other call (both
 * operands large, other dtypes, small tensors) goes to the backend's kernel unchanged.
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
    const sizeA = util.sizeFromShape(a.shape);
    const sizeB = util.sizeFromShape(b.shape);
    const scalarIsB = sizeB === 1;
    if (sizeA !== 1 && !scalarIsB) return callStock({ a, b });
    const big = scalarIsB ? a : b;
    const scalar = scalarIsB ? b : a;
    const size = scalarIsB ? sizeA : sizeB;
    const rows = scalarRouteRows(size);
    if (rows === 0) return callStock({ a, b });
    let outShape: number[];
    try {
      outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    } catch {
      return callStock({ a, b });
    }
    const column = backend.makeOutput([rows, 1], 'float32');
    try {
      // Views after the allocation: a heap growth detaches earlier ones.
      (backend.typedArrayFromHeap(column) as Float32Array).fill(
        (backend.typedArrayFromHeap(scalar) as Float32Array)[0]!,
      );
      // The same data read as [rows, size / rows]: the kernel only looks the data up by its id.
      const view: TensorInfo = { dataId: big.dataId, shape: [rows, size / rows], dtype: 'float32' };
      const out = callStock(scalarIsB ? { a: view, b: column } : { a: column, b: view });
      return { dataId: out.dataId, shape: outShape, dtype: out.dtype };
    } finally {
      disposeInfo(backend, column);
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
