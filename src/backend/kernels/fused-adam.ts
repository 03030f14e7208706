import { util, type KernelConfig, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { FUSED_ADAM_UPDATE } from '../../core/kernel-capabilities';

/** The float32 scalars of one Adam update, each rounded exactly as tfjs rounds a number operand. */
interface AdamScalars {
  beta1: number;
  oneMinusBeta1: number;
  beta2: number;
  oneMinusBeta2: number;
  correction2Sqrt: number;
  epsilon: number;
  negStepSize: number;
}

/** Reads and checks the kernel's attributes; each becomes the float32 scalar tfjs would make of it. */
function adamScalars(attrs: NamedAttrMap): AdamScalars {
  const read = (name: string): number => {
    const value = attrs[name];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new Error(`${FUSED_ADAM_UPDATE}: attribute '${name}' must be a finite number, got ${String(value)}.`);
    }
    return value;
  };
  const beta1 = read('beta1');
  const beta2 = read('beta2');
  const f = Math.fround;
  // The 13-op path passes `1 - beta1`, `-stepSize` and the others as JS numbers, which tfjs turns
  // into float32 scalars: the same roundings here.
  return {
    beta1: f(beta1),
    oneMinusBeta1: f(1 - beta1),
    beta2: f(beta2),
    oneMinusBeta2: f(1 - beta2),
    correction2Sqrt: f(read('correction2Sqrt')),
    epsilon: f(read('epsilon')),
    negStepSize: f(-read('stepSize')),
  };
}

/**
 * One Adam update over flat float32 arrays, writing `wOut`, `mOut`, `vOut` (which may not alias
 * the inputs' storage of another index). Every operation is one IEEE double operation on float32
 * values rounded back with `Math.fround`: for +, *, / and sqrt of float32 operands that double
 * rounding equals the single float32 operation, so each value is the float32 result of tfjs's ops
 * in their order:
 * m' = m b1 + g (1 - b1);  v' = v b2 + (g g)(1 - b2);
 * w' = w + (m' / (sqrt(v') / c2 + eps)) (-step).
 */
function adamUpdate(
  w: Float32Array,
  m: Float32Array,
  v: Float32Array,
  g: Float32Array,
  wOut: Float32Array,
  mOut: Float32Array,
  vOut: Float32Array,
  s: AdamScalars,
): void {
  const f = Math.fround;
  const { beta1, oneMinusBeta1, beta2, oneMinusBeta2, correction2Sqrt, epsilon, negStepSize } = s;
  const n = w.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i]!;
    const mi = f(f(m[i]! * beta1) + f(gi * oneMinusBeta1));
    const vi = f(f(v[i]! * beta2) + f(f(gi * gi) * oneMinusBeta2));
    const denominator = f(f(f(Math.sqrt(vi)) / correction2Sqrt) + epsilon);
    wOut[i] = w[i]! + f(f(mi / denominator) * negStepSize);
    mOut[i] = mi;
    vOut[i] = vi;
  }
}

/** Checks the four inputs: float32, one shape. Returns them as [w, m, v, g]. */
function adamInputs(inputs: Record<string, unknown>): [TensorInfo, TensorInfo, TensorInfo, TensorInfo] {
  const infos = (['w', 'm', 'v', 'g'] as const).map((name) => {
    const info = inputs[name] as TensorInfo | undefined;
    if (info == null) throw new Error(`${FUSED_ADAM_UPDATE}: input '${name}' is missing.`);
    if (info.dtype !== 'float32')
      throw new Error(`${FUSED_ADAM_UPDATE}: input '${name}' must be float32, got ${info.dtype}.`);
    return info;
  });
  const shape = infos[0]!.shape;
  for (const [k, info] of infos.entries()) {
    if (!util.arraysEqual(info.shape, shape)) {
      throw new Error(
        `${FUSED_ADAM_UPDATE}: input '${'wmvg'[k]}' has shape [${info.shape.join(', ')}], 'w' has [${shape.join(', ')}].`,
      );
    }
  }
  return infos as [TensorInfo, TensorInfo, TensorInfo, TensorInfo];
}

/** Bytes of a LEB128-encoded unsigned integer. */
function leb(n: number): number[] {
  const out: number[] = [];
  do {
    const byte = n & 0x7f;
    n >>>= 7;
    out.push(n === 0 ? byte : byte | 0x80);
  } while (n !== 0);
  return out;
}

/** A WebAssembly section: id, byte length, contents. */
const section = (id: number, bytes: number[]): number[] => [id, ...leb(bytes.length), ...bytes];

/** A WebAssembly string: length, UTF-8 (ASCII here) bytes. */
const name = (text: string): number[] => [...leb(text.length), ...Array.from(text, (c) => c.charCodeAt(0))];

/**
 * The bytes of a WebAssembly module (SIMD) exporting `adam(w, m, v, g, wOut, mOut, vOut, bytes,
 * beta1, 1 - beta1, beta2, 1 - beta2, correction2Sqrt, epsilon, -stepSize)`: the update of
 * {@link adamUpdate} on four floats at a time, over the first `bytes` bytes (a multiple of 16) of
 * each array, all addresses in the imported memory `env.memory` (tfjs-backend-wasm's heap).
 * Every lane is one IEEE float32 operation in the same order as the tfjs ops, as XNNPACK's
 * kernels compute them: the same bits. `shared` declares the import as a shared memory (the
 * threaded build's heap).
 */
function adamModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const I32 = 0x7f;
  const F32 = 0x7d;
  const V128 = 0x7b;
  const get = (i: number) => [0x20, i];
  const set = (i: number) => [0x21, i];
  const simd = (op: number) => [0xfd, ...leb(op)];
  const [splat, load, store, sqrt, add, mul, div] = [0x13, 0x00, 0x0b, 0xe3, 0xe4, 0xe6, 0xe7];
  const memarg = [0x02, 0x00]; // alignment 4 bytes, offset 0
  const at = (ptr: number) => [...get(ptr), ...get(I), 0x6a]; // ptr + i
  const loadAt = (ptr: number) => [...at(ptr), ...simd(load), ...memarg];
  // Locals: params 0-6 pointers, 7 byte count, 8-14 scalars; 15 the offset i; 16-22 the scalars
  // splatted; 23 g, 24 m', 25 v', 26 the denominator.
  const I = 15;
  const [G, M, V, D] = [23, 24, 25, 26];
  // biome-ignore format: one line per step of the update
  const body = [
    2, 1, I32, 11, V128, // locals: 1 i32, 11 v128
    ...[0, 1, 2, 3, 4, 5, 6].flatMap((k) => [...get(8 + k), ...simd(splat), ...set(16 + k)]),
    0x02, 0x40, 0x03, 0x40, // block, loop
    ...get(I), ...get(7), 0x4f, 0x0d, 1, // if i >= bytes: break
    ...loadAt(3), ...set(G),
    // m' = m b1 + g (1 - b1)
    ...loadAt(1), ...get(16), ...simd(mul), ...get(G), ...get(17), ...simd(mul), ...simd(add), ...set(M),
    // v' = v b2 + (g g)(1 - b2)
    ...loadAt(2), ...get(18), ...simd(mul), ...get(G), ...get(G), ...simd(mul), ...get(19), ...simd(mul), ...simd(add), ...set(V),
    // d = sqrt(v') / c2 + eps
    ...get(V), ...simd(sqrt), ...get(20), ...simd(div), ...get(21), ...simd(add), ...set(D),
    // wOut = w + (m' / d)(-step); mOut = m'; vOut = v'
    ...at(4), ...loadAt(0), ...get(M), ...get(D), ...simd(div), ...get(22), ...simd(mul), ...simd(add), ...simd(store), ...memarg,
    ...at(5), ...get(M), ...simd(store), ...memarg,
    ...at(6), ...get(V), ...simd(store), ...memarg,
    ...get(I), 0x41, 16, 0x6a, ...set(I), // i += 16
    0x0c, 0, 0x0b, 0x0b, 0x0b, // continue; end loop; end block; end function
  ];
  const params = [...Array(8).fill(I32), ...Array(7).fill(F32)];
  const limits = shared ? [0x03, 0x00, ...leb(65536)] : [0x00, 0x00];
  // biome-ignore format: one line per section
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
    ...section(1, [1, 0x60, ...leb(params.length), ...params, 0]), // type: (params) -> ()
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, ...limits]), // import env.memory
    ...section(3, [1, 0]), // function 0 has type 0
    ...section(7, [1, ...name('adam'), 0x00, 0]), // export it as 'adam'
    ...section(10, [1, ...leb(body.length), ...body]), // its code
  ]);
}

type AdamSimd = (...args: number[]) => void;

/** The SIMD update bound to each wasm heap it was made for (or null where it cannot be). */
const simdByMemory = new WeakMap<object, AdamSimd | null>();

/**
 * The SIMD update for `backend`'s heap: the module of {@link adamModuleBytes} instantiated on the
 * backend's own `WebAssembly.Memory` (the single-threaded builds export it, the threaded build
 * keeps it on the Emscripten module). Null when the memory is not reachable or the engine has no
 * SIMD; the kernel then runs the JavaScript loop, with the same results.
 * @internal
 */
export function adamSimd(backend: BackendWasm): AdamSimd | null {
  const module = backend.wasm as unknown as { asm?: { memory?: unknown }; wasmMemory?: unknown };
  const memory = module.asm?.memory ?? module.wasmMemory;
  if (!(memory instanceof WebAssembly.Memory)) return null;
  let fn = simdByMemory.get(memory);
  if (fn === undefined) {
    try {
      const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
      const instance = new WebAssembly.Instance(new WebAssembly.Module(adamModuleBytes(shared)), { env: { memory } });
      fn = instance.exports.adam as AdamSimd;
    } catch {
      fn = null;
    }
    simdByMemory.set(memory, fn);
  }
  return fn;
}

/**
 * The fused Adam update on the wasm backend: one pass over the wasm heap reading `w`, `m`, `v`,
 * `g` and writing three new tensors, where the separate ops make 13 passes (each a one-threaded
 * wasm kernel) and 10 weight-sized temporaries. The pass is a small WebAssembly SIMD loop on the
 * backend's own memory, four floats at a time (a JavaScript loop for the last 0-3 values, or for
 * all of them when that module cannot be made). Bit-identical to those ops.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend } from 'tfjs-synth';
 * import { FUSED_ADAM_UPDATE } from '../../core/kernel-capabilities';
 * await initBackend('wasm'); // registers this kernel
 * const [w, m, v, g] = [tf.ones([4]), tf.zeros([4]), tf.zeros([4]), tf.fill([4], 0.5)];
 * const attrs = { beta1: 0.5, beta2: 0.999, epsilon: 1e-8, correction2Sqrt: Math.sqrt(0.001), stepSize: 0.2 };
 * const [w1, m1, v1] = tf.engine().runKernel(FUSED_ADAM_UPDATE, { w, m, v, g }, attrs) as tf.Tensor[];
 * ```
 * @internal
 */
export function fusedAdamWasm(args: {
  inputs: Record<string, unknown>;
  backend: BackendWasm;
  attrs: NamedAttrMap;
}): TensorInfo[] {
  const { backend, attrs } = args;
  const [w, m, v, g] = adamInputs(args.inputs);
  const s = adamScalars(attrs);
  const outs = [w, m, v].map((t) => backend.makeOutput([...t.shape], 'float32'));
  const size = util.sizeFromShape(w.shape);
  const simd = adamSimd(backend);
  let done = 0;
  if (simd != null) {
    done = size - (size % 4);
    const ptr = (t: TensorInfo) => backend.dataIdMap.get(t.dataId)!.memoryOffset;
    simd(
      ...[w, m, v, g, ...outs].map(ptr),
      done * 4,
      s.beta1,
      s.oneMinusBeta1,
      s.beta2,
      s.oneMinusBeta2,
      s.correction2Sqrt,
      s.epsilon,
      s.negStepSize,
    );
  }
  if (done < size) {
    // Heap views only after every allocation: a `_malloc` may grow memory and detach older views.
    const view = (t: TensorInfo) => (backend.typedArrayFromHeap(t) as Float32Array).subarray(done);
    adamUpdate(view(w), view(m), view(v), view(g), view(outs[0]!), view(outs[1]!), view(outs[2]!), s);
  }
  return outs;
}

/** {@link fusedAdamWasm} on the cpu backend, on the backend's typed arrays. @internal */
export function fusedAdamCpu(args: {
  inputs: Record<string, unknown>;
  backend: MathBackendCPU;
  attrs: NamedAttrMap;
}): TensorInfo[] {
  const { backend, attrs } = args;
  const [w, m, v, g] = adamInputs(args.inputs);
  const s = adamScalars(attrs);
  const values = (t: TensorInfo) => backend.data.get(t.dataId).values as Float32Array;
  const size = util.sizeFromShape(w.shape);
  const [wOut, mOut, vOut] = [new Float32Array(size), new Float32Array(size), new Float32Array(size)];
  adamUpdate(values(w), values(m), values(v), values(g), wOut, mOut, vOut, s);
  return [
    backend.makeTensorInfo([...w.shape], 'float32', wOut),
    backend.makeTensorInfo([...w.shape], 'float32', mOut),
    backend.makeTensorInfo([...w.shape], 'float32', vOut),
  ];
}

/** The fused Adam update for 'wasm'. */
export const fusedAdamWasmConfig: KernelConfig = {
  kernelName: FUSED_ADAM_UPDATE,
  backendName: 'wasm',
  kernelFunc: fusedAdamWasm as unknown as KernelConfig['kernelFunc'],
};

/** The fused Adam update for 'cpu'. */
export const fusedAdamCpuConfig: KernelConfig = {
  kernelName: FUSED_ADAM_UPDATE,
  backendName: 'cpu',
  kernelFunc: fusedAdamCpu as unknown as KernelConfig['kernelFunc'],
};
