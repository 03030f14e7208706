// The memory layout of one field computation and one vote: which buffers, in which order, of
// which size. The WebAssembly kernel places its buffers by it, the band workers receive its
// offsets, and the memory checks add it up, so the three can never disagree.

/** Bytes below the module's heap base (its static data) counted against the memory limit. */
export const MODULE_RESERVE = 65536;

/** Bytes one buffer of `bytes` takes: 16 readable slack bytes after it, rounded to 16-byte alignment. */
export function slot(bytes: number): number {
  // Arithmetic, not bit masks: offsets may exceed 2^31.
  return Math.ceil((bytes + 16) / 16) * 16;
}

/** Byte offsets (from the heap base) of a field computation's buffers; `bytes` is the total. */
export interface FieldLayout {
  readonly target: number;
  readonly source: number;
  readonly valid: number;
  readonly validList: number;
  readonly active: number;
  readonly x: number;
  readonly y: number;
  readonly distance: number;
  /** -1 without an initial field. */
  readonly initialX: number;
  readonly initialY: number;
  readonly bytes: number;
}

/** Sizes of a field computation: target and source sides, patch size, usable source patches. */
export interface FieldShape {
  readonly targetWidth: number;
  readonly targetHeight: number;
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  readonly patchSize: number;
  /** Usable source patches (at most (sw - p + 1) * (sh - p + 1)). */
  readonly validCount: number;
  readonly withInitial: boolean;
  /** Neighbours per target patch (k-NN fields); x, y and distance hold n * k entries. Defaults to 1. */
  readonly k?: number;
}

/** Lays the buffers of a field computation out one after another. */
export function fieldLayout(s: FieldShape): FieldLayout {
  return layBuffers(s, 4, s.k ?? 1, 4);
}

/**
 * The buffers of a field or feature field computation, one after another: target and source
 * (`pixelBytes` per pixel), usable-patch map and list, active map, field (`k` entries per target
 * patch, `distanceBytes` per distance) and the optional initial field.
 */
function layBuffers(s: Omit<FieldShape, 'k'>, pixelBytes: number, k: number, distanceBytes: number): FieldLayout {
  const p = s.patchSize;
  const n = (s.targetWidth - p + 1) * (s.targetHeight - p + 1);
  let top = 0;
  const take = (bytes: number): number => {
    const at = top;
    top += slot(bytes);
    return at;
  };
  const target = take(s.targetWidth * s.targetHeight * pixelBytes);
  const source = take(s.sourceWidth * s.sourceHeight * pixelBytes);
  const valid = take((s.sourceWidth - p + 1) * (s.sourceHeight - p + 1));
  const validList = take(s.validCount * 4);
  const active = take(n);
  const x = take(n * k * 4);
  const y = take(n * k * 4);
  const distance = take(n * k * distanceBytes);
  const initialX = s.withInitial ? take(n * 4) : -1;
  const initialY = s.withInitial ? take(n * 4) : -1;
  return { target, source, valid, validList, active, x, y, distance, initialX, initialY, bytes: top };
}

/**
 * Working memory of one field computation, for the memory check: the module's linear memory
 * (MODULE_RESERVE + the layout) plus what the host holds meanwhile: the snapshots of the inputs,
 * the usable-patch maps and, for masks, one summed-area table. The 'js' kernel holds about as
 * much (packed images and the field), so one figure serves both backends.
 */
export function fieldWorkingBytes(s: FieldShape, withMask: boolean): number {
  const p = s.patchSize;
  const n = (s.targetWidth - p + 1) * (s.targetHeight - p + 1);
  const sourcePatches = (s.sourceWidth - p + 1) * (s.sourceHeight - p + 1);
  const snapshots = (s.targetWidth * s.targetHeight + s.sourceWidth * s.sourceHeight) * 4 + (s.withInitial ? n * 8 : 0);
  // A k-NN field is copied out once more (the result) and its progress mean reads k entries per patch.
  const maps = sourcePatches + s.validCount * 4 + n + ((s.k ?? 1) > 1 ? n * (s.k ?? 1) * 12 : 0);
  const sat = withMask
    ? (Math.max(s.targetWidth, s.sourceWidth) + 1) * (Math.max(s.targetHeight, s.sourceHeight) + 1) * 4
    : 0;
  return MODULE_RESERVE + fieldLayout(s).bytes + snapshots + maps + sat;
}

/** Byte offsets (from the start of the vote's region) of a vote's buffers; `bytes` is the total. */
export interface VoteLayout {
  readonly x: number;
  readonly y: number;
  readonly source: number;
  /** -1 without weights. */
  readonly weights: number;
  readonly accumulator: number;
  readonly output: number;
  readonly bytes: number;
}

/** Lays the buffers of a vote out: field entries n, source and target pixel counts. */
export function voteLayout(n: number, sourcePixels: number, targetPixels: number, withWeights: boolean): VoteLayout {
  let top = 0;
  const take = (bytes: number): number => {
    const at = top;
    top += slot(bytes);
    return at;
  };
  const x = take(n * 4);
  const y = take(n * 4);
  const source = take(sourcePixels * 4);
  const weights = withWeights ? take(n * 8) : -1;
  const accumulator = take(targetPixels * 32);
  const output = take(targetPixels * 4);
  return { x, y, source, weights, accumulator, output, bytes: top };
}

/** Working memory of one vote, for the memory check (linear memory, the weights copy and the output). */
export function voteWorkingBytes(n: number, sourcePixels: number, targetPixels: number, withWeights: boolean): number {
  return (
    MODULE_RESERVE +
    voteLayout(n, sourcePixels, targetPixels, withWeights).bytes +
    (withWeights ? n * 8 : 0) +
    targetPixels * 4
  );
}

/**
 * Working memory of an inpainting, for the check made before anything is allocated: what is
 * held for the whole run (the input copies, the pyramid, the estimate, the depth map, two fields)
 * plus the larger of one field computation and one vote. Fields cover the box of patches
 * touching the hole (`boxWidth x boxHeight`), or a quarter of the image at the coarser levels.
 */
export function inpaintWorkingBytes(
  width: number,
  height: number,
  boxWidth: number,
  boxHeight: number,
  p: number,
): number {
  const pixels = width * height;
  const bw = Math.max(boxWidth, Math.min(width, Math.ceil(width / 2) + p));
  const bh = Math.max(boxHeight, Math.min(height, Math.ceil(height / 2) + p));
  const box = bw * bh;
  const n = (bw - p + 1) * (bh - p + 1);
  // image + mask copies, pyramid (a third more), estimate, upsampled and next estimate, depth map, crops.
  const held = pixels * 5 + Math.ceil(pixels / 3) * 5 + pixels * 4 + pixels * 8 + pixels * 8 + box * 5 + n * 24;
  const field = fieldWorkingBytes(
    {
      targetWidth: bw,
      targetHeight: bh,
      sourceWidth: width,
      sourceHeight: height,
      patchSize: p,
      validCount: (width - p + 1) * (height - p + 1),
      withInitial: true,
    },
    true,
  );
  // The final blend's arrays (an f64 RGB correction and an i32 list of hole pixels per box pixel) live beside the vote.
  const vote = voteWorkingBytes(n, pixels, box, true) + n * 16 + box * 28;
  return held + Math.max(field, vote);
}

/**
 * Working memory of a texture synthesis, for the check made before anything is allocated: the
 * sample copy and its pyramid, the estimate (twice while upsampling), two fields, plus the larger
 * of one field computation and one vote at the finest level.
 */
export function textureWorkingBytes(
  width: number,
  height: number,
  sampleWidth: number,
  sampleHeight: number,
  p: number,
): number {
  const out = width * height;
  const sample = sampleWidth * sampleHeight;
  const n = (width - p + 1) * (height - p + 1);
  const held = sample * 4 + Math.ceil(sample / 3) * 4 + out * 8 + n * 24;
  const field = fieldWorkingBytes(
    {
      targetWidth: width,
      targetHeight: height,
      sourceWidth: sampleWidth,
      sourceHeight: sampleHeight,
      patchSize: p,
      validCount: (sampleWidth - p + 1) * (sampleHeight - p + 1),
      withInitial: true,
    },
    false,
  );
  const vote = voteWorkingBytes(n, sample, out, true) + n * 16 + out * 4;
  return held + Math.max(field, vote);
}

/** Sizes of a feature field computation (FieldShape's, with the channels per pixel). */
export interface FeatureFieldShape {
  readonly targetWidth: number;
  readonly targetHeight: number;
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  readonly channels: number;
  readonly patchSize: number;
  readonly validCount: number;
  readonly withInitial: boolean;
}

/** Byte offsets (from the heap base) of a feature field computation's buffers (f64 distances); `bytes` is the total. */
export type FeatureFieldLayout = FieldLayout;

/** Lays the buffers of a feature field computation out one after another (f32 features, f64 distances). */
export function featureFieldLayout(s: FeatureFieldShape): FeatureFieldLayout {
  return layBuffers(s, s.channels * 4, 1, 8);
}

/**
 * Working memory of one feature field computation: the module's linear memory (MODULE_RESERVE +
 * the layout) plus the host's feature images, maps and the copied-out result. The 'js' kernel
 * holds about as much.
 */
export function featureFieldWorkingBytes(s: FeatureFieldShape): number {
  const p = s.patchSize;
  const n = (s.targetWidth - p + 1) * (s.targetHeight - p + 1);
  const features = (s.targetWidth * s.targetHeight + s.sourceWidth * s.sourceHeight) * s.channels * 4;
  const maps = (s.sourceWidth - p + 1) * (s.sourceHeight - p + 1) + s.validCount * 4 + n;
  return MODULE_RESERVE + featureFieldLayout(s).bytes + features + maps + n * 16;
}
