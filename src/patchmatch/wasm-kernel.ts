import { PATCHMATCH_WASM_BASE64 } from './generated/patchmatch-wasm.js';
import type { FeatureFieldJob, FeatureFieldRun, FieldJob, FieldRun, Kernel, VoteJob } from './kernel.js';
import { type FieldLayout, featureFieldLayout, fieldLayout, voteLayout } from './layout.js';

/** The exports of assembly/patchmatch.ts (pointers are byte offsets into `memory`). */
interface PatchMatchExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  setup(
    targetPtr: number,
    targetWidth: number,
    targetHeight: number,
    sourcePtr: number,
    sourceWidth: number,
    sourceHeight: number,
    patchSize: number,
    validMapPtr: number,
    validIndexPtr: number,
    validCount: number,
    activeMapPtr: number,
    fieldXPtr: number,
    fieldYPtr: number,
    fieldDPtr: number,
    seed: number,
  ): void;
  patchDistance(tx: number, ty: number, sx: number, sy: number): number;
  initialise(initialXPtr: number, initialYPtr: number, hasInitial: number, start: number, end: number): void;
  iterate(reverse: number, start: number, end: number): void;
  vote(
    fieldXPtr: number,
    fieldYPtr: number,
    fieldWidth: number,
    fieldHeight: number,
    patchSize: number,
    sourcePtr: number,
    sourceWidth: number,
    weightsPtr: number,
    accPtr: number,
    outPtr: number,
    targetWidth: number,
    targetHeight: number,
  ): void;
  meldSetup(gainMin: number, gainMax: number, biasMin: number, biasMax: number): void;
  meldPatchDistance(tx: number, ty: number, sx: number, sy: number): number;
  meldInitialise(initialXPtr: number, initialYPtr: number, hasInitial: number, start: number, end: number): void;
  meldIterate(reverse: number, start: number, end: number): void;
  setupKnn(k: number): void;
  knnInitialise(start: number, end: number): void;
  knnIterate(reverse: number, start: number, end: number): void;
  featureSetup(
    targetPtr: number,
    targetWidth: number,
    targetHeight: number,
    sourcePtr: number,
    sourceWidth: number,
    sourceHeight: number,
    channels: number,
    patchSize: number,
    validMapPtr: number,
    validIndexPtr: number,
    validCount: number,
    activeMapPtr: number,
    fieldXPtr: number,
    fieldYPtr: number,
    fieldDPtr: number,
    seed: number,
  ): void;
  featurePatchDistance(tx: number, ty: number, sx: number, sy: number): number;
  featureInitialise(initialXPtr: number, initialYPtr: number, hasInitial: number, start: number, end: number): void;
  featureIterate(reverse: number, start: number, end: number): void;
  featureCoherence(factor: number, radius: number, start: number, end: number): void;
}

const PAGE = 65536;

// A function returning a v128 constant: validates only where WebAssembly SIMD is supported.
const SIMD_PROBE = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00, // magic, version 1
  0x01,
  0x05,
  0x01,
  0x60,
  0x00,
  0x01,
  0x7b, // type section: () -> v128
  0x03,
  0x02,
  0x01,
  0x00, // function section: one function of type 0
  0x0a,
  0x16,
  0x01,
  0x14,
  0x00,
  0xfd,
  0x0c, // code section: v128.const ...
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0x0b, // end
]);

/** True when this engine has WebAssembly with the SIMD proposal. */
export function hasWasmSimd(): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

let modulePromise: Promise<WebAssembly.Module> | null = null;

/** Compiles the embedded module once per process; later calls share the same Promise. */
export function compilePatchMatchModule(): Promise<WebAssembly.Module> {
  if (modulePromise === null) {
    modulePromise = WebAssembly.compile(decodeBase64(PATCHMATCH_WASM_BASE64));
    // A failed compile must not poison later attempts.
    modulePromise.catch(() => {
      modulePromise = null;
    });
  }
  return modulePromise;
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  if (typeof atob === 'function') {
    const bin = atob(text);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes;
  }
  throw new Error('createPatchMatch: no base64 decoder (atob) in this environment.');
}

/** Copies RGBA into linear memory with alpha zeroed (so whole 4-pixel loads can be differenced). */
function copyRgb(mem: Uint8Array, ptr: number, data: Uint8Array | Uint8ClampedArray): void {
  mem.set(data, ptr);
  for (let i = ptr + 3, end = ptr + data.length; i < end; i += 4) mem[i] = 0;
}

/**
 * Creates the WebAssembly SIMD kernel over a fresh instance of the cached module. Buffers are laid
 * out from the module's heap base by layout.ts. A field run holds its region until released; a
 * vote meanwhile goes above it. Memory only grows when a call needs more than any call before, so
 * repeated calls of one size never grow it.
 */
export async function createWasmKernel(): Promise<Kernel> {
  const module = await compilePatchMatchModule();
  const instance = await WebAssembly.instantiate(module, {});
  const ex = instance.exports as unknown as PatchMatchExports;
  const base = ex.heapBase();
  /** End of the region held by the field run in progress (base when none). */
  let fieldTop = base;

  /** Grows memory to cover [0, top); errors name `owner`. */
  const reserve = (owner: string, top: number): void => {
    const have = ex.memory.buffer.byteLength;
    if (top <= have) return;
    try {
      ex.memory.grow(Math.ceil((top - have) / PAGE));
    } catch (err) {
      throw new Error(
        `${owner}: could not grow WebAssembly memory from ${Math.round(have / 2 ** 20)} MiB to ${Math.ceil(top / 2 ** 20)} MiB (${err instanceof Error ? err.name : 'error'}); use smaller images or the 'js' backend.`,
      );
    }
  };

  /**
   * Opens a field run: claims the region from the heap base for the buffers `layout()` lays out
   * (the engine runs one at a time), copies in what every run has (usable-patch map and list,
   * active map, initial field) and returns the offsets and a guard against use after release. The
   * caller copies its images in and sets the module up.
   */
  const openRun = <L extends FieldLayout>(
    job: FieldJob | FeatureFieldJob,
    n: number,
    layout: (withInitial: boolean) => L,
  ): { at: L; initialXPtr: number; initialYPtr: number; hasInitial: number; alive(): void; release(): void } => {
    if (fieldTop !== base) throw new Error(`${job.owner}: a field computation is already in progress on this engine.`);
    const withInitial = job.initialX !== null && job.initialY !== null;
    const at = layout(withInitial);
    reserve(job.owner, base + at.bytes);
    fieldTop = base + at.bytes;
    const buf = ex.memory.buffer;
    new Uint8Array(buf).set(job.valid, base + at.valid);
    new Int32Array(buf, base + at.validList, job.validList.length).set(job.validList);
    new Uint8Array(buf).set(job.active, base + at.active);
    if (withInitial) {
      new Int32Array(buf, base + at.initialX, n).set(job.initialX!);
      new Int32Array(buf, base + at.initialY, n).set(job.initialY!);
    }
    let live = true;
    return {
      at,
      initialXPtr: withInitial ? base + at.initialX : 0,
      initialYPtr: withInitial ? base + at.initialY : 0,
      hasInitial: withInitial ? 1 : 0,
      alive: () => {
        if (!live) throw new Error(`${job.owner}: the field run was released.`);
      },
      release: () => {
        if (live) fieldTop = base;
        live = false;
      },
    };
  };

  const startField = (job: FieldJob): FieldRun => {
    const { target, source, patchSize: p } = job;
    const n = (target.width - p + 1) * (target.height - p + 1);
    const k = job.k ?? 1;
    const run = openRun(job, n, (withInitial) =>
      fieldLayout({
        k,
        targetWidth: target.width,
        targetHeight: target.height,
        sourceWidth: source.width,
        sourceHeight: source.height,
        patchSize: p,
        validCount: job.validList.length,
        withInitial,
      }),
    );
    const { at, alive } = run;
    const mem = new Uint8Array(ex.memory.buffer);
    copyRgb(mem, base + at.target, target.data);
    copyRgb(mem, base + at.source, source.data);
    const xPtr = base + at.x;
    const yPtr = base + at.y;
    const dPtr = base + at.distance;
    ex.setup(
      base + at.target,
      target.width,
      target.height,
      base + at.source,
      source.width,
      source.height,
      p,
      base + at.valid,
      base + at.validList,
      job.validList.length,
      base + at.active,
      xPtr,
      yPtr,
      dPtr,
      job.seed >>> 0,
    );
    const meld = job.meld;
    if (meld !== undefined) ex.meldSetup(meld.gainMin, meld.gainMax, meld.biasMin, meld.biasMax);
    const initialise = meld !== undefined ? ex.meldInitialise : ex.initialise;
    const iterate = meld !== undefined ? ex.meldIterate : ex.iterate;
    if (k > 1) ex.setupKnn(k);
    return {
      initialise: (start, end) => {
        alive();
        if (k > 1) ex.knnInitialise(start, end);
        else initialise(run.initialXPtr, run.initialYPtr, run.hasInitial, start, end);
      },
      iterate: (reverse, start, end) => {
        alive();
        if (k > 1) ex.knnIterate(reverse ? 1 : 0, start, end);
        else iterate(reverse ? 1 : 0, start, end);
      },
      // A fresh view each time: growing memory (a vote meanwhile) detaches the old buffer.
      distances: () => new Uint32Array(ex.memory.buffer, dPtr, n * k),
      result: () => ({
        x: new Int32Array(ex.memory.buffer, xPtr, n * k).slice(),
        y: new Int32Array(ex.memory.buffer, yPtr, n * k).slice(),
        distance: new Uint32Array(ex.memory.buffer, dPtr, n * k).slice(),
      }),
      release: run.release,
    };
  };

  const vote = (job: VoteJob): Uint8ClampedArray => {
    const n = job.fieldWidth * job.fieldHeight;
    const nPix = job.targetWidth * job.targetHeight;
    const at = voteLayout(n, job.source.data.length / 4, nPix, job.weights !== null);
    const start = fieldTop;
    reserve(job.owner, start + at.bytes);
    const buf = ex.memory.buffer;
    new Int32Array(buf, start + at.x, n).set(job.fieldX);
    new Int32Array(buf, start + at.y, n).set(job.fieldY);
    new Uint8Array(buf).set(job.source.data, start + at.source);
    if (job.weights !== null) new Float64Array(buf, start + at.weights, n).set(job.weights);
    ex.vote(
      start + at.x,
      start + at.y,
      job.fieldWidth,
      job.fieldHeight,
      job.patchSize,
      start + at.source,
      job.source.width,
      job.weights !== null ? start + at.weights : 0,
      start + at.accumulator,
      start + at.output,
      job.targetWidth,
      job.targetHeight,
    );
    return new Uint8ClampedArray(ex.memory.buffer.slice(start + at.output, start + at.output + nPix * 4));
  };

  /** A feature field run: as startField, over f32 feature images, holding the same region. */
  const startFeatureField = (job: FeatureFieldJob): FeatureFieldRun => {
    const { target, source, patchSize: p } = job;
    const n = (target.width - p + 1) * (target.height - p + 1);
    const run = openRun(job, n, (withInitial) =>
      featureFieldLayout({
        targetWidth: target.width,
        targetHeight: target.height,
        sourceWidth: source.width,
        sourceHeight: source.height,
        channels: target.channels,
        patchSize: p,
        validCount: job.validList.length,
        withInitial,
      }),
    );
    const { at, alive } = run;
    const buf = ex.memory.buffer;
    new Float32Array(buf, base + at.target, target.data.length).set(target.data);
    new Float32Array(buf, base + at.source, source.data.length).set(source.data);
    const [xPtr, yPtr, dPtr] = [base + at.x, base + at.y, base + at.distance];
    ex.featureSetup(
      base + at.target,
      target.width,
      target.height,
      base + at.source,
      source.width,
      source.height,
      target.channels,
      p,
      base + at.valid,
      base + at.validList,
      job.validList.length,
      base + at.active,
      xPtr,
      yPtr,
      dPtr,
      job.seed >>> 0,
    );
    return {
      initialise: (start, end) => {
        alive();
        ex.featureInitialise(run.initialXPtr, run.initialYPtr, run.hasInitial, start, end);
      },
      iterate: (reverse, start, end) => {
        alive();
        ex.featureIterate(reverse ? 1 : 0, start, end);
      },
      coherence: (factor, radius, start, end) => {
        alive();
        ex.featureCoherence(factor, radius, start, end);
      },
      distances: () => new Float64Array(ex.memory.buffer, dPtr, n),
      result: () => ({
        x: new Int32Array(ex.memory.buffer, xPtr, n).slice(),
        y: new Int32Array(ex.memory.buffer, yPtr, n).slice(),
        distance: new Float64Array(ex.memory.buffer, dPtr, n).slice(),
      }),
      release: run.release,
    };
  };

  return { name: 'wasm', startField, vote, memoryBytes: () => ex.memory.buffer.byteLength, startFeatureField };
}
