/**
 * Small seeded random numbers for data augmentation. Each sample gets its own stream,
 * derived from (seed, epoch, index), so a sample's crop and flip do not depend on the
 * order samples are read in, and a fixed seed reproduces a run exactly.
 * @internal
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [lo, hi], both inclusive (like Python's `random.randint`). */
  int(lo: number, hi: number): number;
}

/** A 32-bit mixing step (the finaliser of MurmurHash3) to spread nearby seeds apart. */
function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Hashes several integers into one 32-bit seed. @internal */
export function hashSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) h = mix32((h ^ mix32(p >>> 0)) + 0x6d2b79f5);
  return h;
}

/** mulberry32: a tiny, fast generator with good statistics for augmentation purposes. @internal */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)) };
}

/** A seeded Fisher-Yates permutation of 0..n-1. @internal */
export function permutation(n: number, rng: Rng): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
