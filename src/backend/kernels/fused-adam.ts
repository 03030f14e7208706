import { util, type KernelConfig, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { FUSED_ADAM_UPDATE } from '../../core/kernel-capabilities';
import { runPass } from './pass-helpers';
import { wasmMemoryOf } from './simd-module';
import { ADAM_PASS, passFunction, type PassFunction } from './wasm-passes';

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

/**
 * The SIMD update for `backend`'s heap ({@link ADAM_PASS} instantiated on the backend's own
 * `WebAssembly.Memory`), or null when the memory is not reachable or the engine has no SIMD; the
 * kernel then runs the JavaScript loop, with the same results.
 * @internal
 */
export function adamSimd(backend: BackendWasm): PassFunction | null {
  const memory = wasmMemoryOf(backend);
  return memory === null ? null : passFunction(memory, ADAM_PASS);
}

/**
 * The fused Adam update on the wasm backend: one pass over the wasm heap reading `w`, `m`, `v`,
 * `g` and writing three new tensors, where the separate ops make 13 passes (each a one-threaded
 * wasm kernel) and 10 weight-sized temporaries. The pass is a small WebAssembly SIMD loop on the
 * backend's own memory, four floats at a time (a JavaScript loop for the last 0-3 values, or for
 * all of them when that module cannot be made), shared with the helper threads of a threaded
 * backend with 2 threads or more (`pass-helpers.ts`). Bit-identical to those ops.
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
  const ptr = (t: TensorInfo) => backend.dataIdMap.get(t.dataId)!.memoryOffset;
  const body = size - (size % 4);
  const scalars = [s.beta1, s.oneMinusBeta1, s.beta2, s.oneMinusBeta2, s.correction2Sqrt, s.epsilon, s.negStepSize];
  const done = runPass(backend, ADAM_PASS, [w, m, v, g, ...outs].map(ptr), body * 4, { scalars, workPerByte: 7 })
    ? body
    : 0;
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
