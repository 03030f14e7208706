import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// Importing tfjs-layers registers the gradients of the ops layers use.
import '@tensorflow/tfjs-layers';
import { registerCpuKernelFixes } from './register-cpu-kernel-fixes';
import { registerWasmTrainingKernels } from './register-wasm-training-kernels';
import { REQUIRED_KERNELS } from './required-kernels';
import { registerLayers } from '../register';
import { checkBoolean, checkOptions, describeValue } from '../core/checks';
import {
  checkGpuBackend,
  gpuStartProblem,
  isGpuBackendName,
  registerGpuKernelFixes,
  type GpuBackendName,
} from './gpu-backends';
import { checkWasmThreadsOptions, useThreadedWasm, type WasmThreadsOptions } from './wasm-threads';

/** The built-in backends {@link initBackend} sets up with nothing imported. */
export type BackendName = 'wasm' | 'cpu';

/** The built-in backends {@link initBackend} sets up with nothing imported, in order of preference. */
export const BACKEND_NAMES: readonly BackendName[] = ['wasm', 'cpu'];

/** Options of {@link initBackend}: the wasm thread options and the WebGL precision choice. */
export interface InitBackendOptions extends WasmThreadsOptions {
  /**
   * `'webgl'` only: use the backend even where it would compute in half precision (float16
   * textures: a GPU that cannot render to float32 textures, or tfjs's `WEBGL_FORCE_F16_TEXTURES`
   * flag). Default false: `initBackend('webgl')` throws there instead.
   */
  allowHalfPrecision?: boolean;
}

/** Longest backend name {@link initBackend} accepts (tfjs's own names are short). */
const MAX_NAME_LENGTH = 100;

/**
 * Sets and readies the TensorFlow.js backend, in Node and in browsers.
 *
 * `'wasm'` (the default) is tfjs-backend-wasm with XNNPACK kernels; this function also
 * registers the kernels training needs that tfjs-backend-wasm 4.22 lacks or gets wrong
 * (see {@link registerWasmTrainingKernels}). `'cpu'` is the plain JavaScript backend,
 * slow but the reference every kernel is tested against; this function replaces its
 * `ResizeNearestNeighborGrad`, which tfjs-backend-cpu 4.22 computes wrongly for batches over 1
 * (the gradient of `UpSampling2D`), and its `ResizeBilinearGrad`, wrong for non-square images
 * and half-pixel centres, and runs its `Conv2DBackpropFilter` about 100 times faster with the
 * same results (docs/training-on-wasm.md, "Gradient bugs found on the cpu reference backend").
 * It also registers this library's layer classes so saved models load.
 *
 * `'webgl'` and `'webgpu'` are the optional peers `@tensorflow/tfjs-backend-webgl` and
 * `@tensorflow/tfjs-backend-webgpu`: import the package first (it registers the backend in
 * browsers). `'webgpu'` needs a WebGPU adapter (`navigator.gpu.requestAdapter()`); without one
 * this function throws an Error saying so and naming the alternatives. `'webgl'` throws where
 * it would compute in half precision (a GPU that cannot render to float32 textures) unless
 * `options.allowHalfPrecision` is true. Both get the kernel check below, and this function
 * replaces their `ResizeBilinearGrad`, which tfjs 4.22 computes without `halfPixelCenters`
 * (the gradient of another resize for PyTorch's align_corners=False), with the adjoint of the
 * forward resize as two matrix products.
 *
 * Any other name must be a backend you registered yourself with `tf.registerBackend` (for
 * example tfjs-node's `'tensorflow'`, registered by importing `@tensorflow/tfjs-node`).
 * `initBackend` then checks, before switching, that the backend has every kernel in
 * {@link REQUIRED_KERNELS} (the kernels the library's layers, losses and trainers dispatch),
 * and throws an Error naming the missing ones, the backend left as it was.
 *
 * In browsers, call `setWasmPaths()` from `@tensorflow/tfjs-backend-wasm` first when the
 * `.wasm` files are not served beside your bundle; Node needs nothing. Without `threads`,
 * `'wasm'` is the single-threaded SIMD build, also on cross-origin-isolated pages (where
 * tfjs-backend-wasm would pick its multi-threaded build, which hangs in minified bundles); set
 * tfjs's `WASM_HAS_MULTITHREAD_SUPPORT` flag yourself before the call to leave that choice to
 * tfjs. A page whose Content-Security-Policy restricts scripts needs `'wasm-unsafe-eval'` in its
 * `script-src` for `'wasm'` (without it the browser refuses every WebAssembly compilation and
 * this function throws saying so; `'cpu'` runs under any policy).
 *
 * `options.threads` (wasm only, 1 to 8) loads tfjs-backend-wasm's
 * multi-threaded SIMD build with that many XNNPACK threads, in Node and in cross-origin-isolated
 * pages (where `options.threadedWasmUrl` names its `.wasm` file); see {@link WasmThreadsOptions}.
 * It replaces the wasm backend, so choose it before creating tensors on wasm (a backend that
 * still holds tensors is not replaced: the call throws). Without `threads` the wasm backend
 * stays as it is.
 *
 * In Node it also keeps the process's error handling as Node's own: tfjs-backend-wasm's
 * Emscripten module adds process-wide `uncaughtException` and `unhandledRejection` listeners
 * that rethrow every error from inside the module's source (Node then prints that source and
 * exits with code 7); `initBackend` removes those two listeners once the backend is ready, so
 * an uncaught error prints its own message and exits with code 1. It also consumes
 * tfjs-backend-cpu's one-time "install the node backend" notice, which does not apply here
 * (the cpu backend is chosen on purpose, as the reference).
 *
 * @example
 * ```ts
 * import { initBackend } from 'tfjs-synth';
 * await initBackend();        // wasm
 * await initBackend('cpu');   // reference backend
 * await initBackend('wasm', { threads: 2 }); // XNNPACK on two threads
 * ```
 * In a browser, with `@tensorflow/tfjs-backend-webgl` installed:
 * ```ts browser
 * import '@tensorflow/tfjs-backend-webgl';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend('webgl');
 * ```
 * @throws Error when `name` is not a string, or neither 'wasm', 'cpu' nor a registered backend
 * (the message lists the valid names); when `options` is not an options object,
 * `allowHalfPrecision` not a boolean, `threads` not an integer in [1, 8] or given for another
 * backend; for 'webgl' / 'webgpu' when the package was not imported, the runtime lacks WebGL /
 * WebGPU, there is no WebGPU adapter, or WebGL would run in half precision (each message says
 * which and names the alternatives); for `threads` when the page is not cross-origin isolated (no
 * SharedArrayBuffer), the wasm backend to replace holds tensors, or the threaded build fails to
 * start; when a registered backend lacks required kernels (the message names them); when the
 * backend fails to initialise (for 'wasm' on a page whose Content-Security-Policy refuses
 * WebAssembly, the message says so and names 'wasm-unsafe-eval'). Each leaves the backend as it was.
 */
export async function initBackend(
  name: BackendName | GpuBackendName | (string & Record<never, never>) = 'wasm',
  options?: InitBackendOptions,
): Promise<string> {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_LENGTH) {
    throw new Error(
      `initBackend: name must be a backend name (a non-empty string of at most ${MAX_NAME_LENGTH} characters), got ${describeValue(name)}.`,
    );
  }
  const opts = checkOptions('initBackend', 'options', options);
  const allowHalfPrecision =
    opts.allowHalfPrecision === undefined
      ? false
      : checkBoolean('initBackend', 'options.allowHalfPrecision', opts.allowHalfPrecision);
  const { threads, url } = checkWasmThreadsOptions('initBackend', name, options);
  const known = (BACKEND_NAMES as readonly string[]).includes(name);
  if (isGpuBackendName(name)) await checkGpuBackend(name, allowHalfPrecision, BACKEND_NAMES);
  if (!known) {
    if (tf.findBackendFactory(name) == null) {
      const registered = Object.keys(tf.engine().registryFactory).filter(
        (n) => !(BACKEND_NAMES as readonly string[]).includes(n),
      );
      throw new Error(
        `initBackend: unknown backend ${describeValue(name)}; valid backends are ${BACKEND_NAMES.map((n) => `'${n}'`).join(', ')}` +
          ", 'webgl' and 'webgpu' (after importing their @tensorflow/tfjs-backend-* package)" +
          `${registered.length > 0 ? `, and the registered ${registered.map((n) => describeValue(n)).join(', ')}` : ''}` +
          ' (register your own with tf.registerBackend first).',
      );
    }
    const missing = missingKernels(name);
    if (missing.length > 0) {
      throw new Error(
        `initBackend: the backend ${describeValue(name)} lacks ${missing.length} kernel${missing.length === 1 ? '' : 's'} this library needs: ` +
          `${missing.join(', ')}. Register them for it (tf.registerKernel) or use 'wasm' or 'cpu'.`,
      );
    }
  }
  registerLayers();
  if (name === 'wasm') registerWasmTrainingKernels();
  if (name === 'cpu') registerCpuKernelFixes();
  if (isGpuBackendName(name)) registerGpuKernelFixes(name);
  if (threads !== undefined) await useThreadedWasm('initBackend', threads, url);
  else if (name === 'wasm') preferSingleThreadedWasmBuild();
  const previous = tf.engine().backendName as string | null;
  const ok = await tf.setBackend(name);
  if (!ok) {
    // tfjs leaves its failed choice selected, without a backend instance: go back to the old one,
    // or to none when there was none (tf.getBackend() must not name the backend that failed).
    if (previous != null && previous !== name) await tf.setBackend(previous);
    else if (previous == null) (tf.engine() as { backendName: string | null }).backendName = null;
    const why = isGpuBackendName(name) ? await gpuStartProblem(name) : name === 'wasm' ? wasmStartProblem() : null;
    throw new Error(
      `initBackend: the ${describeValue(name)} backend failed to initialise${why == null ? '' : `: ${why}`}.` +
        (known ? '' : ` The alternatives are ${BACKEND_NAMES.map((n) => `'${n}'`).join(', ')}.`),
    );
  }
  await tf.ready();
  removeEmscriptenProcessListeners();
  if (name === 'cpu') consumeCpuNodeNotice();
  return name;
}

/** The smallest WebAssembly module: its magic number and version. */
const EMPTY_WASM_MODULE = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

/**
 * Why the wasm backend failed to start, when this module can tell: the page refuses to compile
 * WebAssembly, as a Content-Security-Policy whose script-src lacks 'wasm-unsafe-eval' does (it
 * refuses tfjs-backend-wasm's streaming compile of its `.wasm` file as well as a module built
 * from bytes). Null when an empty module compiles here.
 */
function wasmStartProblem(): string | null {
  try {
    new WebAssembly.Module(EMPTY_WASM_MODULE);
    return null;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return /Content.Security.Policy/i.test(message)
      ? "this page's Content-Security-Policy refuses to compile WebAssembly: add 'wasm-unsafe-eval' to its script-src, or use 'cpu'"
      : `this runtime refuses to compile WebAssembly (${describeValue(message)}); use 'cpu'`;
  }
}

/** tfjs-backend-wasm's flag that makes its own loader pick the multi-threaded build. */
const WASM_MULTITHREAD_FLAG = 'WASM_HAS_MULTITHREAD_SUPPORT';

/**
 * Before tfjs-backend-wasm's own loader starts (`initBackend('wasm')` without `threads`), makes
 * it load the single-threaded SIMD build even on a cross-origin-isolated page. There its flag
 * `WASM_HAS_MULTITHREAD_SUPPORT` would pick the multi-threaded build, whose pthread workers fail
 * in minified bundles (the workers' script reads a variable the minifier renamed, see
 * docs/browser.md), so `tf.setBackend('wasm')` never settled; tfjs keeps the URL of its `.wasm`
 * files private, so this library cannot start that build itself without `threadedWasmUrl`.
 * Threads are `initBackend('wasm', { threads })`. Left alone: a flag the caller set themselves
 * (`tf.env().set`), a wasm backend already started, and Node (where tfjs evaluates the flag to
 * false).
 */
function preferSingleThreadedWasmBuild(): void {
  const env = tf.env();
  if (tf.engine().registry.wasm != null) return;
  if (!(WASM_MULTITHREAD_FLAG in env.getFlags()) && !env.getBool('IS_NODE')) env.set(WASM_MULTITHREAD_FLAG, false);
}

/** The {@link REQUIRED_KERNELS} that no kernel is registered for under `backendName`, in list order. */
function missingKernels(backendName: string): string[] {
  return REQUIRED_KERNELS.filter((k) => tf.getKernel(k, backendName) == null);
}

/**
 * The listeners Emscripten's Node glue (`NODEJS_CATCH_EXIT`, `NODEJS_CATCH_REJECTION`) adds to
 * `process`, as tfjs-backend-wasm 4.22's module source spells them (readable and minified builds).
 */
const EMSCRIPTEN_PROCESS_LISTENERS: Readonly<Record<'uncaughtException' | 'unhandledRejection', RegExp>> = {
  uncaughtException: /^function\s*\(ex\)\s*\{\s*if\s*\(!\(ex instanceof ExitStatus\)\)\s*\{\s*throw ex;?\s*\}\s*\}$/,
  unhandledRejection: /^function\s*\(reason\)\s*\{\s*throw reason;?\s*\}$/,
};

/**
 * Removes the rethrowing `uncaughtException` / `unhandledRejection` listeners that
 * tfjs-backend-wasm's Emscripten module adds in Node, so Node's default handling applies again
 * (the error's own message and stack, exit code 1). Other listeners are left alone. Nothing to
 * do in browsers.
 *
 * Porting note: Emscripten has since turned these listeners off by default and dropped the
 * setting (the module never calls `exit()`, which is what they were for); tfjs-backend-wasm
 * 4.22 still ships them.
 */
function removeEmscriptenProcessListeners(): void {
  // The few members used, typed here so this file needs no Node types (it also runs in browsers).
  type Listener = (...args: unknown[]) => void;
  const proc = (
    globalThis as {
      process?: { listeners?(event: string): Listener[]; removeListener?(event: string, listener: Listener): unknown };
    }
  ).process;
  if (typeof proc?.listeners !== 'function' || typeof proc.removeListener !== 'function') return;
  for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
    for (const listener of proc.listeners(event)) {
      if (EMSCRIPTEN_PROCESS_LISTENERS[event].test(Function.prototype.toString.call(listener)))
        proc.removeListener(event, listener);
    }
  }
}

/**
 * tfjs-backend-cpu prints "looks like you are running TensorFlow.js in Node.js ... install the node
 * backend" on the first tensor it stores in Node. Stores one scalar with tfjs's `IS_TEST` flag set
 * (tfjs's own switch for its warnings), then restores the flag, so the notice is used up quietly.
 */
function consumeCpuNodeNotice(): void {
  const env = tf.env();
  if (!env.getBool('IS_NODE')) return;
  const previous = env.getBool('IS_TEST');
  env.set('IS_TEST', true);
  try {
    tf.scalar(0).dispose();
  } finally {
    env.set('IS_TEST', previous);
  }
}
