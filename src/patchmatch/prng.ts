// The one pseudo-random generator of tfjs-synth/patchmatch: xorshift32 (Marsaglia, "Xorshift
// RNGs", 2003) on a 32-bit state. The js kernel and texture synthesis use these functions; the
// WebAssembly kernel mirrors them in assembly/patchmatch.ts (lines marked "Must match prng.ts"),
// which is why both backends draw the same numbers.

// Must match SEED_MIX and ZERO_STATE in assembly/patchmatch.ts.
const SEED_MIX = 0x9e3779b9;
const ZERO_STATE = 0x6d2b79f5;

/** The state for a seed (0..2^32 - 1): mixed with a constant, and never 0 (a fixed point). Must match setup() in assembly/patchmatch.ts. */
export function seedState(seed: number): number {
  return (seed ^ SEED_MIX) >>> 0 || ZERO_STATE;
}

/** One xorshift32 step (shifts 13, 17, 5): the next state, which is also the draw. Must match nextRandom() in assembly/patchmatch.ts. */
export function xorshift32(state: number): number {
  let x = state | 0;
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return x >>> 0;
}
