import { util, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { disposeInfo } from './kernel-utils';
import {
  F32X4_ADD,
  F32X4_MUL,
  get,
  I32_ADD,
  I32_LT_U,
  I32_MUL,
  i32,
  load32Splat,
  loopWith,
  moduleBytes,
  SELECT,
  set,
  simd,
  simdFunction,
  tee,
  V128,
  v128Load,
  v128Store,
  type SimdFunction,
} from './simd-module';

/**
 * Rows of k the kernel takes per block: the block of the filter it reads, kBlock x N floats, is
 * kept near 512 KB so that it stays in the L2 cache while every 4-row tile of a runs over it.
 */
function kBlock(n: number): number {
  return Math.max(4, Math.floor((1 << 17) / n));
}

/**
 * The WebAssembly GEMM `f(a, w, y, rows, k, rowBytesN, kBlock, rowBytesA)`: y [rows, N] +=
 * a [rows, K] . w [K, N], all row-major float32 in the backend's memory, rows a multiple of 4 and
 * N of 8. w is read as it is stored (nothing packed): per block of `kBlock` rows of w, per tile
 * of 4 rows of a, per 8 columns, eight f32x4 accumulators start from y, take the products
 * k after k (a[r, k] splatted, times w[k, n .. n + 8], then added: one float32 multiply and one
 * add per term, in k order), and go back to y.
 */
function smallGemmModule(shared: boolean): Uint8Array {
  const [A, W, Y, ROWS, K, NB, KB, AROW] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [KB0, KEND, P, AR, YR, N, YP, WP, A0, A1, A2, A3, KK, Y1, Y2, Y3] = [
    8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
  ];
  const ACC = 24; // eight v128: row r, half h at ACC + 2r + h
  const [W0, W1, AV] = [32, 33, 34];
  const yPtr = [YP, Y1, Y2, Y3];
  const aPtr = [A0, A1, A2, A3];
  const add = (x: number, y: number) => [...get(x), ...get(y), I32_ADD];
  // biome-ignore format: one line per instruction group
  const inner = [
    ...get(WP), ...v128Load(0), ...set(W0),
    ...get(WP), ...v128Load(16), ...set(W1),
    ...[0, 1, 2, 3].flatMap((r) => [
      ...get(aPtr[r]!), ...load32Splat(0), ...set(AV),
      ...get(ACC + 2 * r), ...get(AV), ...get(W0), ...simd(F32X4_MUL), ...simd(F32X4_ADD), ...set(ACC + 2 * r),
      ...get(ACC + 2 * r + 1), ...get(AV), ...get(W1), ...simd(F32X4_MUL), ...simd(F32X4_ADD), ...set(ACC + 2 * r + 1),
    ]),
  ];
  // biome-ignore format: one line per instruction group
  const step = [
    ...add(WP, NB), ...set(WP),
    ...aPtr.flatMap((p) => [...get(p), ...i32(4), I32_ADD, ...set(p)]),
    ...get(KK), ...i32(1), I32_ADD, ...set(KK),
  ];
  // biome-ignore format: one line per instruction group
  const tile = [
    // y pointers of the tile's four rows at column byte N; the accumulators from y.
    ...add(YR, N), ...tee(YP), ...get(NB), I32_ADD, ...tee(Y1), ...get(NB), I32_ADD, ...tee(Y2), ...get(NB), I32_ADD, ...set(Y3),
    ...[0, 1, 2, 3].flatMap((r) => [
      ...get(yPtr[r]!), ...v128Load(0), ...set(ACC + 2 * r),
      ...get(yPtr[r]!), ...v128Load(16), ...set(ACC + 2 * r + 1),
    ]),
    // w at row KB0, column byte N; a at row AR, column KB0.
    ...get(KB0), ...get(NB), I32_MUL, ...get(W), I32_ADD, ...get(N), I32_ADD, ...set(WP),
    ...get(KB0), ...i32(4), I32_MUL, ...get(AR), I32_ADD, ...tee(A0),
    ...get(AROW), I32_ADD, ...tee(A1), ...get(AROW), I32_ADD, ...tee(A2), ...get(AROW), I32_ADD, ...set(A3),
    ...get(KB0), ...set(KK),
    ...loopWith(KK, KEND, inner, step),
    ...[0, 1, 2, 3].flatMap((r) => [
      ...get(yPtr[r]!), ...get(ACC + 2 * r), ...v128Store(0),
      ...get(yPtr[r]!), ...get(ACC + 2 * r + 1), ...v128Store(16),
    ]),
  ];
  // biome-ignore format: one line per instruction group
  const rowTile = [
    ...get(P), ...get(AROW), I32_MUL, ...get(A), I32_ADD, ...set(AR),
    ...get(P), ...get(NB), I32_MUL, ...get(Y), I32_ADD, ...set(YR),
    ...i32(0), ...set(N),
    ...loopWith(N, NB, tile, [...get(N), ...i32(32), I32_ADD, ...set(N)]),
  ];
  // biome-ignore format: one line per instruction group
  const block = [
    // KEND = min(KB0 + KB, K)
    ...add(KB0, KB), ...get(K), ...add(KB0, KB), ...get(K), I32_LT_U, SELECT, ...set(KEND),
    ...i32(0), ...set(P),
    ...loopWith(P, ROWS, rowTile, [...get(P), ...i32(4), I32_ADD, ...set(P)]),
  ];
  const body = [...i32(0), ...set(KB0), ...loopWith(KB0, K, block, [...add(KB0, KB), ...set(KB0)])];
  return moduleBytes(
    8,
    [
      [16, 0x7f],
      [11, V128],
    ],
    body,
    shared,
  );
}

const gemms = new WeakMap<object, SimdFunction | null>();

/** Whether the SIMD GEMM runs on this backend (WebAssembly SIMD present). @internal */
export function smallGemmAvailable(backend: BackendWasm): boolean {
  return simdFunction(gemms, backend, smallGemmModule) != null;
}

/**
 * y [rows, N] = a [rows, K] . w [K, N] (+ bias [N] on every row), float32, with w read as it is
 * stored: for the convolutions of a few output pixels through a large filter that a training
 * step changes every time, where XNNPACK would first pack the whole filter (a strided gather,
 * several times the product's own time) and then stream the packed copy once per 4 rows. Every
 * output is the sum XNNPACK's f32 GEMM forms, term by term in k order from the bias (or 0),
 * each a float32 multiply then add, so the results are the same floats.
 *
 * Needs N a multiple of 8 and {@link smallGemmAvailable}; rows past the last multiple of 4 run
 * through a zero-padded 4-row scratch tile. Returns a new [1, rows, N] tensor the caller owns.
 */
export function smallGemm(backend: BackendWasm, a: TensorInfo, w: TensorInfo, bias?: TensorInfo): TensorInfo {
  const gemm = simdFunction(gemms, backend, smallGemmModule);
  const [rows, k] = [a.shape.at(-2)!, a.shape.at(-1)!];
  const n = w.shape.at(-1)!;
  if (gemm == null || n % 8 !== 0 || util.sizeFromShape(w.shape) !== k * n) {
    throw new Error(`smallGemm (wasm): needs WebAssembly SIMD and N a multiple of 8, got [${a.shape}] x [${w.shape}].`);
  }
  const y = backend.makeOutput([1, rows, n], 'float32');
  const whole = rows - (rows % 4);
  const tail = rows - whole;
  const scratch = tail > 0 ? backend.makeOutput([4, k + n], 'float32') : undefined;
  try {
    // Views after the allocations: a `_malloc` may grow memory and detach older views.
    const ys = backend.typedArrayFromHeap(y) as Float32Array;
    const b = bias == null ? undefined : (backend.typedArrayFromHeap(bias) as Float32Array);
    if (b == null) ys.fill(0);
    else for (let r = 0; r < rows; r++) ys.set(b, r * n);
    const offset = (t: TensorInfo) => backend.dataIdMap.get(t.dataId)!.memoryOffset;
    const kb = kBlock(n);
    if (whole > 0) gemm(offset(a), offset(w), offset(y), whole, k, n * 4, kb, k * 4);
    if (scratch != null) {
      // The last rows, padded to a tile: a rows [4, k] then y rows [4, n], in one buffer.
      const s = backend.typedArrayFromHeap(scratch) as Float32Array;
      const as = backend.typedArrayFromHeap(a) as Float32Array;
      s.fill(0);
      s.set(as.subarray(whole * k, rows * k));
      s.set(ys.subarray(whole * n, rows * n), 4 * k);
      const base = offset(scratch);
      gemm(base, offset(w), base + 4 * k * 4, 4, k, n * 4, kb, k * 4);
      ys.set(s.subarray(4 * k, 4 * k + tail * n), whole * n);
    }
  } finally {
    if (scratch != null) disposeInfo(backend, scratch);
  }
  return y;
}
