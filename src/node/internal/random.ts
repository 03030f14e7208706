/**
 * Seeding helpers for data augmentation. Each sample gets its own stream, derived from
 * (seed, epoch, index), so a sample's crop and flip do not depend on the order samples are read
 * in, and a fixed seed reproduces a run exactly. The generator itself is the library's
 * `createRandom` (mulberry32).
 * @internal
 */
import type { Random } from '../../core/random';

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

/** A seeded Fisher-Yates permutation of 0..n-1. @internal */
export function permutation(n: number, rng: Random): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
