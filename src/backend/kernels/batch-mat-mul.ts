import {
  BatchMatMul,
  broadcast_util,
  Reshape,
  Slice,
  Transpose,
  util,
  type BatchMatMulAttrs,
  type BatchMatMulInputs,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { disposeInfo, runWasmKernel } from './kernel-utils';
import { runPass } from './pass-helpers';
import { setupStockKernel, stockKernel } from './stock-kernels';
import { GEMM_PASS } from './wasm-passes';

const NAME = 'BatchMatMul';

/**
 * Products with fewer multiply-adds than this stay on the backend's kernel whatever the
 * transposes: the explicit transposes and slices would cost more than they save.
 */
export const BATCH_MAT_MUL_MIN_MACS = 1 << 15;

/** How a `BatchMatMul` call runs: see {@link batchMatMulPath}. */
export type BatchMatMulPath = 'xnnpack' | 'stock' | 'pass';

/** Most rows M of a product that {@link batchMatMulPath} gives to the GEMM pass. */
export const GEMM_PASS_MAX_M = 16;

/** Fewest values of B (K * N) for which {@link batchMatMulPath} gives a product to the GEMM pass. */
export const GEMM_PASS_MIN_B = 1 << 16;

/**
 * The route for a product of `batch` matrices [M, K] x [K, N] with the given transposes:
 * - 'pass' for one untransposed product of at most {@link GEMM_PASS_MAX_M} rows by a B of at
 *   least {@link GEMM_PASS_MIN_B} values with N a multiple of 16 (the deep layers of a network
 *   run as an im2col product: few output pixels, a large filter): this library's GEMM pass
 *   (`wasm-passes.ts` GEMM_PASS), shared with the helper threads of a threaded backend;
 * - 'stock' (the backend's kernel) for other untransposed single products (XNNPACK's case) and
 *   products smaller than {@link BATCH_MAT_MUL_MIN_MACS};
 * - 'xnnpack' otherwise (explicit transposes, then XNNPACK per matrix).
 *
 * Why: tfjs-backend-wasm 4.22 sends only the untransposed, unbatched product to XNNPACK; a
 * transpose flag or a batch dimension runs a scalar blocked loop, an order of magnitude slower.
 * Every `matMul` gradient has a transposed operand (da = dy . b^T, db = a^T . dy), and so do
 * Gram matrices (F^T F). And XNNPACK first packs B, on one thread, for every new B (a filter
 * after each optimizer step): for a [4, 8192] x [8192, 512] product that packing takes several
 * times as long as the product itself. The pass gives the same bits as XNNPACK (the same order
 * of multiplies and adds per output).
 *
 * @example
 * ```ts
 * import { batchMatMulPath } from './batch-mat-mul';
 * batchMatMulPath(1, 1, 64, 4096, 64, true, false); // 'xnnpack'
 * batchMatMulPath(1, 1, 64, 4096, 64, false, false); // 'stock'
 * batchMatMulPath(1, 1, 4, 8192, 512, false, false); // 'pass'
 * ```
 */
export function batchMatMulPath(
  batchA: number,
  batchB: number,
  m: number,
  k: number,
  n: number,
  transposeA: boolean,
  transposeB: boolean,
): BatchMatMulPath {
  if (!transposeA && !transposeB && batchA === 1 && batchB === 1) {
    return m <= GEMM_PASS_MAX_M && k * n >= GEMM_PASS_MIN_B && n % 16 === 0 ? 'pass' : 'stock';
  }
  return Math.max(batchA, batchB) * m * k * n < BATCH_MAT_MUL_MIN_MACS ? 'stock' : 'xnnpack';
}

let forcedPath: BatchMatMulPath | undefined;

/**
 * Makes every later float32 call take `path` (`undefined` restores the rule), so tests and
 * benchmarks can compare the routes on the same shapes.
 * @internal
 */
export function forceBatchMatMulPath(path: BatchMatMulPath | undefined): void {
  forcedPath = path;
}

/**
 * `BatchMatMul` (`tf.matMul` and its gradients) on the wasm backend: transposed and batched
 * products by XNNPACK's GEMM. Operands with a transpose flag are transposed explicitly (the
 * backend's `Transpose` kernel); then, when b is one matrix, all of a's matrices form one
 * [Ba*M, K] operand and one XNNPACK product serves the whole batch, so an untransposed b keeps
 * its packed copy between calls as before; otherwise each matrix pair is sliced out and
 * multiplied in turn. Broadcasting follows `tf.matMul` (one side may have batch 1). The rule:
 * {@link batchMatMulPath}.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend('wasm'); // registers this kernel
 * const f = tf.randomNormal([4096, 64]);
 * const gram = tf.matMul(f, f, true, false); // [64, 64], by XNNPACK
 * ```
 */
export function batchMatMulWasm(args: {
  inputs: BatchMatMulInputs;
  backend: BackendWasm;
  attrs: BatchMatMulAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const a = inputs.a as TensorInfo;
  const b = inputs.b as TensorInfo;
  const { transposeA, transposeB } = attrs;
  // The backend's own kernel: XNNPACK for its one fast case, and the fallback.
  const callStock = () =>
    stockKernel(NAME).kernelFunc({ inputs, backend, attrs: attrs as unknown as NamedAttrMap }) as TensorInfo;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return callStock();
  const aRank = a.shape.length;
  const bRank = b.shape.length;
  const m = transposeA ? a.shape[aRank - 1]! : a.shape[aRank - 2]!;
  const k = transposeA ? a.shape[aRank - 2]! : a.shape[aRank - 1]!;
  const kB = transposeB ? b.shape[bRank - 1]! : b.shape[bRank - 2]!;
  const n = transposeB ? b.shape[bRank - 2]! : b.shape[bRank - 1]!;
  // Mismatched shapes: the backend's kernel raises tfjs's own error.
  if (k !== kB) return callStock();
  const batchA = util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = util.sizeFromShape(b.shape.slice(0, -2));
  let outer: number[];
  try {
    outer = broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  } catch {
    return callStock();
  }
  const batch = util.sizeFromShape(outer);
  // tfjs broadcasts batch dims one against many only through this kernel's 3-D view.
  if ((batchA !== batch && batchA !== 1) || (batchB !== batch && batchB !== 1)) return callStock();
  const path = forcedPath ?? batchMatMulPath(batchA, batchB, m, k, n, transposeA, transposeB);
  if (path === 'stock' || m * k * n === 0) return callStock();
  if (path === 'pass') {
    // Only for one untransposed product with N a multiple of 16; forced elsewhere, the stock kernel.
    if (transposeA || transposeB || batchA !== 1 || batchB !== 1 || n % 16 !== 0) return callStock();
    return gemmPassRoute(backend, a, b, m, k, n, [...outer, m, n]) ?? callStock();
  }
  return xnnpackRoute(backend, a, b, { batchA, batchB, batch, m, k, n, transposeA, transposeB }, [...outer, m, n]);
}

/**
 * Whether one untransposed, unbatched product [M, K] x [K, N] takes {@link GEMM_PASS}: the rule
 * of {@link batchMatMulPath}, or the path forced by {@link forceBatchMatMulPath}. For
 * `_FusedMatMul` without bias or activation too (`fused-mat-mul.ts`).
 * @internal
 */
export function gemmPassWanted(m: number, k: number, n: number): boolean {
  if (n % 16 !== 0 || m * k * n === 0) return false;
  return (forcedPath ?? batchMatMulPath(1, 1, m, k, n, false, false)) === 'pass';
}

/**
 * One untransposed product by {@link GEMM_PASS} (N a multiple of 16), or null, with nothing
 * allocated, when the pass cannot be made on this engine.
 * @internal
 */
export function gemmPassRoute(
  backend: BackendWasm,
  a: TensorInfo,
  b: TensorInfo,
  m: number,
  k: number,
  n: number,
  outShape: number[],
): TensorInfo | null {
  const out = backend.makeOutput(outShape, 'float32');
  const ptr = (t: TensorInfo) => backend.dataIdMap.get(t.dataId)!.memoryOffset;
  // Work per byte of output columns: M rows of K multiply-adds per 4 bytes.
  const done = runPass(backend, GEMM_PASS, [ptr(a), ptr(b), ptr(out)], n * 4, {
    ints: [k, m, n * 4, n * 4],
    workPerByte: (m * k) / 4,
  });
  if (done) return out;
  disposeInfo(backend, out);
  return null;
}

interface Dims {
  batchA: number;
  batchB: number;
  batch: number;
  m: number;
  k: number;
  n: number;
  transposeA: boolean;
  transposeB: boolean;
}

/** Runs `kernelName` (for `BatchMatMul`, the backend's own kernel) and records its output in `temps`. */
function run(
  backend: BackendWasm,
  temps: TensorInfo[],
  kernelName: string,
  inputs: Record<string, TensorInfo>,
  attrs: object,
): TensorInfo {
  const out = runKernel(backend, kernelName, inputs, attrs);
  temps.push(out);
  return out;
}

function runKernel(
  backend: BackendWasm,
  kernelName: string,
  inputs: Record<string, TensorInfo>,
  attrs: object,
): TensorInfo {
  if (kernelName !== BatchMatMul) return runWasmKernel(NAME, kernelName, inputs as never, attrs as never, backend);
  const out = stockKernel(NAME).kernelFunc({ inputs: inputs as never, backend, attrs: attrs as NamedAttrMap });
  return Array.isArray(out) ? out[0]! : out;
}

function xnnpackRoute(backend: BackendWasm, a: TensorInfo, b: TensorInfo, d: Dims, outShape: number[]): TensorInfo {
  const { batchA, batchB, batch, m, k, n, transposeA, transposeB } = d;
  const temps: TensorInfo[] = [];
  try {
    const a3 = run(backend, temps, Reshape, { x: a }, { shape: transposeA ? [batchA, k, m] : [batchA, m, k] });
    const aN = transposeA ? run(backend, temps, Transpose, { x: a3 }, { perm: [0, 2, 1] }) : a3;
    const b3 = run(backend, temps, Reshape, { x: b }, { shape: transposeB ? [batchB, n, k] : [batchB, k, n] });
    const bN = transposeB ? run(backend, temps, Transpose, { x: b3 }, { perm: [0, 2, 1] }) : b3;
    if (batchB === 1) {
      // One product for the whole batch of a: [Ba*M, K] x [K, N].
      const aFlat = run(backend, temps, Reshape, { x: aN }, { shape: [1, batchA * m, k] });
      const y = runKernel(backend, BatchMatMul, { a: aFlat, b: bN }, { transposeA: false, transposeB: false });
      if (batchA === batch) return { dataId: y.dataId, shape: outShape, dtype: 'float32' };
      temps.push(y);
    }
    const out = backend.makeOutput([batch, m, n], 'float32');
    try {
      for (let i = 0; i < batch; i++) {
        const step: TensorInfo[] = [];
        try {
          const ai = batchA === 1 ? aN : run(backend, step, Slice, { x: aN }, { begin: [i, 0, 0], size: [1, m, k] });
          const bi = batchB === 1 ? bN : run(backend, step, Slice, { x: bN }, { begin: [i, 0, 0], size: [1, k, n] });
          const yi = run(backend, step, BatchMatMul, { a: ai, b: bi }, { transposeA: false, transposeB: false });
          // Views after every allocation: a heap growth detaches earlier ones.
          (backend.typedArrayFromHeap(out) as Float32Array).set(
            backend.typedArrayFromHeap(yi) as Float32Array,
            i * m * n,
          );
        } finally {
          for (const t of step) disposeInfo(backend, t);
        }
      }
    } catch (e) {
      disposeInfo(backend, out);
      throw e;
    }
    return { dataId: out.dataId, shape: outShape, dtype: 'float32' };
  } finally {
    for (const t of temps) disposeInfo(backend, t);
  }
}

/**
 * Registers {@link batchMatMulWasm} as `BatchMatMul` for 'wasm'; its setup runs the stock
 * kernel's setup, so the stock route works even when registered before the backend starts.
 */
export const batchMatMulWasmConfig: KernelConfig = {
  kernelName: BatchMatMul,
  backendName: 'wasm',
  kernelFunc: batchMatMulWasm as unknown as KernelFunc,
  setupFunc: (backend) => setupStockKernel(NAME, backend),
};
