import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// Importing tfjs-layers registers the gradients of the ops layers use.
import '@tensorflow/tfjs-layers';
import { registerWasmTrainingKernels } from './register-wasm-training-kernels';
import { registerLayers } from '../register';

/** Names accepted by {@link initBackend}. */
export type BackendName = 'wasm' | 'cpu';

/** The backends {@link initBackend} knows, in order of preference. */
export const BACKEND_NAMES: readonly BackendName[] = ['wasm', 'cpu'];

/**
 * Sets and readies the TensorFlow.js backend, in Node and in browsers.
 *
 * `'wasm'` (the default) is tfjs-backend-wasm with XNNPACK kernels; this function also
 * registers the kernels training needs that tfjs-backend-wasm 4.22 lacks or gets wrong
 * (see {@link registerWasmTrainingKernels}). `'cpu'` is the plain JavaScript backend,
 * slow but the reference every kernel is tested against. It also registers this
 * library's layer classes so saved models load.
 *
 * In browsers, call `setWasmPaths()` from `@tensorflow/tfjs-backend-wasm` first when the
 * `.wasm` files are not served beside your bundle; Node needs nothing.
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
 * ```
 * @throws Error naming the valid backends when `name` is unknown.
 */
export async function initBackend(name: BackendName = 'wasm'): Promise<BackendName> {
  if (!BACKEND_NAMES.includes(name)) {
    throw new Error(
      `initBackend: unknown backend ${JSON.stringify(name)}; valid backends are ${BACKEND_NAMES.map((n) => `'${n}'`).join(', ')}.`,
    );
  }
  registerLayers();
  if (name === 'wasm') registerWasmTrainingKernels();
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`initBackend: the '${name}' backend failed to initialise.`);
  await tf.ready();
  removeEmscriptenProcessListeners();
  if (name === 'cpu') consumeCpuNodeNotice();
  return name;
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
