import {
  F32,
  F32X4_ADD,
  F32X4_DIV,
  F32X4_LT,
  F32X4_MUL,
  F32X4_SPLAT,
  F32X4_SQRT,
  get,
  I32,
  isSharedMemory,
  leb,
  moduleBytes,
  set,
  simd,
  V128,
  V128_BITSELECT,
  V128_LOAD,
  V128_STORE,
} from './simd-module';

/**
 * A pass over the wasm backend's heap as a tiny WebAssembly SIMD module: one exported function
 * `run(p_0, ..., p_{P-1}, bytes, i_0, ..., i_{I-1}, s_0, ..., s_{S-1})` (P i32 addresses, an i32
 * byte count, I i32 and S f32 parameters) that processes the first `bytes` bytes (a multiple of
 * its granule) from each address but the first `fixed` ones, which it reads whole. Each output
 * lane depends only on the same lane of the moving inputs, so a pass cut into byte ranges (each
 * moving address and the count moved alike) gives the same bits as one call: `pass-helpers.ts`
 * shares a pass between threads that way. A pass never writes memory it reads (its outputs are
 * new tensors), so a part may run twice, or on two threads at once, with the same result.
 * @internal
 */
export interface WasmPass {
  /** Names the pass in errors. */
  readonly name: string;
  /** P: how many leading parameters are addresses. */
  readonly pointers: number;
  /** How many of the addresses (the first ones) stay where they are when the range is cut. */
  readonly fixed: number;
  /** I: how many i32 parameters follow the byte count. */
  readonly ints: number;
  /** S: how many f32 parameters follow those. */
  readonly scalars: number;
  /** The byte count is a multiple of this (16 or 64). */
  readonly granule: number;
  /** The module's bytes; `shared` declares its imported memory shared (the threaded build's heap). */
  bytes(shared: boolean): Uint8Array<ArrayBuffer>;
}

const OP = {
  splat: F32X4_SPLAT,
  load: V128_LOAD,
  store: V128_STORE,
  lt: F32X4_LT,
  bitselect: V128_BITSELECT,
  sqrt: F32X4_SQRT,
  add: F32X4_ADD,
  mul: F32X4_MUL,
  div: F32X4_DIV,
};
const MEMARG = [0x02, 0x00]; // alignment 4 bytes, offset 0

/**
 * A module of the {@link WasmPass} form: one i32 counter local (index P + 1 + S), then
 * `v128Locals` v128 locals; `prologue` runs once, `step(at)` for every 16 bytes (`at(p)` gives
 * address parameter p plus the counter) while the counter is below the byte count.
 */
function passModule(
  pointers: number,
  scalars: number,
  v128Locals: number,
  prologue: number[],
  step: (at: (p: number) => number[]) => number[],
  shared: boolean,
): Uint8Array<ArrayBuffer> {
  const bytesParam = pointers;
  const i = pointers + 1 + scalars;
  const at = (p: number) => [...get(p), ...get(i), 0x6a]; // p + i
  // biome-ignore format: one line per step of the loop
  const body = [
    ...prologue,
    0x02, 0x40, 0x03, 0x40, // block, loop
    ...get(i), ...get(bytesParam), 0x4f, 0x0d, 1, // if i >= bytes: break
    ...step(at),
    ...get(i), 0x41, 16, 0x6a, ...set(i), // i += 16
    0x0c, 0, 0x0b, 0x0b, // continue; end loop; end block
  ];
  const params = [...Array<number>(pointers + 1).fill(I32), ...Array<number>(scalars).fill(F32)];
  // Locals: the counter, then the v128 ones.
  return moduleBytes(
    params,
    [
      [1, I32],
      [v128Locals, V128],
    ],
    body,
    shared,
    'run',
  );
}

/**
 * The Adam update: `run(w, m, v, g, wOut, mOut, vOut, bytes, beta1, 1 - beta1, beta2, 1 - beta2,
 * correction2Sqrt, epsilon, -stepSize)`, every lane one IEEE float32 operation per tfjs op, in
 * their order (as XNNPACK's kernels compute them: the same bits):
 * m' = m b1 + g (1 - b1);  v' = v b2 + (g g)(1 - b2);  w' = w + (m' / (sqrt(v') / c2 + eps)) (-step).
 * @internal
 */
export const ADAM_PASS: WasmPass = {
  name: 'adam',
  pointers: 7,
  fixed: 0,
  ints: 0,
  scalars: 7,
  granule: 16,
  bytes(shared) {
    const loadAt = (at: number[]) => [...at, ...simd(OP.load), ...MEMARG];
    // Locals: params 0-6 addresses, 7 the byte count, 8-14 the scalars, 15 the counter; then
    // 16 g, 17 m', 18 v', 19 the denominator, 20-26 the scalars splatted.
    const [G, M, V, D] = [16, 17, 18, 19];
    const s = (k: number) => get(20 + k);
    const splatAll = [0, 1, 2, 3, 4, 5, 6].flatMap((k) => [...get(8 + k), ...simd(OP.splat), ...set(20 + k)]);
    return passModule(
      7,
      7,
      11,
      splatAll,
      // biome-ignore format: one line per step of the update
      (at) => [
        ...loadAt(at(3)), ...set(G),
        // m' = m b1 + g (1 - b1)
        ...loadAt(at(1)), ...s(0), ...simd(OP.mul), ...get(G), ...s(1), ...simd(OP.mul), ...simd(OP.add), ...set(M),
        // v' = v b2 + (g g)(1 - b2)
        ...loadAt(at(2)), ...s(2), ...simd(OP.mul), ...get(G), ...get(G), ...simd(OP.mul), ...s(3), ...simd(OP.mul), ...simd(OP.add), ...set(V),
        // d = sqrt(v') / c2 + eps
        ...get(V), ...simd(OP.sqrt), ...s(4), ...simd(OP.div), ...s(5), ...simd(OP.add), ...set(D),
        // wOut = w + (m' / d)(-step); mOut = m'; vOut = v'
        ...at(4), ...loadAt(at(0)), ...get(M), ...get(D), ...simd(OP.div), ...s(6), ...simd(OP.mul), ...simd(OP.add), ...simd(OP.store), ...MEMARG,
        ...at(5), ...get(M), ...simd(OP.store), ...MEMARG,
        ...at(6), ...get(V), ...simd(OP.store), ...MEMARG,
      ],
      shared,
    );
  },
};

/**
 * LeakyRelu: `run(x, out, bytes, alpha)`, out = x < 0 ? alpha x : x per lane (one float32
 * multiply where x < 0; x itself, its bits kept, otherwise: -0 and NaN pass unchanged), as
 * tfjs-backend-wasm's own kernel computes it.
 * @internal
 */
export const LEAKY_RELU_PASS: WasmPass = {
  name: 'leakyRelu',
  pointers: 2,
  fixed: 0,
  ints: 0,
  scalars: 1,
  granule: 16,
  bytes(shared) {
    // Locals: 0 x, 1 out, 2 bytes, 3 alpha, 4 the counter; 5 x's lanes, 6 alpha splatted, 7 zeros.
    const [X, A, Z] = [5, 6, 7];
    return passModule(
      2,
      1,
      3,
      [...get(3), ...simd(OP.splat), ...set(A), 0x43, 0, 0, 0, 0, ...simd(OP.splat), ...set(Z)],
      // biome-ignore format: one line per step
      (at) => [
        ...at(1), // the store's address
        ...at(0), ...simd(OP.load), ...MEMARG, ...set(X),
        ...get(X), ...get(A), ...simd(OP.mul), // alpha x
        ...get(X), // x
        ...get(X), ...get(Z), ...simd(OP.lt), // x < 0
        ...simd(OP.bitselect), ...simd(OP.store), ...MEMARG, // (x < 0) ? alpha x : x
      ],
      shared,
    );
  },
};

/**
 * A product C = A B of row-major float32 matrices, A [M, K], B [K, N], C [M, N], for few rows M:
 * `run(a, b, c, bytes, K, M, ldb, ldc)` computes the columns of C in the first `bytes` bytes of
 * its rows (a multiple of 64: 16 columns at a time), `ldb`/`ldc` the bytes per row of B and C.
 * Each output is accumulated from +0 over k in order, one float32 multiply and one add per k:
 * ((0 + a_0 b_0) + a_1 b_1) + ..., as XNNPACK's f32 GEMM accumulates (from its zero bias),
 * without packing B first: that packing runs on one thread and, for a new B of millions of
 * values, costs far more than the product itself when M is small.
 * @internal
 */
export const GEMM_PASS: WasmPass = {
  name: 'gemm',
  pointers: 3,
  fixed: 1,
  ints: 4,
  scalars: 0,
  granule: 64,
  bytes(shared) {
    // Params: 0 a, 1 b, 2 c, 3 bytes, 4 K, 5 M, 6 ldb, 7 ldc. Locals: 8 j, 9 m, 10 k, 11 pa,
    // 12 pb, 13 pc; v128 14-17 the accumulators of 16 columns, 18 a's value splatted.
    const [J, Mi, Ki, PA, PB, PC, A0, VA] = [8, 9, 10, 11, 12, 13, 14, 18];
    const zero = [...simd(0x0c), ...Array(16).fill(0)]; // v128.const 0
    const memarg = (offset: number) => [0x02, ...leb(offset)];
    const acc = (q: number) => [
      ...get(A0 + q),
      ...get(VA),
      ...get(PB),
      ...simd(OP.load),
      ...memarg(16 * q),
      ...simd(OP.mul),
      ...simd(OP.add),
      ...set(A0 + q),
    ];
    const store = (q: number) => [...get(PC), ...get(A0 + q), ...simd(OP.store), ...memarg(16 * q)];
    const inc = (local: number, by: number[]) => [...get(local), ...by, 0x6a, ...set(local)];
    // biome-ignore format: one line per step
    const body = [
      0x02, 0x40, 0x03, 0x40, // block, loop over column blocks
      ...get(J), ...get(3), 0x4f, 0x0d, 1, // if j >= bytes: break
      ...get(0), ...set(PA), 0x41, 0, ...set(Mi), // pa = a; m = 0
      0x02, 0x40, 0x03, 0x40, // block, loop over rows
      ...get(Mi), ...get(5), 0x4f, 0x0d, 1, // if m >= M: break
      ...zero, ...set(A0), ...zero, ...set(A0 + 1), ...zero, ...set(A0 + 2), ...zero, ...set(A0 + 3),
      ...get(1), ...get(J), 0x6a, ...set(PB), 0x41, 0, ...set(Ki), // pb = b + j; k = 0
      0x02, 0x40, 0x03, 0x40, // block, loop over k
      ...get(Ki), ...get(4), 0x4f, 0x0d, 1, // if k >= K: break
      ...get(PA), 0x2a, 0x02, 0x00, ...simd(OP.splat), ...set(VA), // va = splat(*pa)
      ...acc(0), ...acc(1), ...acc(2), ...acc(3),
      ...inc(PA, [0x41, 4]), ...inc(PB, get(6)), ...inc(Ki, [0x41, 1]),
      0x0c, 0, 0x0b, 0x0b, // continue; end loop; end block
      ...get(2), ...get(Mi), ...get(7), 0x6c, 0x6a, ...get(J), 0x6a, ...set(PC), // pc = c + m ldc + j
      ...store(0), ...store(1), ...store(2), ...store(3),
      ...inc(Mi, [0x41, 1]),
      0x0c, 0, 0x0b, 0x0b, // continue; end loop; end block
      ...inc(J, [0x41, 0xc0, 0x00]), // j += 64
      0x0c, 0, 0x0b, 0x0b, // continue; end loop; end block
    ];
    return moduleBytes(
      8,
      [
        [6, I32],
        [5, V128],
      ],
      body,
      shared,
      'run',
    );
  },
};

/** Every pass, in a fixed order (the helper threads instantiate them all at start). @internal */
export const WASM_PASSES: readonly WasmPass[] = [ADAM_PASS, LEAKY_RELU_PASS, GEMM_PASS];

/** A pass's exported function. */
export type PassFunction = (...args: number[]) => void;

/** Each pass's function per heap it was made for (null where it cannot be made). */
const functionsByMemory = new WeakMap<WebAssembly.Memory, Map<WasmPass, PassFunction | null>>();

/**
 * `pass` instantiated on `memory` (once per memory), or null when the engine cannot make it (no
 * SIMD); callers then run a JavaScript loop with the same results.
 * @internal
 */
export function passFunction(memory: WebAssembly.Memory, pass: WasmPass): PassFunction | null {
  let byPass = functionsByMemory.get(memory);
  if (byPass === undefined) {
    byPass = new Map();
    functionsByMemory.set(memory, byPass);
  }
  let fn = byPass.get(pass);
  if (fn === undefined) {
    try {
      const module = new WebAssembly.Module(pass.bytes(isSharedMemory(memory)));
      fn = new WebAssembly.Instance(module, { env: { memory } }).exports.run as PassFunction;
    } catch {
      fn = null;
    }
    byPass.set(pass, fn);
  }
  return fn;
}
