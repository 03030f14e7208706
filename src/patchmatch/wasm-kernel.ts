import { PATCHMATCH_WASM_BASE64 } from './generated/patchmatch-wasm.js';
import type { FieldJob, FieldResult, IterationHook, Kernel, VoteJob } from './kernel.js';
import type { RgbaImage } from './types.js';

/** The exports of assembly/patchmatch.ts (pointers are byte offsets into `memory`). */
interface PatchMatchExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  setup(
    targetPtr: number, targetWidth: number, targetHeight: number,
    sourcePtr: number, sourceWidth: number, sourceHeight: number,
    patchSize: number,
    validMapPtr: number, validIndexPtr: number, validCount: number,
    activeMapPtr: number,
    fieldXPtr: number, fieldYPtr: number, fieldDPtr: number,
    seed: number,
  ): void;
  patchDistance(tx: number, ty: number, sx: number, sy: number): number;
  initialise(initialXPtr: number, initialYPtr: number, hasInitial: number, rowStart: number, rowEnd: number): void;
  iterate(reverse: number, rowStart: number, rowEnd: number): void;
  vote(
    fieldXPtr: number, fieldYPtr: number, fieldWidth: number, fieldHeight: number, patchSize: number,
    sourcePtr: number, sourceWidth: number,
    weightsPtr: number, accPtr: number, outPtr: number, targetWidth: number, targetHeight: number,
  ): void;
}

const PAGE = 65536;

// A function returning a v128 constant: validates only where WebAssembly SIMD is supported.
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c, // code section: v128.const ...
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
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
  throw new Error('createPatchMatch: no base64 decoder (atob) in this environment');
}

/**
 * Lays buffers out one after another from the module's heap base, 16-byte aligned. The arena is
 * reset at every call, and memory only grows when a call needs more than any call before, so
 * repeated calls of one size never grow it.
 */
class Arena {
  private top: number;
  constructor(private readonly ex: PatchMatchExports, private readonly base: number) {
    this.top = base;
  }
  reset(): void {
    this.top = this.base;
  }
  /** Reserves `bytes` (+16 readable slack bytes) and returns the pointer. */
  take(bytes: number): number {
    const ptr = this.top;
    // Arithmetic, not bit masks: offsets may exceed 2^31.
    this.top = ptr + Math.ceil((bytes + 16) / 16) * 16;
    return ptr;
  }
  /** Grows memory to cover everything taken so far. */
  commit(): void {
    const have = this.ex.memory.buffer.byteLength;
    if (this.top <= have) return;
    try {
      this.ex.memory.grow(Math.ceil((this.top - have) / PAGE));
    } catch (err) {
      throw new Error(
        `PatchMatch: could not grow WebAssembly memory from ${Math.round(have / 2 ** 20)} MiB to ${Math.ceil(this.top / 2 ** 20)} MiB (${String(err)}); use smaller images or the 'js' backend`,
      );
    }
  }
}

/** Copies RGBA into the arena with alpha zeroed (so whole 4-pixel loads can be differenced). */
function copyRgb(mem: Uint8Array, ptr: number, image: RgbaImage): void {
  const d = image.data;
  mem.set(d, ptr);
  for (let i = ptr + 3, end = ptr + d.length; i < end; i += 4) mem[i] = 0;
}

/** Creates the WebAssembly SIMD kernel over a fresh instance of the cached module. */
export async function createWasmKernel(): Promise<Kernel> {
  const module = await compilePatchMatchModule();
  const instance = await WebAssembly.instantiate(module, {});
  const ex = instance.exports as unknown as PatchMatchExports;
  const arena = new Arena(ex, ex.heapBase());

  const field = (job: FieldJob, hook: IterationHook | null): FieldResult => {
    const { target, source, patchSize: p } = job;
    const fw = target.width - p + 1;
    const fh = target.height - p + 1;
    const n = fw * fh;
    arena.reset();
    const tPtr = arena.take(target.data.length);
    const sPtr = arena.take(source.data.length);
    const validPtr = arena.take(job.valid.length);
    const listPtr = arena.take(job.validList.length * 4);
    const activePtr = arena.take(n);
    const xPtr = arena.take(n * 4);
    const yPtr = arena.take(n * 4);
    const dPtr = arena.take(n * 4);
    const hasInitial = job.initialX !== null && job.initialY !== null;
    const ixPtr = hasInitial ? arena.take(n * 4) : 0;
    const iyPtr = hasInitial ? arena.take(n * 4) : 0;
    arena.commit();

    const mem = new Uint8Array(ex.memory.buffer);
    copyRgb(mem, tPtr, target);
    copyRgb(mem, sPtr, source);
    mem.set(job.valid, validPtr);
    new Int32Array(ex.memory.buffer, listPtr, job.validList.length).set(job.validList);
    mem.set(job.active, activePtr);
    if (hasInitial) {
      new Int32Array(ex.memory.buffer, ixPtr, n).set(job.initialX!);
      new Int32Array(ex.memory.buffer, iyPtr, n).set(job.initialY!);
    }
    ex.setup(
      tPtr, target.width, target.height, sPtr, source.width, source.height, p,
      validPtr, listPtr, job.validList.length, activePtr, xPtr, yPtr, dPtr, job.seed >>> 0,
    );
    ex.initialise(ixPtr, iyPtr, hasInitial ? 1 : 0, 0, fh);
    const distanceView = () => new Uint32Array(ex.memory.buffer, dPtr, n);
    hook?.(0, distanceView());
    for (let it = 0; it < job.iterations; it++) {
      ex.iterate(it & 1, 0, fh);
      hook?.(it + 1, distanceView());
    }
    return {
      x: new Int32Array(ex.memory.buffer, xPtr, n).slice(),
      y: new Int32Array(ex.memory.buffer, yPtr, n).slice(),
      distance: distanceView().slice(),
    };
  };

  const vote = (job: VoteJob): Uint8ClampedArray => {
    const n = job.fieldWidth * job.fieldHeight;
    const nPix = job.targetWidth * job.targetHeight;
    arena.reset();
    const xPtr = arena.take(n * 4);
    const yPtr = arena.take(n * 4);
    const sPtr = arena.take(job.source.data.length);
    const wPtr = job.weights !== null ? arena.take(n * 8) : 0;
    const accPtr = arena.take(nPix * 32);
    const outPtr = arena.take(nPix * 4);
    arena.commit();
    const buf = ex.memory.buffer;
    new Int32Array(buf, xPtr, n).set(job.fieldX);
    new Int32Array(buf, yPtr, n).set(job.fieldY);
    new Uint8Array(buf).set(job.source.data, sPtr);
    if (job.weights !== null) new Float64Array(buf, wPtr, n).set(job.weights);
    ex.vote(
      xPtr, yPtr, job.fieldWidth, job.fieldHeight, job.patchSize, sPtr, job.source.width,
      wPtr, accPtr, outPtr, job.targetWidth, job.targetHeight,
    );
    return new Uint8ClampedArray(ex.memory.buffer.slice(outPtr, outPtr + nPix * 4));
  };

  return { name: 'wasm', field, vote, memoryBytes: () => ex.memory.buffer.byteLength };
}

/** Bytes of linear memory a field computation needs (mirrors the layout above). */
export function fieldBytes(tw: number, th: number, sw: number, sh: number, p: number, nValid: number, withInitial: boolean): number {
  const r = (b: number) => Math.ceil((b + 16) / 16) * 16;
  const n = (tw - p + 1) * (th - p + 1);
  return 65536 + r(tw * th * 4) + r(sw * sh * 4) + r((sw - p + 1) * (sh - p + 1)) + r(nValid * 4) + r(n) + 3 * r(n * 4) + (withInitial ? 2 * r(n * 4) : 0);
}

/** Bytes of linear memory a vote needs. */
export function voteBytes(n: number, sourcePixels: number, targetPixels: number, withWeights: boolean): number {
  const r = (b: number) => Math.ceil((b + 16) / 16) * 16;
  return 65536 + 2 * r(n * 4) + r(sourcePixels * 4) + (withWeights ? r(n * 8) : 0) + r(targetPixels * 32) + r(targetPixels * 4);
}
