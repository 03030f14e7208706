// initBackend('wasm') where the wasm backend fails to start: on a page whose
// Content-Security-Policy refuses WebAssembly (script-src without 'wasm-unsafe-eval') the Error
// says so. Chromium's refusal is stood in for by WebAssembly.Module throwing Chromium's message
// (test/browser/csp.ts checks the real one), and tfjs-backend-wasm's by a failing factory. A file
// of its own: nothing here ever starts the real wasm backend.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../../src/backend/init-backend';

/** Chromium 156's message for a compilation a Content-Security-Policy refuses. */
const CSP_MESSAGE =
  "WebAssembly.Module(): Compiling or instantiating WebAssembly module violates the following Content Security policy directive because 'unsafe-eval' is not an allowed source of script in the following Content Security Policy directive: \"script-src 'self'\".";

describe("initBackend('wasm') when the wasm backend cannot start", () => {
  const wasmFactory = tf.findBackendFactory('wasm')!;

  afterEach(() => {
    vi.restoreAllMocks();
    tf.removeBackend('wasm');
    tf.registerBackend('wasm', wasmFactory, 2);
  });

  async function failingWasm(moduleError: Error | null): Promise<string> {
    await initBackend('cpu');
    tf.removeBackend('wasm');
    tf.registerBackend('wasm', () => {
      throw new Error('stand-in for a refused compile');
    });
    // The engine warns about the failed factory; the test reads initBackend's Error instead.
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    if (moduleError != null) {
      // A function, not an arrow: initBackend calls it with `new`.
      vi.spyOn(WebAssembly, 'Module').mockImplementation(function refused(): never {
        throw moduleError;
      });
    }
    const message = await initBackend('wasm').then(
      () => '',
      (e: Error) => e.message,
    );
    expect(tf.getBackend()).toBe('cpu');
    return message;
  }

  it("names the page's Content-Security-Policy and 'wasm-unsafe-eval' when WebAssembly compilation is refused", async () => {
    expect(await failingWasm(new WebAssembly.CompileError(CSP_MESSAGE))).toBe(
      `initBackend: the "wasm" backend failed to initialise: this page's Content-Security-Policy refuses to compile WebAssembly: add 'wasm-unsafe-eval' to its script-src, or use 'cpu'.`,
    );
  });

  it('says WebAssembly is refused for another reason, the reason cut short', async () => {
    const message = await failingWasm(new WebAssembly.CompileError(`no JIT here ${'x'.repeat(5000)}`));
    expect(message).toMatch(
      /^initBackend: the "wasm" backend failed to initialise: this runtime refuses to compile WebAssembly \("no JIT here x+.*\); use 'cpu'\.$/,
    );
    expect(message.length).toBeLessThan(400);
  });

  it('leaves no backend named when none was selected before the failed call', async () => {
    // A fresh engine, as in a page's first call: no backend selected yet.
    tf.engine().reset();
    tf.removeBackend('wasm');
    tf.registerBackend('wasm', () => {
      throw new Error('stand-in for a refused compile');
    });
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    await expect(initBackend('wasm')).rejects.toThrow('initBackend: the "wasm" backend failed to initialise');
    expect(tf.engine().backendName).toBeNull();
    // The next call picks a backend as on a fresh engine.
    expect(await initBackend('cpu')).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('adds nothing when WebAssembly compiles', async () => {
    expect(await failingWasm(null)).toBe('initBackend: the "wasm" backend failed to initialise.');
  });
});
