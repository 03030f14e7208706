import { BAND_WORKER_SOURCE } from './band-worker.js';
import type { BandReply, BandRequest } from './band-worker.js';
import { type FieldCall, buildFieldJob, progressHook, snapshotFieldCall } from './field-call.js';
import { fieldLayout } from './layout.js';
import type { Nnf, NnfOptions, RgbaImage } from './types.js';
import { MAX_WORKERS, checkMaxMemory, checkOptions, optionalInteger, throwIfAborted } from './validate.js';
import { compilePatchMatchModule, hasWasmSimd } from './wasm-kernel.js';

export interface CreateParallelPatchMatchOptions {
  /**
   * Worker threads, each computing one horizontal band of the field: 1..64 (each worker holds
   * its own copy of both images and the field). Defaults to 2.
   */
  workers?: number;
  /**
   * Working-memory limit per worker and call, in bytes, as in createPatchMatch: 1 MiB to
   * 4 GiB - 64 KiB (the WebAssembly 32-bit limit). Defaults to 1 GiB.
   */
  maxMemoryBytes?: number;
}

/** A multi-threaded nearest-neighbour field engine; see {@link createParallelPatchMatch}. */
export interface ParallelPatchMatch {
  readonly workers: number;
  /**
   * As {@link PatchMatch.nnf}, computed by the workers. Deterministic for a given seed and worker
   * count; with `workers: 1` it equals the single-threaded field exactly. Calls are queued.
   * Validates everything and copies the images, masks and initial field synchronously, before it
   * returns the promise. `signal` is checked between passes (the workers finish the pass they are
   * in, which keeps them in step for the next call).
   */
  nnf(target: RgbaImage, source: RgbaImage, options?: NnfOptions): Promise<Nnf>;
  /** Stops the workers; later calls reject. */
  terminate(): Promise<void>;
}

/** What the host needs from a Node worker thread or a Web Worker. */
interface BandWorker {
  post(message: BandRequest): void;
  /** Resolves with the next reply. */
  next(): Promise<BandReply>;
  /** Keeps the process alive while a call runs (Node); no-op in browsers. */
  hold(on: boolean): void;
  terminate(): Promise<void>;
}

/**
 * Creates a multi-threaded PatchMatch field engine (Barnes et al. 2009) over the WebAssembly SIMD
 * kernel: the target's patch rows are split into `workers` horizontal bands, each worker runs
 * propagation and random search on its band, and the rows bordering each band are exchanged
 * through SharedArrayBuffers between iterations (a band sees its neighbours' rows as they were
 * after the previous iteration). Band b draws random numbers from its own generator, seeded from
 * the seed and b, so the field depends on the seed and the worker count only; with one worker it
 * is exactly the single-threaded field. Only `nnf` runs in parallel (k-NN fields too, `k`
 * entries per patch exchanged at the band borders); vote, inpaint, texture synthesis, image
 * analogies and texture transfer stay on {@link createPatchMatch}.
 *
 * Runs in Node (worker_threads). In browsers it uses Web Workers started from a Blob URL, which
 * needs SharedArrayBuffer, i.e. a cross-origin-isolated page (COOP/COEP headers; see
 * docs/browser.md); the browser tests run it in Chromium and get Node's field exactly. Without
 * isolation it rejects with an Error. Requires WebAssembly SIMD (there is no multi-threaded 'js'
 * backend).
 *
 * Input/output: as `PatchMatch.nnf` (RGBA images in, a field of (tw - p + 1) x (th - p + 1) out).
 *
 * Options are validated as in createPatchMatch (the same memory limit, at most 4 GiB - 64 KiB;
 * workers 1..64; `null` rejected), and `nnf` copies its inputs before it returns the promise.
 *
 * ```ts
 * import { createParallelPatchMatch } from 'tfjs-synth/patchmatch';
 * const noise = (w: number, h: number) => ({ width: w, height: h, data: Uint8Array.from({ length: w * h * 4 }, (_, i) => (i * 2654435761) >>> 24) });
 * const ppm = await createParallelPatchMatch({ workers: 2 });
 * const nnf = await ppm.nnf(noise(64, 48), noise(80, 60), { patchSize: 7, iterations: 5, seed: 1 });
 * console.log(nnf.width, nnf.height); // 58 42
 * await ppm.terminate();
 * ```
 */
export async function createParallelPatchMatch(options?: CreateParallelPatchMatchOptions): Promise<ParallelPatchMatch> {
  const owner = 'createParallelPatchMatch';
  const o = checkOptions(owner, options);
  const workers = optionalInteger(owner, 'workers', o.workers, 2, 1, MAX_WORKERS);
  const maxMemoryBytes = checkMaxMemory(owner, o.maxMemoryBytes);
  if (!hasWasmSimd())
    throw new Error(
      `${owner}: needs WebAssembly SIMD, which this engine lacks (use createPatchMatch({ backend: 'js' })).`,
    );
  if (typeof SharedArrayBuffer !== 'function') {
    throw new Error(`${owner}: needs SharedArrayBuffer (in browsers, a cross-origin-isolated page).`);
  }
  const module = await compilePatchMatchModule();
  const pool: BandWorker[] = [];
  for (let i = 0; i < workers; i++) pool.push(await startWorker());
  return new ParallelEngine(pool, module, maxMemoryBytes);
}

/** The seed of band b: band 0 keeps the caller's seed (so one worker equals the single-threaded field). */
function bandSeed(seed: number, band: number): number {
  return (seed + Math.imul(band, 0x2545f491)) >>> 0;
}

class ParallelEngine implements ParallelPatchMatch {
  private queue: Promise<unknown> = Promise.resolve();
  private moduleSent = false;
  private closed = false;
  readonly workers: number;

  constructor(
    private readonly pool: BandWorker[],
    private readonly module: WebAssembly.Module,
    private readonly maxMemoryBytes: number,
  ) {
    this.workers = pool.length;
  }

  nnf(target: RgbaImage, source: RgbaImage, options?: NnfOptions): Promise<Nnf> {
    const owner = 'ParallelPatchMatch.nnf';
    if (this.closed) return Promise.reject(new Error(`${owner}: the engine was terminated.`));
    let run: Promise<Nnf>;
    try {
      // Synchronous: everything is validated and the inputs copied before this returns.
      const call = snapshotFieldCall(owner, target, source, checkOptions(owner, options), this.maxMemoryBytes);
      run = this.queue.then(() => this.run(call));
    } catch (err) {
      return Promise.reject(err);
    }
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async run(call: FieldCall): Promise<Nnf> {
    const { owner, signal } = call;
    throwIfAborted(owner, signal);
    const job = buildFieldJob(call);
    const hook = progressHook(job, call.onProgress);
    const p = job.patchSize;
    const fw = job.target.width - p + 1;
    const fh = job.target.height - p + 1;
    const k = call.k;
    const n = fw * fh * k;
    // Two copies of the field: step s writes copy s % 2 (see BandRequest).
    const pair = (): [SharedArrayBuffer, SharedArrayBuffer] => [
      new SharedArrayBuffer(n * 4),
      new SharedArrayBuffer(n * 4),
    ];
    const x = pair();
    const y = pair();
    const d = pair();
    const distances = d.map((b) => new Uint32Array(b));
    // The workers place their buffers by the same layout as the single-threaded kernel.
    const layout = fieldLayout({
      targetWidth: job.target.width,
      targetHeight: job.target.height,
      sourceWidth: job.source.width,
      sourceHeight: job.source.height,
      patchSize: p,
      validCount: job.validList.length,
      withInitial: job.initialX !== null,
      k,
    });
    // No more bands than rows; the bands are as even as possible.
    const bands = Math.min(this.pool.length, fh);
    const active = this.pool.slice(0, bands);
    const step = async (messages: BandRequest[]): Promise<void> => {
      active.forEach((w, b) => w.post(messages[b]!));
      const replies = await Promise.all(active.map((w) => w.next()));
      const failed = replies.find((r) => r.type === 'error');
      if (failed !== undefined && failed.type === 'error')
        throw new Error(`${owner}: a worker failed: ${failed.message.slice(0, 200).replace(/\.?$/, '.')}`);
    };
    active.forEach((w) => w.hold(true));
    try {
      const sendModule = !this.moduleSent;
      this.moduleSent = true;
      await step(
        active.map((_, b) => ({
          type: 'field' as const,
          ...(sendModule ? { module: this.module } : {}),
          targetWidth: job.target.width,
          targetHeight: job.target.height,
          target: job.target.data,
          sourceWidth: job.source.width,
          sourceHeight: job.source.height,
          source: job.source.data,
          patchSize: p,
          valid: job.valid,
          validList: job.validList,
          active: job.active,
          initialX: job.initialX,
          initialY: job.initialY,
          k,
          layout,
          seed: bandSeed(job.seed, b),
          rowStart: Math.floor((b * fh) / bands),
          rowEnd: Math.floor(((b + 1) * fh) / bands),
          x,
          y,
          d,
        })),
      );
      hook?.(0, distances[0]!);
      for (let it = 0; it < job.iterations; it++) {
        throwIfAborted(owner, signal);
        const message: BandRequest = { type: 'iterate', reverse: (it & 1) === 1 };
        await step(active.map(() => message));
        hook?.(it + 1, distances[(it + 1) & 1]!);
      }
    } finally {
      active.forEach((w) => w.hold(false));
    }
    // Copies out of shared memory, so the caller owns plain arrays.
    const last = job.iterations & 1;
    return {
      width: fw,
      height: fh,
      patchSize: p,
      x: new Int32Array(x[last]!).slice(),
      y: new Int32Array(y[last]!).slice(),
      distance: distances[last]!.slice(),
      ...(k > 1 ? { k } : {}),
    };
  }

  async terminate(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    await Promise.all(this.pool.map((w) => w.terminate()));
  }
}

/** The part of Node's worker_threads used here (typed locally: the module must not need Node's types). */
interface NodeThreads {
  Worker: new (
    code: string,
    options: { eval: boolean },
  ) => {
    postMessage(message: unknown): void;
    on(event: 'message', handler: (message: BandReply) => void): void;
    on(event: 'error', handler: (error: Error) => void): void;
    ref(): void;
    unref(): void;
    terminate(): Promise<number>;
  };
}

/** Starts one band worker: a Node worker thread, or a Web Worker from a Blob URL in browsers. */
async function startWorker(): Promise<BandWorker> {
  const body = `${BAND_WORKER_SOURCE}\nbandWorkerMain`;
  const replies: BandReply[] = [];
  const waiting: ((r: BandReply) => void)[] = [];
  const deliver = (r: BandReply) => {
    const w = waiting.shift();
    if (w !== undefined) w(r);
    else replies.push(r);
  };
  const next = () =>
    new Promise<BandReply>((resolve) => {
      const r = replies.shift();
      if (r !== undefined) resolve(r);
      else waiting.push(resolve);
    });
  const isNode = typeof process === 'object' && typeof process.versions?.node === 'string';
  if (!isNode && typeof Worker === 'function' && typeof Blob === 'function' && typeof URL === 'function') {
    const code = `${body}\n((h) => { self.onmessage = (e) => h(e.data); }, (m) => self.postMessage(m));`;
    const url = URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
    const worker = new Worker(url);
    URL.revokeObjectURL(url);
    worker.onmessage = (e: MessageEvent) => deliver(e.data as BandReply);
    worker.onerror = (e: ErrorEvent) => deliver({ type: 'error', message: e.message });
    return {
      post: (m) => worker.postMessage(m),
      next,
      hold: () => undefined,
      terminate: async () => worker.terminate(),
    };
  }
  // A variable specifier keeps bundlers from resolving the Node built-in for browser builds.
  const specifier = 'node:worker_threads';
  const threads = (await import(/* @vite-ignore */ specifier)) as NodeThreads;
  const code =
    `const { parentPort } = require('node:worker_threads');\n` +
    `${body}((h) => parentPort.on('message', h), (m) => parentPort.postMessage(m));`;
  const worker = new threads.Worker(code, { eval: true });
  worker.on('message', (m: BandReply) => deliver(m));
  worker.on('error', (e: Error) => deliver({ type: 'error', message: e.message }));
  worker.unref();
  return {
    post: (m) => worker.postMessage(m),
    next,
    hold: (on) => (on ? worker.ref() : worker.unref()),
    terminate: async () => {
      await worker.terminate();
    },
  };
}
