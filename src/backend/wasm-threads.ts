import * as tf from '@tensorflow/tfjs-core';
import { BackendWasm, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
// The threaded build's Emscripten factory and its pthread worker script, as tfjs-backend-wasm's
// own loader imports them (so bundles hold one copy).
import * as threadedFactoryModule from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js';
// @ts-expect-error the package ships no types for its worker script module
import * as threadedWorkerModule from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js';
import { checkError, checkInteger, checkOptions, describeValue } from '../core/checks';
import {
  clearConv2DBackpropInputFilterCache,
  conv2DBackpropInputFilterCacheSize,
} from './kernels/conv2d-backprop-input';
import { startPassHelpers } from './kernels/pass-helpers';
import { wasmMemoryOf } from './kernels/simd-module';

/**
 * Most threads {@link initBackend}'s `threads` option accepts: tfjs-backend-wasm's threaded build
 * starts a pool of 8 pthread workers and caps XNNPACK's thread pool at 8.
 */
export const MAX_WASM_THREADS = 8;

/**
 * The `initBackend` options that choose tfjs-backend-wasm's multi-threaded build.
 *
 * @example
 * ```ts
 * import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
 * import { initBackend, MAX_WASM_THREADS, type WasmThreadsOptions } from 'tfjs-synth';
 * const options: WasmThreadsOptions = { threads: Math.min(2, MAX_WASM_THREADS) };
 * await initBackend('wasm', options);
 * console.log(getThreadsCount()); // 2
 * ```
 */
export interface WasmThreadsOptions {
  /**
   * Threads for the wasm backend's XNNPACK kernels, an integer in [1, {@link MAX_WASM_THREADS}]
   * (the calling thread counts as one). Loads tfjs-backend-wasm's multi-threaded SIMD build, in
   * Node and in cross-origin-isolated pages. Omitted: the wasm backend stays as it is (at first
   * tfjs-backend-wasm's own choice, its single-threaded SIMD build in Node). Only for `'wasm'`.
   * From 2, `threads - 1` helper workers of this library's own also start (`unref`ed in Node),
   * sharing its WebAssembly passes (the Adam update, `LeakyRelu`, products of few rows) with the
   * calling thread; they stop when the backend is disposed.
   */
  threads?: number;
  /**
   * Browsers: the URL of `tfjs-backend-wasm-threaded-simd.wasm`, the file you would give
   * `setWasmPaths` (for example vite's `?url` import of it). Default: the file name, relative to
   * the page. Node finds the file itself and ignores this option. Only with `threads`.
   */
  threadedWasmUrl?: string;
}

/** The threaded wasm backend factory this module registered, and its configuration, if any. */
let registered: { threads: number; url: string | undefined; factory: () => unknown } | null = null;

/**
 * Checks `initBackend`'s wasm-thread options for the backend `name`; returns the thread count
 * (undefined when the options leave the wasm backend as it is) and the URL.
 * @internal
 */
export function checkWasmThreadsOptions(
  owner: string,
  name: string,
  options: WasmThreadsOptions | undefined,
): { threads: number | undefined; url: string | undefined } {
  const o = checkOptions(owner, 'options', options);
  const threads =
    o.threads === undefined
      ? undefined
      : checkInteger(owner, 'options.threads', o.threads, { min: 1, max: MAX_WASM_THREADS });
  if (threads !== undefined && name !== 'wasm') {
    throw new Error(`${owner}: options.threads is for the 'wasm' backend only, got it with ${describeValue(name)}.`);
  }
  let url: string | undefined;
  if (o.threadedWasmUrl !== undefined) {
    if (typeof o.threadedWasmUrl !== 'string' || o.threadedWasmUrl.length === 0 || o.threadedWasmUrl.length > 4096) {
      throw checkError(
        owner,
        'options.threadedWasmUrl',
        'a non-empty string of at most 4096 characters',
        o.threadedWasmUrl,
      );
    }
    if (threads === undefined) {
      throw new Error(`${owner}: options.threadedWasmUrl needs options.threads (it locates the threaded build).`);
    }
    url = o.threadedWasmUrl;
  }
  return { threads, url };
}

/**
 * Makes `'wasm'` name tfjs-backend-wasm's multi-threaded SIMD build with `threads` XNNPACK
 * threads: starts that backend, then replaces the wasm backend's registration with it (tfjs's
 * kernels for 'wasm', and this library's, serve it unchanged). Nothing changes when the threaded
 * backend with this configuration is already registered. Throws, with nothing changed, without
 * SharedArrayBuffer (a browser page that is not cross-origin isolated), when the current wasm
 * backend still holds tensors (replacing it would lose them) or when the threaded build cannot
 * start.
 * @internal
 */
export async function useThreadedWasm(owner: string, threads: number, url: string | undefined): Promise<void> {
  if (typeof SharedArrayBuffer !== 'function') {
    throw new Error(`${owner}: options.threads needs SharedArrayBuffer (in browsers, a cross-origin-isolated page).`);
  }
  if (registered?.threads === threads && registered.url === url && tf.findBackendFactory('wasm') === registered.factory)
    return;
  const current = tf.engine().registry.wasm as BackendWasm | undefined;
  // The transposed-convolution kernel's kept filters are the library's own cache, not the user's
  // tensors: they do not count, and are dropped once the switch is certain to go ahead.
  const cached = current === undefined ? 0 : conv2DBackpropInputFilterCacheSize().entries;
  const held = (current?.numDataIds() ?? 0) - cached;
  if (held > 0) {
    throw new Error(
      `${owner}: the wasm backend holds ${held} tensor${held === 1 ? '' : 's'}; changing its threads replaces it and would lose them. ` +
        'Dispose them (and models) first, or choose the threads before creating any.',
    );
  }
  if (cached > 0) clearConv2DBackpropInputFilterCache();
  let first: BackendWasm | null = await createThreadedBackend(owner, threads, url);
  if (tf.findBackendFactory('wasm') != null) tf.removeBackend('wasm');
  // The first call hands over the backend started above; a later one (after tf.engine().reset(),
  // which disposes backends but keeps factories) starts a new one.
  const factory = () => {
    const b = first;
    first = null;
    return b ?? createThreadedBackend(owner, threads, url);
  };
  tf.registerBackend('wasm', factory, 2);
  registered = { threads, url, factory };
}

/** What Emscripten passes to `instantiateWasm`: the module's imports. */
type WasmImports = WebAssembly.Imports & { env: Record<string, WebAssembly.ImportValue> };

/** A pthread worker as Emscripten's PThread keeps it (a web Worker or a Node worker_threads Worker). */
interface PthreadWorker {
  onerror: ((e: unknown) => void) | null;
  terminate(): void;
  unref?(): void;
  on?(event: 'error', listener: (e: unknown) => void): void;
  addEventListener?(event: 'error', listener: (e: unknown) => void): void;
}

/** The members of Emscripten's module object (also the configuration object it was given) used here. */
interface ThreadedModule {
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: number[]) => number;
  PThread: { unusedWorkers: PthreadWorker[]; runningWorkers: PthreadWorker[]; terminateAllThreads(): void };
  tfjs?: unknown;
}

type ThreadedFactory = (config: object) => Promise<ThreadedModule>;

/** True in Node (and Node-compatible runtimes), where pthreads are `worker_threads` workers. */
function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof p?.versions?.node === 'string';
}

function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  const m = (e as { message?: unknown } | null)?.message;
  return typeof m === 'string' ? m : String(e);
}

/**
 * The script a Node pthread worker runs (a `data:` ES module, so nothing is written to disk):
 * it gives tfjs's worker script the CommonJS globals it expects (`require` for Node's built-in
 * modules, `__filename`), then runs it. The worker then loads the factory's own file, as
 * Emscripten does in Node.
 */
function nodeWorkerUrl(workerSource: string): URL {
  const boot =
    "import { createRequire } from 'node:module';\n" +
    "globalThis.require = createRequire(process.cwd() + '/');\n" +
    "globalThis.__filename = 'tfjs-backend-wasm-threaded-simd.worker.js';\n" +
    `(0, eval)(${JSON.stringify(workerSource)});\n`;
  return new URL(`data:text/javascript,${encodeURIComponent(boot)}`);
}

/**
 * The pthread workers' main script in browsers: the factory's source, as tfjs-backend-wasm
 * builds it, plus a declaration of the one variable that source reads from its enclosing scope
 * (the script location, `_scriptDir` in the package, renamed by minifiers). Porting note:
 * tfjs-backend-wasm 4.22 posts the bare source; after a minifier renames that variable, every
 * pthread worker stops with a ReferenceError (`e is not defined` in a vite build), the module
 * waits for its 8 workers forever and `setBackend('wasm')` never settles.
 */
function browserMainScript(factory: ThreadedFactory): Blob {
  const source = Function.prototype.toString.call(factory);
  const free = /mainScriptUrlOrBlob["'`]?\]?\s*\|\|\s*([A-Za-z_$][\w$]*)/.exec(source)?.[1];
  const declare = free !== undefined && free !== 'WasmBackendModuleThreadedSimd' ? `var ${free};` : '';
  return new Blob([`${declare}var WasmBackendModuleThreadedSimd = ${source};`], { type: 'text/javascript' });
}

/** Compiles and instantiates the threaded `.wasm` at `path` (a file path in Node, a URL in browsers). */
async function instantiate(path: string, imports: WasmImports): Promise<WebAssembly.WebAssemblyInstantiatedSource> {
  if (isNode()) {
    const proc = globalThis.process as unknown as { getBuiltinModule?(id: string): unknown };
    const fsName = 'node:fs';
    const fs = (proc.getBuiltinModule?.(fsName) ?? (await import(/* @vite-ignore */ fsName))) as {
      promises: { readFile(p: string): Promise<Uint8Array<ArrayBuffer>> };
    };
    return WebAssembly.instantiate(await fs.promises.readFile(path), imports);
  }
  const response = await fetch(path, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`fetching ${describeValue(path)} gave HTTP ${response.status}`);
  if (
    typeof WebAssembly.instantiateStreaming === 'function' &&
    response.headers.get('content-type') === 'application/wasm'
  )
    return WebAssembly.instantiateStreaming(response, imports);
  return WebAssembly.instantiate(await response.arrayBuffer(), imports);
}

/**
 * Starts tfjs-backend-wasm's threaded SIMD build with `threads` XNNPACK threads through the
 * Emscripten factory's documented hooks, and wraps it in tfjs's `BackendWasm`:
 * - `locateFile` gives the pthread worker script: in Node a `data:` module (Node's `Worker`
 *   rejects the `blob:` URL tfjs-backend-wasm makes, `ERR_WORKER_PATH`), in browsers a `blob:`;
 * - `mainScriptUrlOrBlob` (browsers) is the factory's source made self-contained
 *   (see {@link browserMainScript}); Node's workers load the factory's file itself;
 * - `instantiateWasm` reports `2 * threads` logical cores to the module: tfjs's C++ caps the
 *   thread pool at half of `navigator.hardwareConcurrency` (`os.cpus().length` in Node), which
 *   gives one thread on a 2-core machine whatever `setThreadsCount` asks.
 * A pthread worker that fails to start rejects instead of leaving the start-up waiting.
 */
async function createThreadedBackend(owner: string, threads: number, url: string | undefined): Promise<BackendWasm> {
  const factoryNs = threadedFactoryModule as unknown as { default?: unknown };
  const factory = (factoryNs.default ?? factoryNs) as ThreadedFactory;
  const ns = threadedWorkerModule as { wasmWorkerContents?: string; default?: { wasmWorkerContents?: string } };
  const contents = ns.wasmWorkerContents ?? ns.default?.wasmWorkerContents;
  if (typeof factory !== 'function' || typeof contents !== 'string') {
    throw new Error(`${owner}: this tfjs-backend-wasm has no threaded build in the expected form (4.22 has).`);
  }
  // The package stores the worker script in a template literal, where its "\n" escapes became
  // newlines; restore them, as tfjs-backend-wasm does before making its blob.
  const workerSource = contents.replace(/\n/g, '\\n');
  const node = isNode();
  const blobUrl = node ? null : URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' }));
  const workerUrl = node ? nodeWorkerUrl(workerSource) : blobUrl!;

  return new Promise<BackendWasm>((resolve, reject) => {
    let settled = false;
    let wasmPath = '';
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      if (blobUrl !== null) URL.revokeObjectURL(blobUrl);
      try {
        config.PThread?.terminateAllThreads();
      } catch {
        // The module may not have got as far as its thread pool.
      }
      reject(new Error(`${owner}: tfjs-backend-wasm's threaded build failed to start: ${why}.`));
    };
    const onWorkerError = (e: unknown) => fail(`a pthread worker failed (${messageOf(e)})`);
    const config: {
      PThread?: ThreadedModule['PThread'];
      locateFile(path: string, prefix: string): string | URL;
      instantiateWasm(imports: WasmImports, receive: (i: WebAssembly.Instance, m: WebAssembly.Module) => void): object;
      onAbort(what: unknown): void;
      mainScriptUrlOrBlob?: Blob;
    } = {
      locateFile(path, prefix) {
        if (path.endsWith('.worker.js')) return workerUrl;
        if (path.endsWith('.wasm')) {
          wasmPath = !node && url !== undefined ? url : prefix + path;
          return wasmPath;
        }
        return prefix + path;
      },
      instantiateWasm(imports, receive) {
        imports.env.emscripten_num_logical_cores = () => 2 * threads;
        instantiate(wasmPath, imports).then(
          ({ instance, module }) => {
            if (settled) return;
            receive(instance, module);
            // Emscripten's own handler rethrows (an uncaught exception in Node) and leaves the
            // start-up waiting for the worker; report the failure instead.
            for (const w of config.PThread?.unusedWorkers ?? []) w.onerror = onWorkerError;
          },
          (e) => fail(`cannot load ${describeValue(wasmPath)} (${messageOf(e)})`),
        );
        return {};
      },
      onAbort: (what) => fail(`aborted (${messageOf(what)})`),
    };
    if (!node) config.mainScriptUrlOrBlob = browserMainScript(factory);
    let ready: Promise<ThreadedModule>;
    try {
      ready = factory(config);
    } catch (e) {
      fail(messageOf(e));
      return;
    }
    // The pool's workers exist once the factory returns; a worker whose script fails before the
    // module is instantiated reports here (in Node an 'error' event without a listener would
    // end the process).
    for (const w of config.PThread?.unusedWorkers ?? []) {
      if (typeof w.on === 'function') w.on('error', onWorkerError);
      else w.addEventListener?.('error', onWorkerError);
    }
    ready.then(
      (module) => {
        if (settled) return;
        settled = true;
        if (blobUrl !== null) URL.revokeObjectURL(blobUrl);
        // What tfjs-backend-wasm's own loader adds before handing the module to BackendWasm.
        module.tfjs = {
          init: module.cwrap('init', null, []),
          initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
          getThreadsCount: module.cwrap('get_threads_count', 'number', []),
          registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
          disposeData: module.cwrap('dispose_data', null, ['number']),
          dispose: module.cwrap('dispose', null, []),
        };
        setThreadsCount(threads);
        let backend: BackendWasm;
        try {
          backend = new BackendWasm(module as unknown as ConstructorParameters<typeof BackendWasm>[0]);
        } catch (e) {
          module.PThread.terminateAllThreads();
          reject(new Error(`${owner}: tfjs-backend-wasm's threaded build failed to start: ${messageOf(e)}.`));
          return;
        }
        // XNNPACK's pool threads wait for work forever; in Node they must not keep the process alive.
        for (const w of module.PThread.runningWorkers) w.unref?.();
        const memory = threads > 1 ? wasmMemoryOf(backend) : null;
        if (memory === null) {
          resolve(backend);
          return;
        }
        // The passes XNNPACK does not run (the fused Adam update, LeakyRelu) get helper threads
        // of their own; without them (they failed to start) those passes run on one thread.
        startPassHelpers(memory, threads - 1).then((helpers) => {
          if (helpers !== null) {
            const dispose = backend.dispose.bind(backend);
            backend.dispose = () => {
              helpers.stop();
              dispose();
            };
          }
          resolve(backend);
        }, reject);
      },
      (e) => fail(messageOf(e)),
    );
  });
}
