import type { VariantTiming } from './timing';

/** One measured case of a benchmark (a shape, a setting) and its variants' timings. */
export interface BenchCase {
  /** e.g. "3x3 s1 same 64x64x64 -> 64". */
  case: string;
  timings: VariantTiming[];
  /** Named ratios of medians, e.g. `{ 'cpu dW / wasm dW': 812 }`. */
  ratios: Record<string, number>;
}

/** A benchmark file's default export. */
export interface Benchmark {
  /** Short name, the file name without `.bench.ts`; results go to `bench/results/<name>.json`. */
  name: string;
  description: string;
  run(): Promise<BenchCase[]>;
}

/** Ratio of two variants' medians by name; throws if either is missing. */
export function medianRatio(timings: readonly VariantTiming[], numerator: string, denominator: string): number {
  const find = (n: string) => {
    const t = timings.find((x) => x.name === n);
    if (t == null) throw new Error(`medianRatio: no variant named ${JSON.stringify(n)}`);
    return t.medianMs;
  };
  return find(numerator) / find(denominator);
}
