import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { wasmMemoryOf } from './simd-module';
import { passFunction, WASM_PASSES, type WasmPass } from './wasm-passes';

/**
 * Passes of less work than this (bytes times the caller's work per byte) run on the calling
 * thread alone: waking a helper and sharing the range costs more than it saves.
 */
export const SPLIT_PASS_MIN_WORK = 1 << 20;

/** Work of one part of a shared pass, at least. */
const MIN_PART_WORK = 1 << 17;

/** How long the caller waits for a helper's claimed parts before it stops the helpers and does the pass itself. */
const HELPER_TIMEOUT_MS = 10_000;

/** Most parts a pass is cut into (the claim counter keeps the part in its low 6 bits). */
const MAX_PARTS = 32;

// The control block, an Int32Array over a SharedArrayBuffer of its own:
const SEQ = 0; // the job's number (1 .. 2^24 - 1, then 1 again); -1 tells the helpers to stop
const CLAIM = 1; // (job number << 6) | the next unclaimed part
const FINISHED = 2; // parts finished in the current job
const PASS = 3; // the pass's index in WASM_PASSES
const POINTERS = 4; // P
const PARTS = 5; // how many parts
const PART_BYTES = 6; // bytes per part (the last may be shorter)
const TOTAL_BYTES = 7; // bytes in all
const SCALARS = 8; // S
const HELPER_PARTS = 9; // parts the helpers have run since they started (wraps at 2^31)
const FIXED = 10; // how many of the addresses stay put
const INT_ARGS = 11; // I
const INTS = 16;
/** The P addresses, the I ints, then the S scalars, as float64 (exact for all), after the ints. */
const MAX_ARGS = 32;
const CONTROL_BYTES = INTS * 4 + MAX_ARGS * 8;

/**
 * The helper's program (plain JavaScript, the same in Node and browsers, so no bundler touches
 * it). `helperMain` instantiates every pass on the shared heap, reports ready, then waits for
 * jobs and claims parts of each until none are left. `runPart` must match {@link runPart} below.
 */
const HELPER_SOURCE = `
function runPart(fns, ctl, args, part) {
  const p = ctl[${POINTERS}], f = ctl[${FIXED}], n = p + ctl[${INT_ARGS}] + ctl[${SCALARS}];
  const size = ctl[${PART_BYTES}], start = part * size;
  const call = [];
  for (let k = 0; k < p; k++) call.push(k < f ? args[k] : args[k] + start);
  call.push(Math.min(size, ctl[${TOTAL_BYTES}] - start));
  for (let k = p; k < n; k++) call.push(args[k]);
  fns[ctl[${PASS}]](...call);
}
function helperMain(data, ready) {
  const ctl = new Int32Array(data.control, 0, ${INTS});
  const args = new Float64Array(data.control, ${INTS * 4}, ${MAX_ARGS});
  const fns = data.modules.map((bytes) =>
    new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory: data.memory } }).exports.run);
  ready();
  let seen = Atomics.load(ctl, ${SEQ});
  for (;;) {
    Atomics.wait(ctl, ${SEQ}, seen);
    const seq = Atomics.load(ctl, ${SEQ});
    if (seq < 0) return;
    seen = seq;
    for (;;) {
      const c = Atomics.load(ctl, ${CLAIM});
      if (c >> 6 !== seq || (c & 63) >= Atomics.load(ctl, ${PARTS})) break;
      if (Atomics.compareExchange(ctl, ${CLAIM}, c, c + 1) !== c) continue;
      runPart(fns, ctl, args, c & 63);
      Atomics.add(ctl, ${HELPER_PARTS}, 1);
      Atomics.add(ctl, ${FINISHED}, 1);
    }
  }
}
`;

/** Runs part `part` of the job in the control block (the helpers' `runPart`, in TypeScript). */
function runPart(fns: readonly ((...a: number[]) => void)[], ctl: Int32Array, args: Float64Array, part: number): void {
  const p = ctl[POINTERS]!;
  const f = ctl[FIXED]!;
  const n = p + ctl[INT_ARGS]! + ctl[SCALARS]!;
  const size = ctl[PART_BYTES]!;
  const start = part * size;
  const call: number[] = [];
  for (let k = 0; k < p; k++) call.push(k < f ? args[k]! : args[k]! + start);
  call.push(Math.min(size, ctl[TOTAL_BYTES]! - start));
  for (let k = p; k < n; k++) call.push(args[k]!);
  fns[ctl[PASS]!]!(...call);
}

/** A started helper: a Node worker_threads Worker or a web Worker. */
interface HelperWorker {
  terminate(): unknown;
}

/**
 * Worker threads that share element-wise passes over the threaded wasm backend's heap with the
 * calling thread: each job is cut into parts that every thread (the caller too) claims in turn
 * until none are left, so a helper that is slow to wake only takes fewer parts. The passes are
 * lane-wise ({@link WasmPass}), so the results are those of one call, bit for bit, however the
 * parts fall.
 * @internal
 */
export class PassHelpers {
  private readonly ctl: Int32Array;
  private readonly args: Float64Array;
  private readonly fns: ((...a: number[]) => void)[];
  private seq = 0;
  private stopped = false;

  constructor(
    private readonly memory: WebAssembly.Memory,
    control: SharedArrayBuffer,
    private readonly workers: readonly HelperWorker[],
  ) {
    this.ctl = new Int32Array(control, 0, INTS);
    this.args = new Float64Array(control, INTS * 4, MAX_ARGS);
    this.fns = WASM_PASSES.map((pass) => {
      const fn = passFunction(memory, pass);
      if (fn === null) throw new Error(`pass ${pass.name} cannot be instantiated`);
      return fn;
    });
  }

  /** Parts of passes the helper threads have run so far (for tests and benchmarks). */
  get helperParts(): number {
    return Atomics.load(this.ctl, HELPER_PARTS);
  }

  /** How many helper threads run beside the caller. */
  get count(): number {
    return this.stopped ? 0 : this.workers.length;
  }

  /**
   * Runs `pass` over `bytes` bytes (a multiple of its granule) from each of `pointers`, with its
   * `ints` and `scalars`: on the calling thread alone when `bytes * workPerByte` is below
   * {@link SPLIT_PASS_MIN_WORK}, otherwise in parts shared with the helpers. Returns once every
   * part is done.
   */
  run(
    pass: WasmPass,
    pointers: readonly number[],
    bytes: number,
    ints: readonly number[],
    scalars: readonly number[],
    workPerByte: number,
  ): void {
    const index = WASM_PASSES.indexOf(pass);
    checkPassCall(pass, pointers, bytes, ints, scalars);
    const work = bytes * workPerByte;
    if (this.stopped || index < 0 || !(work >= SPLIT_PASS_MIN_WORK)) {
      const fn = index < 0 ? passFunction(this.memory, pass) : this.fns[index]!;
      if (fn === null) throw new Error(`runPass: pass ${pass.name} cannot be instantiated.`);
      fn(...pointers, bytes, ...ints, ...scalars);
      return;
    }
    const { ctl, args } = this;
    const g = pass.granule;
    const parts = Math.min(MAX_PARTS, bytes / g, Math.max(1, Math.floor(work / MIN_PART_WORK)));
    const partBytes = Math.ceil(bytes / parts / g) * g;
    ctl[PASS] = index;
    ctl[POINTERS] = pass.pointers;
    ctl[FIXED] = pass.fixed;
    ctl[INT_ARGS] = pass.ints;
    ctl[SCALARS] = pass.scalars;
    ctl[PART_BYTES] = partBytes;
    ctl[TOTAL_BYTES] = bytes;
    Atomics.store(ctl, PARTS, Math.ceil(bytes / partBytes));
    for (const [k, v] of [...pointers, ...ints, ...scalars].entries()) args[k] = v;
    this.seq = this.seq >= (1 << 24) - 1 ? 1 : this.seq + 1;
    const seq = this.seq;
    Atomics.store(ctl, FINISHED, 0);
    Atomics.store(ctl, CLAIM, seq << 6);
    Atomics.store(ctl, SEQ, seq);
    Atomics.notify(ctl, SEQ);
    const total = Atomics.load(ctl, PARTS);
    for (;;) {
      const c = Atomics.load(ctl, CLAIM);
      if ((c & 63) >= total) break;
      if (Atomics.compareExchange(ctl, CLAIM, c, c + 1) !== c) continue;
      runPart(this.fns, ctl, args, c & 63);
      Atomics.add(ctl, FINISHED, 1);
    }
    // Parts a helper claimed are under way: wait for them (at most one part's time each). Spin:
    // Atomics.wait is not allowed on a browser's main thread.
    const start = performance.now();
    for (let spins = 1; Atomics.load(ctl, FINISHED) < total; spins++) {
      if (spins % (1 << 16) === 0 && performance.now() - start > HELPER_TIMEOUT_MS) {
        // A helper stopped answering (it died, or never gets a core): stop them all and run the
        // whole pass here. Every part writes only outputs that no part reads, so running a part
        // again (or at the same time as a late helper) writes the same values.
        this.stop();
        this.fns[index]!(...pointers, bytes, ...ints, ...scalars);
        return;
      }
    }
  }

  /** Stops the helpers; later calls of {@link run} run on the calling thread. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (helpersByMemory.get(this.memory) === this) helpersByMemory.delete(this.memory);
    Atomics.store(this.ctl, SEQ, -1);
    Atomics.notify(this.ctl, SEQ);
    for (const w of this.workers) w.terminate();
  }
}

/** The helpers started for each heap. */
const helpersByMemory = new WeakMap<WebAssembly.Memory, PassHelpers>();

/** True in Node (and Node-compatible runtimes). */
function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof p?.versions?.node === 'string';
}

/** Node's worker_threads module, loaded without a static import (browsers never reach this). */
async function nodeWorkerThreads(): Promise<{
  Worker: new (
    code: string,
    options: { eval: true },
  ) => HelperWorker & {
    unref(): void;
    postMessage(m: unknown): void;
    once(e: string, f: (x: unknown) => void): void;
  };
}> {
  const proc = globalThis.process as unknown as { getBuiltinModule?(id: string): unknown };
  const id = 'node:worker_threads';
  return (proc.getBuiltinModule?.(id) ?? (await import(/* @vite-ignore */ id))) as never;
}

/** Starts one helper on `memory` and `control`; resolves once it has instantiated the passes. */
async function startHelper(memory: WebAssembly.Memory, control: SharedArrayBuffer): Promise<HelperWorker> {
  const data = { memory, control, modules: WASM_PASSES.map((p) => p.bytes(true)) };
  if (isNode()) {
    const { Worker } = await nodeWorkerThreads();
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');${HELPER_SOURCE}` +
        "parentPort.once('message', (d) => helperMain(d, () => parentPort.postMessage('ready')));",
      { eval: true },
    );
    // It waits for jobs forever: it must not keep the process alive.
    worker.unref();
    return new Promise((resolve, reject) => {
      worker.once('message', () => resolve(worker));
      worker.once('error', (e) => {
        worker.terminate();
        reject(e);
      });
      worker.postMessage(data);
    });
  }
  const url = URL.createObjectURL(
    new Blob(
      [`${HELPER_SOURCE}onmessage = (e) => { onmessage = null; helperMain(e.data, () => postMessage('ready')); };`],
      { type: 'text/javascript' },
    ),
  );
  try {
    const worker = new Worker(url);
    return await new Promise<HelperWorker>((resolve, reject) => {
      worker.onmessage = () => resolve(worker);
      worker.onerror = (e) => {
        worker.terminate();
        reject(new Error(e.message));
      };
      worker.postMessage(data);
    });
  } finally {
    URL.revokeObjectURL(url);
  }
}

/**
 * Starts `count` helper threads for the shared heap `memory` (the threaded build's) and records
 * them for {@link runPass}. Resolves null, with nothing left running, when the heap is not
 * shared, a pass cannot be made or a helper fails to start (the passes then run on the calling
 * thread: same results).
 * @internal
 */
export async function startPassHelpers(memory: WebAssembly.Memory, count: number): Promise<PassHelpers | null> {
  if (!Number.isInteger(count) || count < 1 || count > 7) {
    throw new Error(`startPassHelpers: count must be an integer in [1, 7], got ${count}.`);
  }
  if (typeof SharedArrayBuffer === 'undefined' || !(memory.buffer instanceof SharedArrayBuffer)) return null;
  if (WASM_PASSES.some((p) => passFunction(memory, p) === null)) return null;
  helpersByMemory.get(memory)?.stop();
  const control = new SharedArrayBuffer(CONTROL_BYTES);
  const started = await Promise.allSettled(Array.from({ length: count }, () => startHelper(memory, control)));
  const workers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  if (workers.length < count) {
    for (const w of workers) w.terminate();
    return null;
  }
  const helpers = new PassHelpers(memory, control, workers);
  helpersByMemory.set(memory, helpers);
  return helpers;
}

/** The helpers running for `backend`'s heap, if any. @internal */
export function passHelpersOf(backend: BackendWasm): PassHelpers | null {
  const memory = wasmMemoryOf(backend);
  return memory === null ? null : (helpersByMemory.get(memory) ?? null);
}

/** Checks a call of `pass`: argument counts, a byte count that is a multiple of its granule. */
function checkPassCall(
  pass: WasmPass,
  pointers: readonly number[],
  bytes: number,
  ints: readonly number[],
  scalars: readonly number[],
): void {
  if (pointers.length !== pass.pointers || ints.length !== pass.ints || scalars.length !== pass.scalars) {
    throw new Error(
      `runPass: pass ${pass.name} takes ${pass.pointers} addresses, ${pass.ints} ints and ${pass.scalars} scalars.`,
    );
  }
  if (!Number.isInteger(bytes) || bytes < 0 || bytes % pass.granule !== 0 || bytes > 2 ** 31 - 1) {
    throw new Error(`runPass: bytes must be a multiple of ${pass.granule} in [0, 2^31), got ${bytes}.`);
  }
}

/**
 * Runs `pass` on `backend`'s heap over `bytes` bytes (a multiple of its granule) from each moving
 * address in `pointers`: shared with the helper threads when the backend has them (the threaded
 * build with 2 threads or more) and `bytes * workPerByte` is large enough, on the calling thread
 * otherwise. Returns false, having done nothing, when the pass cannot be made on this engine (the
 * caller then computes another way).
 * @internal
 */
export function runPass(
  backend: BackendWasm,
  pass: WasmPass,
  pointers: readonly number[],
  bytes: number,
  args: { ints?: readonly number[]; scalars?: readonly number[]; workPerByte?: number } = {},
): boolean {
  const { ints = [], scalars = [], workPerByte = 1 } = args;
  const memory = wasmMemoryOf(backend);
  if (memory === null) return false;
  const helpers = helpersByMemory.get(memory);
  if (helpers !== undefined) {
    helpers.run(pass, pointers, bytes, ints, scalars, workPerByte);
    return true;
  }
  const fn = passFunction(memory, pass);
  if (fn === null) return false;
  checkPassCall(pass, pointers, bytes, ints, scalars);
  fn(...pointers, bytes, ...ints, ...scalars);
  return true;
}
