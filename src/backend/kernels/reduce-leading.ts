import {
  backend_util,
  Mean,
  Sum,
  util,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  F32X4_ADD,
  get,
  I32_ADD,
  i32,
  loop,
  moduleBytes,
  set,
  simd,
  simdFunction,
  v128Load,
  v128Store,
  type SimdFunction,
} from './simd-module';
import { setupStockKernel, stockKernel } from './stock-kernels';

/** Inputs with fewer elements than this keep the backend's kernel (the transpose is then cheap). */
export const REDUCE_LEADING_MIN_SIZE = 1 << 12;

/**
 * The number of rows R when `axes` (normalised) are exactly the leading axes of `shape` and at
 * least one axis is left: x is then [R, C] and the reduction runs down its columns. Otherwise
 * null.
 *
 * @example
 * ```ts
 * import { leadingReduceRows } from './reduce-leading';
 * leadingReduceRows([1, 64, 64, 128], [0, 1, 2]); // 4096
 * leadingReduceRows([1, 64, 64, 128], [3]); // null: the backend reduces inner axes in place
 * ```
 */
export function leadingReduceRows(shape: readonly number[], axes: readonly number[]): number | null {
  if (axes.length === 0 || axes.length >= shape.length) return null;
  const sorted = [...axes].sort((a, b) => a - b);
  if (sorted.some((a, i) => a !== i)) return null;
  return util.sizeFromShape(shape.slice(0, axes.length));
}

/**
 * The WebAssembly loop `f(x, acc, rows, rowBytes, vecBytes)`: for each of `rows` rows of x
 * (`rowBytes` apart), acc[0 .. vecBytes) += the row's first `vecBytes` bytes, four float32 lanes
 * at a time (each lane one float32 addition, so each column is summed in row order).
 */
function columnSumModule(shared: boolean): Uint8Array {
  const [X, ACC, ROWS, ROW_BYTES, VEC_BYTES, R, P, CB] = [0, 1, 2, 3, 4, 5, 6, 7];
  // biome-ignore format: one line per instruction group
  const body = [
    ...get(X), ...set(P),
    ...loop(R, ROWS, 1, [
      ...i32(0), ...set(CB),
      ...loop(CB, VEC_BYTES, 16, [
        ...get(ACC), ...get(CB), I32_ADD, // the store's address
        ...get(ACC), ...get(CB), I32_ADD, ...v128Load(),
        ...get(P), ...get(CB), I32_ADD, ...v128Load(),
        ...simd(F32X4_ADD), ...v128Store(),
      ]),
      ...get(P), ...get(ROW_BYTES), I32_ADD, ...set(P),
    ]),
  ];
  return moduleBytes(5, [[3, 0x7f]], body, shared);
}

const columnSums = new WeakMap<object, SimdFunction | null>();

/** Whether the SIMD column sums run on this backend (else the JavaScript loop does). @internal */
export function columnSumSimdAvailable(backend: BackendWasm): boolean {
  return simdFunction(columnSums, backend, columnSumModule) != null;
}

/**
 * `Sum` and `Mean` on the wasm backend over leading axes (batch norm's statistics and their
 * gradients reduce an NHWC tensor over [0, 1, 2]) without the transpose the backend makes first.
 *
 * tfjs-backend-wasm 4.22 moves the reduced axes innermost with its `Transpose` kernel (a copy of
 * the whole input), then sums each output's run of values in float32, in order, and for `Mean`
 * divides the sum by the count as a float32. This kernel reads x in place as [R, C] and adds row
 * after row into C float32 accumulators: every output is the same float32 additions in the same
 * order (x[0, c] + x[1, c] + ...), then the same division, so the results are the backend's to
 * the bit. The additions run in a WebAssembly SIMD loop, four columns per instruction, row after
 * row (`columnSumModule`); the columns past the last multiple of four, and every column where
 * the engine has no WebAssembly SIMD, in JavaScript (a float32 sum computed in float64 and
 * rounded back is the correctly rounded float32 sum, so that is float32 arithmetic too). Other
 * axes, other dtypes and small inputs run the backend's kernel.
 */
function reduceLeadingWasm(kernelName: typeof Sum | typeof Mean) {
  return (args: { inputs: { x: TensorInfo }; backend: BackendWasm; attrs: NamedAttrMap }): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs;
    const axes = util.parseAxisParam(attrs.axis as number | number[], x.shape);
    const rows = x.dtype === 'float32' ? leadingReduceRows(x.shape, axes) : null;
    const size = util.sizeFromShape(x.shape);
    if (rows == null || size < REDUCE_LEADING_MIN_SIZE) {
      return stockKernel(kernelName).kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    }
    const cols = size / rows;
    const [outShape] = backend_util.computeOutAndReduceShapes(x.shape, axes);
    const shape = attrs.keepDims === true ? backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
    const out = backend.makeOutput(shape, 'float32');
    // Views after the allocation: a `_malloc` may grow memory and detach older views.
    const xs = backend.typedArrayFromHeap(x) as Float32Array;
    const acc = backend.typedArrayFromHeap(out) as Float32Array;
    // From +0, as the backend starts (so a column of -0 sums to +0 there too).
    acc.fill(0);
    const sum = simdFunction(columnSums, backend, columnSumModule);
    const vecCols = sum == null ? 0 : cols - (cols % 4);
    if (vecCols > 0) {
      const offset = (t: TensorInfo) => backend.dataIdMap.get(t.dataId)!.memoryOffset;
      sum!(offset(x), offset(out), rows, cols * 4, vecCols * 4);
    }
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      for (let c = vecCols; c < cols; c++) acc[c]! += xs[base + c]!;
    }
    if (kernelName === Mean) {
      const count = Math.fround(rows);
      for (let c = 0; c < cols; c++) acc[c] = acc[c]! / count;
    }
    return out;
  };
}

/** `Sum` for 'wasm': see {@link reduceLeadingWasm}. */
export const sumWasmConfig: KernelConfig = {
  kernelName: Sum,
  backendName: 'wasm',
  kernelFunc: reduceLeadingWasm(Sum) as unknown as KernelFunc,
  // The stock kernel's setup binds its wasm function; other axes run the stock kernel.
  setupFunc: (backend) => setupStockKernel(Sum, backend),
};

/** `Mean` for 'wasm': see {@link reduceLeadingWasm}. */
export const meanWasmConfig: KernelConfig = {
  kernelName: Mean,
  backendName: 'wasm',
  kernelFunc: reduceLeadingWasm(Mean) as unknown as KernelFunc,
  setupFunc: (backend) => setupStockKernel(Mean, backend),
};
