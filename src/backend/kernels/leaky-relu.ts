import {
  LeakyRelu,
  util,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  F32_REINTERPRET_I32,
  F32X4_LT,
  F32X4_MUL,
  F32X4_SPLAT,
  get,
  I32_ADD,
  loop,
  moduleBytes,
  set,
  simd,
  simdFunction,
  V128,
  V128_BITSELECT,
  V128_ZERO,
  v128Load,
  v128Store,
  type SimdFunction,
} from './simd-module';
import { setupStockKernel, stockKernel } from './stock-kernels';

/** Inputs with fewer elements than this keep the backend's kernel. */
export const LEAKY_RELU_SIMD_MIN_SIZE = 1 << 12;

/**
 * The WebAssembly loop `f(x, out, bytes, alphaBits)`: out = x < 0 ? alpha * x : x, four floats
 * per instruction (alpha given by its float32 bits).
 */
function leakyReluModule(shared: boolean): Uint8Array {
  const [X, OUT, BYTES, ALPHA, I, A, V] = [0, 1, 2, 3, 4, 5, 6];
  // biome-ignore format: one line per instruction group
  const body = [
    ...get(ALPHA), F32_REINTERPRET_I32, ...simd(F32X4_SPLAT), ...set(A),
    ...loop(I, BYTES, 16, [
      ...get(OUT), ...get(I), I32_ADD, // the store's address
      ...get(X), ...get(I), I32_ADD, ...v128Load(), ...set(V),
      ...get(V), ...get(A), ...simd(F32X4_MUL), // alpha * x
      ...get(V), // x
      ...get(V), ...V128_ZERO, ...simd(F32X4_LT), // x < 0
      ...simd(V128_BITSELECT), ...v128Store(),
    ]),
  ];
  return moduleBytes(
    4,
    [
      [1, 0x7f],
      [2, V128],
    ],
    body,
    shared,
  );
}

const loops = new WeakMap<object, SimdFunction | null>();

/** Whether the SIMD loop runs on this backend (else the backend's kernel does). @internal */
export function leakyReluSimdAvailable(backend: BackendWasm): boolean {
  return simdFunction(loops, backend, leakyReluModule) != null;
}

/**
 * `LeakyRelu` on the wasm backend: out = x < 0 ? alpha * x : x with alpha as a float32, as
 * tfjs-backend-wasm 4.22 computes it, but four values per SIMD instruction where the backend
 * runs a scalar loop: the same floats, NaN and -0 included. int32 inputs, inputs under
 * {@link LEAKY_RELU_SIMD_MIN_SIZE} values and engines without WebAssembly SIMD run the backend's
 * kernel.
 */
function leakyReluWasm(args: { inputs: { x: TensorInfo }; backend: BackendWasm; attrs: NamedAttrMap }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const size = util.sizeFromShape(x.shape);
  const simdLoop =
    x.dtype === 'float32' && size >= LEAKY_RELU_SIMD_MIN_SIZE ? simdFunction(loops, backend, leakyReluModule) : null;
  if (simdLoop == null)
    return stockKernel(LeakyRelu).kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
  const alpha = new Float32Array([Number(attrs.alpha)]);
  const out = backend.makeOutput([...x.shape], 'float32');
  const offset = (t: TensorInfo) => backend.dataIdMap.get(t.dataId)!.memoryOffset;
  const whole = size - (size % 4);
  simdLoop(offset(x), offset(out), whole * 4, new Int32Array(alpha.buffer)[0]!);
  if (whole < size) {
    // Views after the allocation: a `_malloc` may grow memory and detach older views.
    const xs = backend.typedArrayFromHeap(x) as Float32Array;
    const ys = backend.typedArrayFromHeap(out) as Float32Array;
    const a = alpha[0]!;
    for (let i = whole; i < size; i++) {
      const v = xs[i]!;
      ys[i] = v < 0 ? Math.fround(a * v) : v;
    }
  }
  return out;
}

/** `LeakyRelu` for 'wasm': see {@link leakyReluWasm}. */
export const leakyReluWasmConfig: KernelConfig = {
  kernelName: LeakyRelu,
  backendName: 'wasm',
  kernelFunc: leakyReluWasm as unknown as KernelFunc,
  // The stock kernel's setup binds its wasm function; small and int32 inputs run it.
  setupFunc: (backend) => setupStockKernel(LeakyRelu, backend),
};
