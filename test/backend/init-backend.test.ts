import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, vi } from 'vitest';
import { initBackend } from '../../src/backend/init-backend';
import { REQUIRED_KERNELS } from '../../src/backend/required-kernels';

/**
 * Registers a backend `name` whose kernels are copies of cpu's `kernels` (the kernel functions
 * read the cpu backend's data, so the backend object is a real cpu backend). Returns the
 * registered kernel names so the test can unregister them.
 */
function registerCpuCopy(name: string, kernels: readonly string[]): void {
  const factory = tf.findBackendFactory('cpu')!;
  tf.registerBackend(name, factory);
  for (const k of kernels) {
    const config = tf.getKernel(k, 'cpu');
    if (config != null) tf.registerKernel({ ...config, backendName: name });
  }
}

function unregisterCopy(name: string): void {
  for (const k of tf.getKernelsForBackend(name)) tf.unregisterKernel(k.kernelName, name);
  tf.removeBackend(name);
}

describe('initBackend', () => {
  it('defaults to wasm and readies it', async () => {
    expect(await initBackend()).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    const y = tf.add(tf.scalar(1), tf.scalar(2));
    expect(await y.data()).toEqual(new Float32Array([3]));
    y.dispose();
  });

  it('switches to cpu, without the cpu backend\'s "install the node backend" notice', async () => {
    const warn = vi.spyOn(console, 'warn');
    try {
      expect(await initBackend('cpu')).toBe('cpu');
      expect(tf.getBackend()).toBe('cpu');
      const y = tf.add(tf.scalar(1), tf.scalar(2));
      expect(await y.data()).toEqual(new Float32Array([3]));
      y.dispose();
      expect(warn).not.toHaveBeenCalled();
      // The flag used to silence it is tfjs's own and is restored.
      expect(tf.env().getBool('IS_TEST')).toBe(false);
    } finally {
      warn.mockRestore();
    }
  });

  it('rejects an unknown name and lists the valid ones', async () => {
    await expect(initBackend('gpu')).rejects.toThrow(/unknown backend "gpu".*'wasm', 'cpu'/);
  });

  it('rejects a registered backend that lacks required kernels, naming them, and leaves the backend as it was', async () => {
    await initBackend('cpu');
    const dropped = ['Conv2DBackpropFilter', 'MirrorPad', 'Rsqrt'];
    registerCpuCopy(
      'test-partial',
      REQUIRED_KERNELS.filter((k) => !dropped.includes(k)),
    );
    try {
      await expect(initBackend('test-partial')).rejects.toThrow(
        /initBackend: the backend "test-partial" lacks 3 kernels this library needs: Conv2DBackpropFilter, Rsqrt, MirrorPad\./,
      );
      expect(tf.getBackend()).toBe('cpu');
    } finally {
      unregisterCopy('test-partial');
    }
  });

  it('accepts a registered backend with every kernel of cpu, and computes with it', async () => {
    registerCpuCopy(
      'test-cpu-copy',
      tf.getKernelsForBackend('cpu').map((k) => k.kernelName),
    );
    // The copy is a second cpu backend instance with its own "install the node backend" notice,
    // which tfjs leaves out under its IS_TEST flag (initBackend only quiets the real 'cpu').
    const wasTest = tf.env().getBool('IS_TEST');
    tf.env().set('IS_TEST', true);
    try {
      expect(await initBackend('test-cpu-copy')).toBe('test-cpu-copy');
      expect(tf.getBackend()).toBe('test-cpu-copy');
      const y = tf.tidy(() =>
        tf.conv2d(tf.ones([1, 4, 4, 1]) as tf.Tensor4D, tf.ones([3, 3, 1, 2]) as tf.Tensor4D, 1, 'same'),
      );
      expect(Array.from(await y.data()).slice(0, 2)).toEqual([4, 4]);
      y.dispose();
    } finally {
      tf.env().set('IS_TEST', wasTest);
      await initBackend('cpu');
      unregisterCopy('test-cpu-copy');
    }
  });

  it('keeps its behaviour for wasm after a custom backend: Emscripten listeners removed', async () => {
    expect(await initBackend('wasm')).toBe('wasm');
    const sources = ['uncaughtException', 'unhandledRejection'].flatMap((e) =>
      process.listeners(e as 'uncaughtException').map(String),
    );
    expect(sources.some((src) => /ExitStatus|throw reason/.test(src))).toBe(false);
  });

  it('validates the name before anything else: null, numbers, empty and huge strings', async () => {
    const before = tf.getBackend();
    // @ts-expect-error: testing a bad value from untyped callers
    await expect(initBackend(null)).rejects.toThrow(/^initBackend: name must be a backend name .*, got null\.$/);
    // @ts-expect-error: testing a bad value from untyped callers
    await expect(initBackend(3)).rejects.toThrow(/initBackend: name must be a backend name .*, got 3\./);
    await expect(initBackend('')).rejects.toThrow(/initBackend: name must be a backend name .*, got ""\./);
    const huge = 'x'.repeat(1 << 20);
    const err = await initBackend(huge).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/got "x{40}"\.\.\. \(1048576 chars\)\./);
    expect((err as Error).message.length).toBeLessThan(300);
    // An unregistered name of ordinary length: the valid names listed, the name cut to 40 characters.
    await expect(initBackend('y'.repeat(90))).rejects.toThrow(
      /unknown backend "y{40}"\.\.\. \(90 chars\); valid backends are 'wasm', 'cpu'/,
    );
    expect(tf.getBackend()).toBe(before);
  });

  it("'webgpu' registered where the runtime has no WebGPU: a clear Error that says so and names the alternatives, before trying", async () => {
    await initBackend('cpu');
    // A stand-in for tfjs-backend-webgpu's registration: every kernel present, a factory that
    // would fail as the real one does when requestAdapter() gives nothing. Node 20 has no navigator.gpu.
    registerCpuCopy(
      'webgpu',
      tf.getKernelsForBackend('cpu').map((k) => k.kernelName),
    );
    tf.removeBackend('webgpu');
    let factoryCalls = 0;
    tf.registerBackend('webgpu', () => {
      factoryCalls++;
      throw new Error('adapter is null');
    });
    try {
      await expect(initBackend('webgpu')).rejects.toThrow(
        /^initBackend: the 'webgpu' backend cannot start: this runtime has no WebGPU \(navigator\.gpu is missing\)\. The alternatives are 'webgl', 'wasm' and 'cpu' \('webgl' after importing '@tensorflow\/tfjs-backend-webgl'\)\.$/,
      );
      expect(factoryCalls).toBe(0);
      expect(tf.getBackend()).toBe('cpu');
    } finally {
      unregisterCopy('webgpu');
    }
  });

  it("'webgpu' and 'webgl' without their packages: Errors that say what to install and import", async () => {
    await initBackend('cpu');
    await expect(initBackend('webgpu')).rejects.toThrow(
      /^initBackend: the 'webgpu' backend cannot start: this runtime has no WebGPU \(navigator\.gpu is missing\)\. The alternatives are 'webgl', 'wasm' and 'cpu'/,
    );
    await expect(initBackend('webgl')).rejects.toThrow(
      /^initBackend: the 'webgl' backend is not registered: install and import '@tensorflow\/tfjs-backend-webgl' before initBackend\('webgl'\), or use 'wasm' or 'cpu'\.$/,
    );
    expect(tf.getBackend()).toBe('cpu');
  });

  it("'webgl' with its package imported in Node: an Error that the runtime has no WebGL", async () => {
    await initBackend('cpu');
    // Registers the webgl kernels and flags; the backend itself registers only in browsers.
    await import('@tensorflow/tfjs-backend-webgl');
    expect(tf.findBackendFactory('webgl')).toBeNull();
    await expect(initBackend('webgl')).rejects.toThrow(
      /^initBackend: the 'webgl' backend cannot start: this runtime has no WebGL \(tfjs-backend-webgl registers only in browsers\)\. The alternatives are 'webgpu', 'wasm' and 'cpu'/,
    );
    expect(tf.getBackend()).toBe('cpu');
  });

  it('validates options before anything else: not an object, allowHalfPrecision not a boolean', async () => {
    await initBackend('cpu');
    // @ts-expect-error: testing a bad value from untyped callers
    await expect(initBackend('wasm', null)).rejects.toThrow(
      /^initBackend: options must be an options object or undefined, got null\.$/,
    );
    // @ts-expect-error: testing a bad value from untyped callers
    await expect(initBackend('wasm', 3)).rejects.toThrow(/^initBackend: options must be an options object/);
    await expect(
      // @ts-expect-error: testing a bad value from untyped callers
      initBackend('webgl', { allowHalfPrecision: 'yes' }),
    ).rejects.toThrow(/^initBackend: options\.allowHalfPrecision must be a boolean, got "yes"\.$/);
    expect(tf.getBackend()).toBe('cpu');
    // Read only by 'webgl'; accepted (and ignored) for the others.
    expect(await initBackend('cpu', { allowHalfPrecision: true })).toBe('cpu');
  });
});
