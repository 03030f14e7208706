import type { PatchMatchBackend, RgbaImage } from './types.js';

/** Everything one field computation needs, validated and prepared by the host side. */
export interface FieldJob {
  readonly target: RgbaImage;
  readonly source: RgbaImage;
  readonly patchSize: number;
  /** Unsigned 32-bit seed. */
  readonly seed: number;
  /** One byte per source patch position ((sw - p + 1) * (sh - p + 1)): 1 = usable. */
  readonly valid: Uint8Array;
  /** Indices (y * (sw - p + 1) + x) of the usable source patches; never empty. */
  readonly validList: Int32Array;
  /** One byte per target patch: 1 = searched. */
  readonly active: Uint8Array;
  readonly initialX: Int32Array | null;
  readonly initialY: Int32Array | null;
  readonly iterations: number;
}

/** A field as produced by a kernel (the arrays are owned by the caller). */
export interface FieldResult {
  readonly x: Int32Array;
  readonly y: Int32Array;
  readonly distance: Uint32Array;
}

/** Called after the initialisation (iteration 0) and each iteration, with the current distances. */
export type IterationHook = (iteration: number, distance: Uint32Array) => void;

/** A voting job: field, source and optional per-entry weights. */
export interface VoteJob {
  readonly fieldX: Int32Array;
  readonly fieldY: Int32Array;
  readonly fieldWidth: number;
  readonly fieldHeight: number;
  readonly patchSize: number;
  readonly source: RgbaImage;
  readonly weights: Float64Array | null;
  readonly targetWidth: number;
  readonly targetHeight: number;
}

/**
 * The kernel interface both backends implement (WebAssembly SIMD in wasm-kernel.ts, plain
 * TypeScript in js-kernel.ts). They must return bit-identical results for the same job.
 */
export interface Kernel {
  readonly name: PatchMatchBackend;
  field(job: FieldJob, hook: IterationHook | null): FieldResult;
  vote(job: VoteJob): Uint8ClampedArray;
  /** Bytes of linear memory held (0 for the js kernel). */
  memoryBytes(): number;
}
