import { type FieldCall, buildFieldJob, progressHook } from './field-call.js';
import type { FieldJob, FieldResult, FieldRun, Kernel } from './kernel.js';
import { throwIfAborted } from './validate.js';

// Runs a field computation in slices so that the caller's event loop (timers, AbortSignal.timeout,
// user input) keeps running: a pass is split into ranges of entries, the signal is checked after
// every range, and control returns to the event loop whenever YIELD_MS have passed since the last
// time. The kernels carry their random state from range to range, so the split never changes
// the field.

/** Longest stretch of kernel work between two returns to the event loop. */
const YIELD_MS = 16;
/** Target duration of one range; the range length adapts to it. */
const SLICE_MS = 4;
const FIRST_SLICE = 256;

type Global = {
  setImmediate?: (callback: () => void) => unknown;
  MessageChannel?: typeof MessageChannel;
  performance?: { now(): number };
};
const g = globalThis as unknown as Global;

const now: () => number = typeof g.performance?.now === 'function' ? () => g.performance!.now() : () => Date.now();

/**
 * Returns to the event loop for one turn. setImmediate (Node) and a MessageChannel (browsers,
 * workers) run after the timers that are due, without the 1-4 ms clamp of setTimeout(0).
 */
export const yieldToEventLoop: () => Promise<void> = (() => {
  if (typeof g.setImmediate === 'function') {
    const setImmediate = g.setImmediate;
    return () => new Promise<void>((resolve) => void setImmediate(resolve));
  }
  if (typeof g.MessageChannel === 'function') {
    const channel = new g.MessageChannel();
    const waiting: Array<() => void> = [];
    channel.port1.onmessage = () => waiting.shift()?.();
    return () =>
      new Promise<void>((resolve) => {
        waiting.push(resolve);
        channel.port2.postMessage(0);
      });
  }
  return () => new Promise<void>((resolve) => setTimeout(resolve, 0));
})();

/** Cuts kernel work into ranges of about SLICE_MS, checks the signal after each and yields every YIELD_MS (also used by feature-field.ts). */
export class Slicer {
  private slice = FIRST_SLICE;
  private lastYield = now();
  constructor(
    private readonly owner: string,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** Runs `work` over 0..n in ascending ranges, or descending ones when `reverse`. */
  async cover(n: number, reverse: boolean, work: (start: number, end: number) => void): Promise<void> {
    let done = 0;
    while (done < n) {
      const count = Math.min(this.slice, n - done);
      const started = now();
      if (reverse) work(n - done - count, n - done);
      else work(done, done + count);
      done += count;
      const finished = now();
      const took = finished - started;
      // Aim at SLICE_MS per range: grow at most 4x, shrink to what the last range suggests.
      this.slice = Math.max(16, Math.min(4 * this.slice, Math.floor((this.slice * SLICE_MS) / Math.max(took, 0.05))));
      await this.checkpoint(finished);
    }
  }

  /** Checks the signal, yielding first when the last yield is YIELD_MS old. */
  async checkpoint(at = now()): Promise<void> {
    throwIfAborted(this.owner, this.signal);
    if (at - this.lastYield >= YIELD_MS) {
      await yieldToEventLoop();
      this.lastYield = now();
      throwIfAborted(this.owner, this.signal);
    }
  }
}

/**
 * Computes the field of a validated call on `kernel` (initialisation, then `iterations` passes),
 * calling its onProgress after the initialisation and every pass. Rejects with an AbortError
 * naming the call's function soon after its signal fires; the run is released in every case.
 */
export async function runField(kernel: Kernel, call: FieldCall): Promise<FieldResult> {
  const { owner, signal } = call;
  // The call validated and copied its inputs synchronously (linear in their size): let the event
  // loop run before the maps of usable and searched patches are built and the kernel copies the
  // images in, and between the two.
  await yieldToEventLoop();
  throwIfAborted(owner, signal);
  const slicer = new Slicer(owner, signal);
  const job = buildFieldJob(call);
  const hook = progressHook(job, call.onProgress);
  await slicer.checkpoint();
  const p = job.patchSize;
  const n = (job.target.width - p + 1) * (job.target.height - p + 1);
  const run: FieldRun = kernel.startField(job);
  try {
    await slicer.checkpoint();
    await slicer.cover(n, false, (a, b) => run.initialise(a, b));
    hook?.(0, run.distances());
    for (let it = 0; it < job.iterations; it++) {
      const reverse = (it & 1) === 1;
      await slicer.cover(n, reverse, (a, b) => run.iterate(reverse, a, b));
      hook?.(it + 1, run.distances());
    }
    return run.result();
  } finally {
    run.release();
  }
}

/** Runs a field in one go per pass (no slicing): the reference the sliced runs are tested against. */
export function runFieldWhole(kernel: Kernel, job: FieldJob): FieldResult {
  const p = job.patchSize;
  const n = (job.target.width - p + 1) * (job.target.height - p + 1);
  const run = kernel.startField(job);
  try {
    run.initialise(0, n);
    for (let it = 0; it < job.iterations; it++) run.iterate((it & 1) === 1, 0, n);
    return run.result();
  } finally {
    run.release();
  }
}
