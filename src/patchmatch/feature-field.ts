import type { FeatureFieldJob, FeatureFieldResult, FeatureImage, Kernel } from './kernel.js';
import { type FeatureFieldShape, featureFieldWorkingBytes } from './layout.js';
import { Slicer, yieldToEventLoop } from './scheduler.js';
import { checkMemory, throwIfAborted } from './validate.js';

// The feature-space field of image analogies and texture transfer: PatchMatch over images of float
// features (kernel functions featureInitialise / featureIterate / featureCoherence), run in slices
// like a field (scheduler.ts), so the event loop and the signal are served during it. The callers
// are the drivers in image-analogy.ts and transfer-texture.ts, which build the features themselves
// and validate their own arguments; this file checks the memory and runs the kernel.

/** One feature field computation, as a driver asks for it. */
export interface FeatureFieldCall {
  readonly owner: string;
  readonly target: FeatureImage;
  readonly source: FeatureImage;
  readonly patchSize: number;
  readonly iterations: number;
  readonly seed: number;
  /** One byte per source patch position, 1 = usable (default all). */
  readonly valid?: Uint8Array;
  /** One byte per target patch position, 1 = searched (default all); the others get x = y = -1. */
  readonly active?: Uint8Array;
  /** A previous field of the same size to start from. */
  readonly initialX?: Int32Array;
  readonly initialY?: Int32Array;
  /** Hertzmann et al.'s coherence step after the iterations: `factor` = 1 + 2^(l - L) kappa. */
  readonly coherence?: { readonly factor: number; readonly radius: number };
  readonly signal: AbortSignal | undefined;
}

/** The working memory of a feature field over these sizes (for the drivers' checks before they allocate). */
export function featureFieldBytes(shape: FeatureFieldShape): number {
  return featureFieldWorkingBytes(shape);
}

/** Throws when the field of `call` needs more than `maxMemoryBytes`. */
export function checkFeatureFieldMemory(owner: string, maxMemoryBytes: number, shape: FeatureFieldShape): void {
  checkMemory(owner, maxMemoryBytes, featureFieldWorkingBytes(shape));
}

/**
 * Runs a feature field on `kernel`: initialisation, `iterations` PatchMatch passes (alternating
 * scan direction), then the coherence step when asked for. Throws when no source patch is usable.
 */
export async function runFeatureField(kernel: Kernel, call: FeatureFieldCall): Promise<FeatureFieldResult> {
  const { owner, target, source, patchSize: p, signal } = call;
  await yieldToEventLoop();
  throwIfAborted(owner, signal);
  const slicer = new Slicer(owner, signal);
  const sfw = source.width - p + 1;
  const sfh = source.height - p + 1;
  const n = (target.width - p + 1) * (target.height - p + 1);
  const valid = call.valid ?? new Uint8Array(sfw * sfh).fill(1);
  let nValid = 0;
  for (let i = 0; i < valid.length; i++) nValid += valid[i] !== 0 ? 1 : 0;
  if (nValid === 0) throw new Error(`${owner}: every source patch is masked; nothing can be matched.`);
  const validList = new Int32Array(nValid);
  for (let i = 0, k = 0; i < valid.length; i++) if (valid[i] !== 0) validList[k++] = i;
  const job: FeatureFieldJob = {
    owner,
    target,
    source,
    patchSize: p,
    seed: call.seed,
    valid,
    validList,
    active: call.active ?? new Uint8Array(n).fill(1),
    initialX: call.initialX ?? null,
    initialY: call.initialY ?? null,
  };
  await slicer.checkpoint();
  const run = kernel.startFeatureField(job);
  try {
    await slicer.cover(n, false, (a, b) => run.initialise(a, b));
    for (let it = 0; it < call.iterations; it++) {
      const reverse = (it & 1) === 1;
      await slicer.cover(n, reverse, (a, b) => run.iterate(reverse, a, b));
    }
    const coherence = call.coherence;
    if (coherence !== undefined) {
      await slicer.cover(n, false, (a, b) => run.coherence(coherence.factor, coherence.radius, a, b));
    }
    return run.result();
  } finally {
    run.release();
  }
}
