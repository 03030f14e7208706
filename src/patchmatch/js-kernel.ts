import type { FieldJob, FieldResult, IterationHook, Kernel, VoteJob } from './kernel.js';

// Must match SEED_MIX and ZERO_STATE in assembly/patchmatch.ts.
const SEED_MIX = 0x9e3779b9;
const ZERO_STATE = 0x6d2b79f5;
const NONE = 0xffffffff;
// Must match INIT_CANDIDATES in assembly/patchmatch.ts.
const INIT_CANDIDATES = 4;

/**
 * The PatchMatch kernels in plain TypeScript: the fallback where WebAssembly SIMD is missing and
 * the readable twin of assembly/patchmatch.ts. Every decision (PRNG draws, scan order, candidate
 * order, early termination) is made exactly as there, so both give bit-identical fields.
 */
export const jsKernel: Kernel = {
  name: 'js',
  field: computeField,
  vote,
  memoryBytes: () => 0,
};

function computeField(job: FieldJob, hook: IterationHook | null): FieldResult {
  const { target, source, patchSize: p, valid, validList, active } = job;
  const tw = target.width;
  const sw = source.width;
  const sh = source.height;
  const fw = tw - p + 1;
  const fh = target.height - p + 1;
  const sfw = sw - p + 1;
  const sfh = sh - p + 1;
  // One 32-bit word per pixel (R | G << 8 | B << 16, alpha dropped): one load per pixel
  // instead of three, and one element kind whatever array type the caller passed.
  const t = packed(target.data);
  const s = packed(source.data);
  const nx = new Int32Array(fw * fh);
  const ny = new Int32Array(fw * fh);
  const nd = new Uint32Array(fw * fh);
  const nValid = validList.length;

  // Must match the seeding in assembly/patchmatch.ts.
  let rng = (job.seed ^ SEED_MIX) >>> 0;
  if (rng === 0) rng = ZERO_STATE;
  /** xorshift32 (Marsaglia 2003). Must match nextRandom() in assembly/patchmatch.ts. */
  const nextRandom = (): number => {
    let x = rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    rng = x >>> 0;
    return rng;
  };

  // SSD over R, G, B that stops after the first row reaching `bound` (see distance() in the
  // AssemblyScript source: the result is exact whenever it is below the bound). A module-level
  // function with everything passed in (not a closure): V8 keeps the arguments in registers
  // instead of loading them from a context object at every candidate.
  const distance = (tx: number, ty: number, sx: number, sy: number, bound: number): number =>
    patchSsd(t, tw, s, sw, p, tx, ty, sx, sy, bound);

  // Initialisation. Must match initialise() in assembly/patchmatch.ts.
  const ix = job.initialX;
  const iy = job.initialY;
  for (let i = 0; i < fw * fh; i++) {
    if (active[i] === 0) {
      nx[i] = -1;
      ny[i] = -1;
      nd[i] = NONE;
      continue;
    }
    const pick = validList[nextRandom() % nValid]!;
    let x = pick % sfw;
    let y = (pick / sfw) | 0;
    if (ix !== null && iy !== null) {
      const cx = ix[i]!;
      const cy = iy[i]!;
      if (cx >= 0 && cx < sfw && cy >= 0 && cy < sfh && valid[cy * sfw + cx] !== 0) {
        x = cx;
        y = cy;
      }
    }
    const tx = i % fw;
    const ty = (i / fw) | 0;
    let d = distance(tx, ty, x, y, NONE);
    for (let k = 1; k < INIT_CANDIDATES; k++) {
      const other = validList[nextRandom() % nValid]!;
      const cx = other % sfw;
      const cy = (other / sfw) | 0;
      const c = distance(tx, ty, cx, cy, d);
      if (c < d) {
        x = cx;
        y = cy;
        d = c;
      }
    }
    nx[i] = x;
    ny[i] = y;
    nd[i] = d;
  }
  hook?.(0, nd);

  // Iterations. Must match iterate() in assembly/patchmatch.ts.
  const startRadius = Math.max(sw, sh);
  for (let it = 0; it < job.iterations; it++) {
    const reverse = (it & 1) === 1;
    const step = reverse ? -1 : 1;
    const y0 = reverse ? fh - 1 : 0;
    const x0 = reverse ? fw - 1 : 0;
    let state = rng | 0;
    for (let yy = 0; yy < fh; yy++) {
      const y = y0 + step * yy;
      for (let xx = 0; xx < fw; xx++) {
        const x = x0 + step * xx;
        const i = y * fw + x;
        if (active[i] === 0) continue;
        let bx = nx[i]!;
        let by = ny[i]!;
        let bd = nd[i]!;

        const qx = x - step;
        if (qx >= 0 && qx < fw) {
          const j = i - step;
          if (active[j] !== 0) {
            const cx = nx[j]! + step;
            const cy = ny[j]!;
            if (cx >= 0 && cx < sfw && (cx !== bx || cy !== by) && valid[cy * sfw + cx] !== 0) {
              const d = patchSsd(t, tw, s, sw, p, x, y, cx, cy, bd);
              if (d < bd) {
                bx = cx;
                by = cy;
                bd = d;
              }
            }
          }
        }
        const qy = y - step;
        if (qy >= 0 && qy < fh) {
          const j = i - step * fw;
          if (active[j] !== 0) {
            const cx = nx[j]!;
            const cy = ny[j]! + step;
            if (cy >= 0 && cy < sfh && (cx !== bx || cy !== by) && valid[cy * sfw + cx] !== 0) {
              const d = patchSsd(t, tw, s, sw, p, x, y, cx, cy, bd);
              if (d < bd) {
                bx = cx;
                by = cy;
                bd = d;
              }
            }
          }
        }
        // The widest window gets two draws (see iterate() in assembly/patchmatch.ts).
        let r = startRadius;
        let draw = 0;
        while (r >= 1) {
          const xmin = Math.max(bx - r, 0);
          const xmax = Math.min(bx + r, sfw - 1);
          const ymin = Math.max(by - r, 0);
          const ymax = Math.min(by + r, sfh - 1);
          // nextRandom() twice, on a local copy of the state (kept in a register, not a closure slot).
          state ^= state << 13;
          state ^= state >>> 17;
          state ^= state << 5;
          const cx = xmin + ((state >>> 0) % (xmax - xmin + 1));
          state ^= state << 13;
          state ^= state >>> 17;
          state ^= state << 5;
          const cy = ymin + ((state >>> 0) % (ymax - ymin + 1));
          if ((cx !== bx || cy !== by) && valid[cy * sfw + cx] !== 0) {
            const d = patchSsd(t, tw, s, sw, p, x, y, cx, cy, bd);
            if (d < bd) {
              bx = cx;
              by = cy;
              bd = d;
            }
          }
          if (draw++ > 0) r >>= 1;
        }
        nx[i] = bx;
        ny[i] = by;
        nd[i] = bd;
      }
    }
    rng = state >>> 0;
    hook?.(it + 1, nd);
  }
  return { x: nx, y: ny, distance: nd };
}

/** Sum of squared R, G, B differences of two p x p patches, stopping after the row that reaches `bound`. */
function patchSsd(
  t: Int32Array, tw: number, s: Int32Array, sw: number, p: number,
  tx: number, ty: number, sx: number, sy: number, bound: number,
): number {
  let sum = 0;
  let ti = ty * tw + tx;
  let si = sy * sw + sx;
  for (let row = 0; row < p; row++) {
    const tEnd = ti + p;
    // 32-bit integers throughout (V8 keeps them untagged); a row sum stays below 2^31 for any
    // patch narrower than 11000 pixels.
    let rowSum = 0;
    for (let a = ti, b = si; a < tEnd; a++, b++) {
      const u = t[a]!;
      const v = s[b]!;
      const dr = (u & 255) - (v & 255);
      const dg = ((u >> 8) & 255) - ((v >> 8) & 255);
      const db = (u >> 16) - (v >> 16);
      rowSum = (rowSum + dr * dr + dg * dg + db * db) | 0;
    }
    sum += rowSum;
    if (sum >= bound) return sum;
    ti += tw;
    si += sw;
  }
  return sum;
}

/** Packs RGBA bytes into one word per pixel (explicit shifts, so independent of endianness). */
function packed(data: Uint8Array | Uint8ClampedArray): Int32Array {
  const out = new Int32Array(data.length >> 2);
  for (let i = 0, k = 0; i < out.length; i++, k += 4) out[i] = data[k]! | (data[k + 1]! << 8) | (data[k + 2]! << 16);
  return out;
}

/** Weighted patch voting. Must match vote() in assembly/patchmatch.ts (order and rounding). */
function vote(job: VoteJob): Uint8ClampedArray {
  const { fieldX, fieldY, fieldWidth: fw, fieldHeight: fh, patchSize: p, weights } = job;
  const tw = job.targetWidth;
  const nPix = tw * job.targetHeight;
  const s = job.source.data;
  const sw = job.source.width;
  const acc = new Float64Array(nPix * 4);
  for (let fy = 0; fy < fh; fy++) {
    for (let fx = 0; fx < fw; fx++) {
      const i = fy * fw + fx;
      const sx = fieldX[i]!;
      if (sx < 0) continue;
      const sy = fieldY[i]!;
      const w = weights !== null ? weights[i]! : 1.0;
      for (let dy = 0; dy < p; dy++) {
        let a = ((fy + dy) * tw + fx) * 4;
        let si = ((sy + dy) * sw + sx) * 4;
        for (let dx = 0; dx < p; dx++) {
          acc[a] = acc[a]! + w * s[si]!;
          acc[a + 1] = acc[a + 1]! + w * s[si + 1]!;
          acc[a + 2] = acc[a + 2]! + w * s[si + 2]!;
          acc[a + 3] = acc[a + 3]! + w;
          a += 4;
          si += 4;
        }
      }
    }
  }
  const out = new Uint8ClampedArray(nPix * 4);
  for (let k = 0; k < nPix; k++) {
    const a = k * 4;
    const wsum = acc[a + 3]!;
    if (wsum > 0) {
      out[a] = Math.min(255, Math.floor(acc[a]! / wsum + 0.5));
      out[a + 1] = Math.min(255, Math.floor(acc[a + 1]! / wsum + 0.5));
      out[a + 2] = Math.min(255, Math.floor(acc[a + 2]! / wsum + 0.5));
    }
    out[a + 3] = 255;
  }
  return out;
}
