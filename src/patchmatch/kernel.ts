import type { PatchMatchBackend } from './types.js';

/** An RGBA image the engine owns (a snapshot of the caller's, or one of its own buffers). */
export interface OwnedImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
}

/** Everything one field computation needs, validated, copied and prepared by the host side. */
export interface FieldJob {
  /** The public function the job serves (kernel errors name it). */
  readonly owner: string;
  readonly target: OwnedImage;
  readonly source: OwnedImage;
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
  /** Image Melding: compare patches after a gain and bias per channel (meldDistance in the kernels). */
  readonly meld?: MeldParams;
}

/** The gain and bias ranges of the melding distance (Image Melding, Darabi et al. 2012). */
export interface MeldParams {
  readonly gainMin: number;
  readonly gainMax: number;
  readonly biasMin: number;
  readonly biasMax: number;
}

/** A field as produced by a kernel (the arrays are owned by the caller). */
export interface FieldResult {
  readonly x: Int32Array;
  readonly y: Int32Array;
  readonly distance: Uint32Array;
}

/** Called after the initialisation (iteration 0) and each iteration, with the current distances. */
export type IterationHook = (iteration: number, distance: Uint32Array) => void;

/**
 * One field computation in progress. Entries are numbered in scan order (i = y * fw + x). The
 * host calls `initialise` over consecutive ranges covering 0..n, then, per iteration, `iterate`
 * over consecutive ranges: ascending for a forward pass, descending (n-c..n, then n-2c..n-c, ...)
 * for a reverse one. The random-number state carries over from call to call, so any split of a
 * pass gives exactly the field of one whole call: the host may regain control between ranges.
 */
export interface FieldRun {
  /** Random initialisation of entries start..end-1. */
  initialise(start: number, end: number): void;
  /** Propagation and random search over entries start..end-1 (visited end-1 down to start when `reverse`). */
  iterate(reverse: boolean, start: number, end: number): void;
  /** The current distances (a view, valid until the next call). */
  distances(): Uint32Array;
  /** Copies the field out. */
  result(): FieldResult;
  /** Frees what the run holds; the run is unusable afterwards. */
  release(): void;
}

/** A voting job: field, source and optional per-entry weights. */
export interface VoteJob {
  /** The public function the job serves (kernel errors name it). */
  readonly owner: string;
  readonly fieldX: Int32Array;
  readonly fieldY: Int32Array;
  readonly fieldWidth: number;
  readonly fieldHeight: number;
  readonly patchSize: number;
  readonly source: { readonly width: number; readonly data: Uint8Array | Uint8ClampedArray };
  readonly weights: Float64Array | null;
  readonly targetWidth: number;
  readonly targetHeight: number;
}

/**
 * The kernel interface both backends implement (WebAssembly SIMD in wasm-kernel.ts, plain
 * TypeScript in js-kernel.ts). They must return bit-identical results for the same job.
 * At most one field run per kernel is in progress at a time (the engine queues them); a vote may
 * run while a field run is in progress.
 */
export interface Kernel {
  readonly name: PatchMatchBackend;
  startField(job: FieldJob): FieldRun;
  vote(job: VoteJob): Uint8ClampedArray;
  /** Bytes of linear memory held (0 for the js kernel). */
  memoryBytes(): number;
}
