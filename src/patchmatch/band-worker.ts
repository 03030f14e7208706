import type { FieldLayout } from './layout.js';

/** A message from the host to a band worker. */
export type BandRequest =
  | {
      readonly type: 'field';
      /** The compiled assembly/patchmatch.ts module; sent with the first job only. */
      readonly module?: WebAssembly.Module;
      readonly targetWidth: number;
      readonly targetHeight: number;
      readonly target: Uint8Array | Uint8ClampedArray;
      readonly sourceWidth: number;
      readonly sourceHeight: number;
      readonly source: Uint8Array | Uint8ClampedArray;
      readonly patchSize: number;
      readonly valid: Uint8Array;
      readonly validList: Int32Array;
      readonly active: Uint8Array;
      readonly initialX: Int32Array | null;
      readonly initialY: Int32Array | null;
      /** Neighbours per patch (k-NN field when > 1; x, y and d then hold fw * fh * k entries). */
      readonly k: number;
      /** Buffer offsets from the heap base (layout.ts fieldLayout, as the single-threaded kernel). */
      readonly layout: FieldLayout;
      /** This band's seed. */
      readonly seed: number;
      readonly rowStart: number;
      readonly rowEnd: number;
      /**
       * The shared field (x, y as Int32, distance as Uint32, fw * fh * k entries each), twice: step s
       * (0 = initialisation, s = iteration s) writes copy s % 2 and reads the border rows from the
       * other one, so a band never reads a neighbour's row while that neighbour rewrites it.
       */
      readonly x: readonly [SharedArrayBuffer, SharedArrayBuffer];
      readonly y: readonly [SharedArrayBuffer, SharedArrayBuffer];
      readonly d: readonly [SharedArrayBuffer, SharedArrayBuffer];
    }
  | { readonly type: 'iterate'; readonly reverse: boolean };

/** A worker's reply: the step is done (its band is in the shared field) or failed. */
export type BandReply = { readonly type: 'done' } | { readonly type: 'error'; readonly message: string };

/**
 * The body of a band worker, run inside a Node worker thread or a Web Worker. It is kept as plain
 * JavaScript source text, not as a function of this module turned into text with toString():
 * bundlers rewrite functions (esbuild's keepNames wraps them in a renamed helper that does not
 * exist inside the worker), but leave a string alone. Called as
 * `bandWorkerMain(listen, reply)`, with `listen(handler)` delivering messages (BandRequest) and
 * `reply(message)` posting BandReply objects back.
 *
 * Each worker owns one instance of the PatchMatch module with a full copy of the images and of
 * the field. It updates only its rows (rowStart..rowEnd-1) and publishes them to the shared
 * field after every step; before each iteration it reads back the two rows bordering its band,
 * as the neighbouring bands left them after the previous step (double-buffered, see BandRequest).
 */
export const BAND_WORKER_SOURCE = `function bandWorkerMain(listen, reply) {
  let ex = null;
  let state = null;
  const copyRows = (r0, r1, toShared, copy) => {
    const s = state;
    const x = s.x[copy];
    const y = s.y[copy];
    const d = s.d[copy];
    if (r0 < 0) r0 = 0;
    if (r1 > s.fh) r1 = s.fh;
    if (r1 <= r0) return;
    const a = r0 * s.fw * s.k;
    const b = r1 * s.fw * s.k;
    const buf = ex.memory.buffer;
    const wx = new Int32Array(buf, s.xPtr, s.fw * s.fh * s.k);
    const wy = new Int32Array(buf, s.yPtr, s.fw * s.fh * s.k);
    const wd = new Uint32Array(buf, s.dPtr, s.fw * s.fh * s.k);
    if (toShared) {
      x.set(wx.subarray(a, b), a);
      y.set(wy.subarray(a, b), a);
      d.set(wd.subarray(a, b), a);
    } else {
      wx.set(x.subarray(a, b), a);
      wy.set(y.subarray(a, b), a);
      wd.set(d.subarray(a, b), a);
    }
  };
  const field = (job) => {
    if (job.module !== void 0) {
      ex = new WebAssembly.Instance(job.module, {}).exports;
    }
    if (ex === null) throw new Error("PatchMatch worker: no WebAssembly module");
    const p = job.patchSize;
    const fw = job.targetWidth - p + 1;
    const fh = job.targetHeight - p + 1;
    const n = fw * fh;
    const base = ex.heapBase();
    const at = job.layout;
    const top = base + at.bytes;
    const tPtr = base + at.target;
    const sPtr = base + at.source;
    const validPtr = base + at.valid;
    const listPtr = base + at.validList;
    const activePtr = base + at.active;
    const xPtr = base + at.x;
    const yPtr = base + at.y;
    const dPtr = base + at.distance;
    const hasInitial = job.initialX !== null && job.initialY !== null;
    const ixPtr = hasInitial ? base + at.initialX : 0;
    const iyPtr = hasInitial ? base + at.initialY : 0;
    const have = ex.memory.buffer.byteLength;
    if (top > have) ex.memory.grow(Math.ceil((top - have) / 65536));
    const buf = ex.memory.buffer;
    const mem = new Uint8Array(buf);
    mem.set(job.target, tPtr);
    for (let i = tPtr + 3, end = tPtr + job.target.length; i < end; i += 4) mem[i] = 0;
    mem.set(job.source, sPtr);
    for (let i = sPtr + 3, end = sPtr + job.source.length; i < end; i += 4) mem[i] = 0;
    mem.set(job.valid, validPtr);
    new Int32Array(buf, listPtr, job.validList.length).set(job.validList);
    mem.set(job.active, activePtr);
    if (hasInitial) {
      new Int32Array(buf, ixPtr, n).set(job.initialX);
      new Int32Array(buf, iyPtr, n).set(job.initialY);
    }
    ex.setup(
      tPtr,
      job.targetWidth,
      job.targetHeight,
      sPtr,
      job.sourceWidth,
      job.sourceHeight,
      p,
      validPtr,
      listPtr,
      job.validList.length,
      activePtr,
      xPtr,
      yPtr,
      dPtr,
      job.seed >>> 0
    );
    const k = job.k > 1 ? job.k : 1;
    if (k > 1) ex.setupKnn(k);
    state = {
      rowStart: job.rowStart,
      rowEnd: job.rowEnd,
      fw,
      fh,
      k,
      xPtr,
      yPtr,
      dPtr,
      x: job.x.map((b) => new Int32Array(b)),
      y: job.y.map((b) => new Int32Array(b)),
      d: job.d.map((b) => new Uint32Array(b)),
      step: 0
    };
    if (k > 1) ex.knnInitialise(job.rowStart * fw, job.rowEnd * fw);
    else ex.initialise(ixPtr, iyPtr, hasInitial ? 1 : 0, job.rowStart * fw, job.rowEnd * fw);
    copyRows(job.rowStart, job.rowEnd, true, 0);
  };
  const iterate = (reverse) => {
    const s = state;
    if (ex === null || s === null) throw new Error("PatchMatch worker: iterate before field");
    const previous = s.step & 1;
    s.step++;
    copyRows(s.rowStart - 1, s.rowStart, false, previous);
    copyRows(s.rowEnd, s.rowEnd + 1, false, previous);
    if (s.k > 1) ex.knnIterate(reverse ? 1 : 0, s.rowStart * s.fw, s.rowEnd * s.fw);
    else ex.iterate(reverse ? 1 : 0, s.rowStart * s.fw, s.rowEnd * s.fw);
    copyRows(s.rowStart, s.rowEnd, true, s.step & 1);
  };
  listen((message) => {
    const m = message;
    try {
      if (m.type === "field") field(m);
      else iterate(m.reverse);
      reply({ type: "done" });
    } catch (err) {
      reply({ type: "error", message: err instanceof Error ? err.message : String(err) });
    }
  });
}`;
