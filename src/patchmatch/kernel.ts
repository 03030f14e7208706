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
  /**
   * Neighbours per target patch (default 1). With k > 1 the field holds k entries per patch
   * (i * k .. i * k + k - 1, ascending distance) and the run uses the k-NN kernels; no initial field.
   */
  readonly k?: number;
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
  /** Starts a feature-space field computation (image analogies, texture transfer); as startField. */
  startFeatureField(job: FeatureFieldJob): FeatureFieldRun;
}

// ---- Feature-space search (feature-field.ts) ---------------------------------------------------

/** An image of `channels` float features per pixel, interleaved (`width * height * channels` values). */
export interface FeatureImage {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly data: Float32Array;
}

/** A field computation over feature images (both with the same channel count); as FieldJob. */
export interface FeatureFieldJob {
  readonly owner: string;
  readonly target: FeatureImage;
  readonly source: FeatureImage;
  readonly patchSize: number;
  readonly seed: number;
  readonly valid: Uint8Array;
  readonly validList: Int32Array;
  readonly active: Uint8Array;
  readonly initialX: Int32Array | null;
  readonly initialY: Int32Array | null;
}

/** A feature field with f64 distances (Infinity for entries that are not searched). */
export interface FeatureFieldResult {
  readonly x: Int32Array;
  readonly y: Int32Array;
  readonly distance: Float64Array;
}

/** A feature field computation in progress: FieldRun's contract, plus the coherence step. */
export interface FeatureFieldRun {
  initialise(start: number, end: number): void;
  iterate(reverse: boolean, start: number, end: number): void;
  /**
   * Hertzmann et al.'s coherence step over entries start..end-1 (ascending ranges in order):
   * an entry takes the best match of its already-visited neighbours within `radius`, shifted,
   * when that match's distance is <= its own times `factor`.
   */
  coherence(factor: number, radius: number, start: number, end: number): void;
  distances(): Float64Array;
  result(): FeatureFieldResult;
  release(): void;
}
