import { performance } from 'node:perf_hooks';

/** One variant of a measured computation, e.g. "dW on wasm". */
export interface Variant {
  /** Label in tables and JSON. */
  name: string;
  /** Runs once before any timing, outside the timed region (select the backend, make inputs). */
  setup?: () => Promise<void> | void;
  /** Called before each timed call, outside the timed region (e.g. `tf.setBackend`). */
  before?: () => Promise<void> | void;
  /** The timed call. Must finish its work before returning (read a result, not just enqueue). */
  run: () => Promise<void> | void;
  /** Runs once after timing (dispose inputs). */
  teardown?: () => Promise<void> | void;
  /** Timed repetitions for this variant; defaults to the shared count. Use 1 for very slow ones. */
  repetitions?: number;
  /** Untimed warm-up calls for this variant; defaults to the shared count. */
  warmup?: number;
}

/** Timings of one variant. */
export interface VariantTiming {
  name: string;
  repetitions: number;
  medianMs: number;
  minMs: number;
  samplesMs: number[];
}

/** Median of a non-empty list (mean of the middle two for even lengths). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median: no values');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Times variants of a computation against each other. After each variant's setup and warm-up,
 * the timed calls are interleaved round-robin (A B C A B C ...) rather than run in blocks, so
 * every variant sees the same slow drifts of a shared, noisy machine. A variant with fewer
 * repetitions simply drops out of later rounds.
 *
 * @example
 * ```ts
 * const [a, b] = await timeVariants([
 *   { name: 'sum', run: () => void tf.sum(x).dataSync() },
 *   { name: 'mean', run: () => void tf.mean(x).dataSync() },
 * ], { repetitions: 10, warmup: 2 });
 * console.log(a.medianMs / b.medianMs);
 * ```
 */
export async function timeVariants(
  variants: readonly Variant[],
  options: { repetitions?: number; warmup?: number } = {},
): Promise<VariantTiming[]> {
  const shared = { repetitions: options.repetitions ?? 10, warmup: options.warmup ?? 2 };
  const samples: number[][] = variants.map(() => []);
  try {
    for (const v of variants) await v.setup?.();
    const warmups = variants.map((v) => v.warmup ?? shared.warmup);
    for (let round = 0; round < Math.max(0, ...warmups); round++) {
      for (const [i, v] of variants.entries()) {
        if (round >= warmups[i]!) continue;
        await v.before?.();
        await v.run();
      }
    }
    const reps = variants.map((v) => v.repetitions ?? shared.repetitions);
    for (let round = 0; round < Math.max(0, ...reps); round++) {
      for (const [i, v] of variants.entries()) {
        if (round >= reps[i]!) continue;
        await v.before?.();
        const t0 = performance.now();
        await v.run();
        samples[i]!.push(performance.now() - t0);
      }
    }
  } finally {
    for (const v of variants) await v.teardown?.();
  }
  return variants.map((v, i) => ({
    name: v.name,
    repetitions: samples[i]!.length,
    medianMs: median(samples[i]!),
    minMs: Math.min(...samples[i]!),
    samplesMs: samples[i]!,
  }));
}
