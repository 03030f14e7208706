/**
 * Small seeded generator (mulberry32) shared by the example programs and the demo, so every run
 * draws the same crops, masks and datasets. Browser-safe: no Node imports.
 *
 * @example
 * ```ts
 * import { mulberry32 } from './seeded-random';
 * const rand = mulberry32(7);
 * rand(); // a number in [0, 1), the same for every run
 * ```
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
