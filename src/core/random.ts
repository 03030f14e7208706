/**
 * A small seeded pseudo-random generator (mulberry32) for reproducible training utilities
 * (image pool decisions, mask generation). Not for cryptography.
 *
 * @example
 * ```ts
 * import { createRandom } from './random';
 * const rng = createRandom(42);
 * rng.next();       // uniform in [0, 1)
 * rng.int(0, 49);   // integer in [0, 49], both inclusive, like Python's random.randint
 * ```
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** The generator's 32-bit state, to resume the same stream later with `setState`. */
  getState(): number;
  /** Restores a state from `getState`. */
  setState(state: number): void;
}

/**
 * Creates a mulberry32 generator from a 32-bit seed. Without a seed, one is drawn from
 * `Math.random()`, so runs differ.
 *
 * @example
 * ```ts
 * import { createRandom } from './random';
 * const a = createRandom(7), b = createRandom(7);
 * a.next() === b.next(); // true
 * ```
 */
export function createRandom(seed?: number): Random {
  if (seed !== undefined && !Number.isFinite(seed))
    throw new Error(`createRandom: seed must be a finite number, got ${String(seed)}.`);
  let state = (seed ?? Math.floor(Math.random() * 4294967296)) >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    getState: () => state,
    setState: (s) => {
      if (!Number.isInteger(s) || s < 0 || s > 0xffffffff)
        throw new Error(`Random.setState: state must be a 32-bit unsigned integer, got ${String(s)}.`);
      state = s >>> 0;
    },
  };
}
