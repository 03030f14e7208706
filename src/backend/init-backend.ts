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
  return name;
}
