/**
 * Asks tfjs-backend-wasm 4.22 for its multi-threaded build in Node and prints one JSON line:
 * the SIMD and multithread flags it detected, which binary that selects, whether the backend
 * initialised, and `getThreadsCount()`. With the argument `force`, the multithread flag is set
 * to true first (Node reports false). Run as a child process by `bench/workers.bench.ts`.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as wasm from '@tensorflow/tfjs-backend-wasm';

const force = process.argv[2] === 'force';
// Only the first line of an error: the threaded build's pthread start-up prints stacks.
const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0];

async function main(): Promise<void> {
  if (force) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(2);
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
  const threads = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) as boolean;
  // The same choice as the backend's getPathToWasmBinary.
  const binary =
    simd && threads
      ? 'tfjs-backend-wasm-threaded-simd.wasm'
      : simd
        ? 'tfjs-backend-wasm-simd.wasm'
        : 'tfjs-backend-wasm.wasm';
  const errors: string[] = [];
  const origError = console.error;
  const origWarn = console.warn;
  console.error = (...a: unknown[]) => void errors.push(a.map(firstLine).join(' '));
  console.warn = console.error;
  let ok = false;
  try {
    ok = await tf.setBackend('wasm');
  } catch (e) {
    errors.push(firstLine(e));
  }
  console.error = origError;
  console.warn = origWarn;
  let threadsCount: number | string;
  try {
    threadsCount = wasm.getThreadsCount();
  } catch (e) {
    threadsCount = firstLine(e);
  }
  console.log(
    JSON.stringify({ forced: force, simd, multithread: threads, binary, initialised: ok, threadsCount, errors }),
  );
  process.exit(0);
}
void main();
