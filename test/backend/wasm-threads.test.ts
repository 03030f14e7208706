import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, type BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/init-backend';
import { passHelpersOf } from '../../src/backend/kernels/pass-helpers';
import { MAX_WASM_THREADS } from '../../src/backend/wasm-threads';
import {
  WORKLOAD_PARTS,
  relativeDifferences,
  runThreadsWorkload,
  type ThreadsWorkload,
} from '../../examples/web/src/threads-check';

/** Threaded results may differ from single-threaded ones by this much, relative to the largest entry. */
const RELATIVE_TOLERANCE = 1e-5;

/** The pthread pool of the current wasm backend (only the threaded build has one). */
function pthreads(): { running: number } | null {
  const module = (tf.backend() as BackendWasm).wasm as unknown as { PThread?: { runningWorkers: unknown[] } };
  return module.PThread == null ? null : { running: module.PThread.runningWorkers.length };
}

describe('initBackend wasm threads: option checks', () => {
  const cases: [string, unknown, unknown, RegExp][] = [
    ['threads 0', 'wasm', { threads: 0 }, /^initBackend: options\.threads must be an integer in \[1, 8\], got 0\.$/],
    ['threads 9', 'wasm', { threads: 9 }, /options\.threads must be an integer in \[1, 8\], got 9\./],
    ['threads 1.5', 'wasm', { threads: 1.5 }, /options\.threads must be an integer in \[1, 8\], got 1\.5\./],
    ['threads NaN', 'wasm', { threads: Number.NaN }, /options\.threads must be an integer in \[1, 8\], got NaN\./],
    ['threads "2"', 'wasm', { threads: '2' }, /options\.threads must be an integer in \[1, 8\], got "2"\./],
    ['options null', 'wasm', null, /^initBackend: options must be an options object or undefined, got null\.$/],
    ['options array', 'wasm', [2], /options must be an options object or undefined/],
    [
      'threads on cpu',
      'cpu',
      { threads: 2 },
      /^initBackend: options\.threads is for the 'wasm' backend only, got it with "cpu"\.$/,
    ],
    ['url without threads', 'wasm', { threadedWasmUrl: 'x.wasm' }, /options\.threadedWasmUrl needs options\.threads/],
    [
      'url not a string',
      'wasm',
      { threads: 2, threadedWasmUrl: 42 },
      /options\.threadedWasmUrl must be a non-empty string/,
    ],
    ['url empty', 'wasm', { threads: 2, threadedWasmUrl: '' }, /options\.threadedWasmUrl must be a non-empty string/],
  ];
  it.each(cases)('rejects %s and changes nothing', async (_label, name, options, message) => {
    await initBackend('cpu');
    const factory = tf.findBackendFactory('wasm');
    await expect(initBackend(name as string, options as never)).rejects.toThrow(message);
    expect(tf.getBackend()).toBe('cpu');
    expect(tf.findBackendFactory('wasm')).toBe(factory);
  });

  it('rejects without SharedArrayBuffer (a browser page that is not cross-origin isolated), changing nothing', async () => {
    await initBackend('cpu');
    const factory = tf.findBackendFactory('wasm');
    const sab = Object.getOwnPropertyDescriptor(globalThis, 'SharedArrayBuffer')!;
    delete (globalThis as { SharedArrayBuffer?: unknown }).SharedArrayBuffer;
    try {
      await expect(initBackend('wasm', { threads: 2 })).rejects.toThrow(
        /^initBackend: options\.threads needs SharedArrayBuffer \(in browsers, a cross-origin-isolated page\)\.$/,
      );
    } finally {
      Object.defineProperty(globalThis, 'SharedArrayBuffer', sab);
    }
    expect(tf.getBackend()).toBe('cpu');
    expect(tf.findBackendFactory('wasm')).toBe(factory);
  });

  it('caps threads at the size of the prebuilt pthread pool', () => {
    expect(MAX_WASM_THREADS).toBe(8);
  });
});

describe('initBackend wasm threads: the threaded build in Node', () => {
  // One file, one process (vitest forks): the single-threaded build first, then the threaded one.
  const results: Partial<Record<'single' | 'threads2' | 'threads1', ThreadsWorkload>> = {};

  it('runs the workload on the single-threaded SIMD build (the reference)', async () => {
    await initBackend('wasm');
    expect(pthreads()).toBeNull();
    const before = tf.memory().numTensors;
    results.single = await runThreadsWorkload();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('threads: 2 starts the threaded build with a second XNNPACK thread, and agrees with one thread', async () => {
    expect(await initBackend('wasm', { threads: 2 })).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(getThreadsCount()).toBe(2);
    // The calling thread is one of the two: one pthread worker runs XNNPACK's pool.
    expect(pthreads()).toEqual({ running: 1 });
    // And one helper thread for this library's own passes (the workload's `passes` part).
    expect(passHelpersOf(tf.backend() as BackendWasm)?.count).toBe(1);
    results.threads2 = await runThreadsWorkload();
    const rel = relativeDifferences(results.threads2, results.single!);
    for (const part of WORKLOAD_PARTS) expect(rel[part], part).toBeLessThanOrEqual(RELATIVE_TOLERANCE);
  });

  it('the same options again keep the running backend', async () => {
    const backend = tf.backend();
    await initBackend('wasm', { threads: 2 });
    expect(tf.backend()).toBe(backend);
    // Without threads, the wasm backend stays the threaded one.
    await initBackend('wasm');
    expect(tf.backend()).toBe(backend);
    expect(getThreadsCount()).toBe(2);
  });

  it('does not replace a wasm backend that still holds tensors', async () => {
    const backend = tf.backend();
    const kept = tf.tensor1d([1, 2, 3]);
    try {
      await expect(initBackend('wasm', { threads: 1 })).rejects.toThrow(
        /^initBackend: the wasm backend holds 1 tensor; changing its threads replaces it/,
      );
      expect(tf.backend()).toBe(backend);
      expect(Array.from(await kept.data())).toEqual([1, 2, 3]);
    } finally {
      kept.dispose();
    }
  });

  it('threads: 1 replaces it with one thread, and agrees too', async () => {
    await initBackend('wasm', { threads: 1 });
    expect(getThreadsCount()).toBe(1);
    expect(pthreads()).toEqual({ running: 0 });
    expect(passHelpersOf(tf.backend() as BackendWasm)).toBeNull();
    results.threads1 = await runThreadsWorkload();
    const rel = relativeDifferences(results.threads1, results.single!);
    for (const part of WORKLOAD_PARTS) expect(rel[part], part).toBeLessThanOrEqual(RELATIVE_TOLERANCE);
  });
});
