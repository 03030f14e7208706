import { INIT_CANDIDATES, NONE, packed, patchSsd, type SearchState, searchState } from './js-search.js';
import type { FieldJob, FieldRun } from './kernel.js';
import { xorshift32 } from './prng.js';

// The k-nearest-neighbour kernels (Generalized PatchMatch, Barnes et al. 2010) in plain
// TypeScript: the twin of knnInitialise/knnIterate in assembly/patchmatch.ts. Entry i's k
// neighbours sit at i * k .. i * k + k - 1, sorted by ascending distance, all distinct; every
// decision (draws, candidate order, insertion) is made as there, so both backends give
// bit-identical fields.

interface KnnState extends SearchState {
  readonly t: Int32Array;
  readonly tw: number;
  readonly s: Int32Array;
  readonly p: number;
  readonly k: number;
  readonly nd: Uint32Array;
}

/** Starts a k-NN field run (job.k > 1, no initial field). */
export function startKnnField(job: FieldJob): FieldRun {
  const k = job.k ?? 1;
  const f: KnnState = Object.assign(searchState(job, Uint32Array, k), {
    t: packed(job.target.data),
    tw: job.target.width,
    s: packed(job.source.data),
    p: job.patchSize,
    k,
  });
  return {
    initialise: (start, end) => knnInitialise(f, start, end),
    iterate: (reverse, start, end) => knnIterate(f, reverse, start, end),
    distances: () => f.nd,
    result: () => ({ x: f.nx.slice(), y: f.ny.slice(), distance: f.nd.slice() }),
    release: () => undefined,
  };
}

function nextRandom(f: KnnState): number {
  f.rng = xorshift32(f.rng);
  return f.rng;
}

/** Must match knnContains() in assembly/patchmatch.ts. */
function knnContains(f: KnnState, at: number, x: number, y: number): boolean {
  for (let m = 0; m < f.k; m++) if (f.nx[at + m] === x && f.ny[at + m] === y) return true;
  return false;
}

/** Must match knnInsert() in assembly/patchmatch.ts. */
function knnInsert(f: KnnState, at: number, x: number, y: number, d: number): void {
  const { nx, ny, nd } = f;
  let m = f.k - 1;
  while (m > 0) {
    const prev = at + m - 1;
    if (nd[prev]! <= d) break;
    nx[at + m] = nx[prev]!;
    ny[at + m] = ny[prev]!;
    nd[at + m] = nd[prev]!;
    m--;
  }
  nx[at + m] = x;
  ny[at + m] = y;
  nd[at + m] = d;
}

/** Must match knnTry() in assembly/patchmatch.ts. */
function knnTry(f: KnnState, at: number, tx: number, ty: number, cx: number, cy: number): void {
  if (f.valid[cy * f.sfw + cx] === 0 || knnContains(f, at, cx, cy)) return;
  const worst = f.nd[at + f.k - 1]!;
  const d = patchSsd(f.t, f.tw, f.s, f.sw, f.p, tx, ty, cx, cy, worst);
  if (d < worst) knnInsert(f, at, cx, cy, d);
}

/** Must match knnInitialise() in assembly/patchmatch.ts. */
function knnInitialise(f: KnnState, start: number, end: number): void {
  const { k, fw, sfw, validList, active, nx, ny, nd } = f;
  const nValid = validList.length;
  for (let i = start; i < end; i++) {
    const at = i * k;
    nx.fill(-1, at, at + k);
    ny.fill(-1, at, at + k);
    nd.fill(NONE, at, at + k);
    if (active[i] === 0) continue;
    const tx = i % fw;
    const ty = (i / fw) | 0;
    const first = nextRandom(f) % nValid;
    for (let m = 0; m < k; m++) {
      const pick = validList[(first + m) % nValid]!;
      const x = pick % sfw;
      const y = (pick / sfw) | 0;
      knnInsert(f, at, x, y, patchSsd(f.t, f.tw, f.s, f.sw, f.p, tx, ty, x, y, NONE));
    }
    for (let c = 1; c < INIT_CANDIDATES; c++) {
      const pick = validList[nextRandom(f) % nValid]!;
      knnTry(f, at, tx, ty, pick % sfw, (pick / sfw) | 0);
    }
  }
}

/** Must match knnIterate() in assembly/patchmatch.ts. */
function knnIterate(f: KnnState, reverse: boolean, start: number, end: number): void {
  if (end <= start) return;
  const { k, fw, fh, sfw, sfh, active, nx, ny } = f;
  const step = reverse ? -1 : 1;
  const startRadius = Math.max(f.sw, f.sh);
  const count = end - start;
  let i = reverse ? end - 1 : start;
  let y = (i / fw) | 0;
  let x = i - y * fw;
  for (let n = 0; n < count; n++, i += step, x += step) {
    if (x === fw) {
      x = 0;
      y++;
    } else if (x < 0) {
      x = fw - 1;
      y--;
    }
    if (active[i] === 0) continue;
    const at = i * k;
    const qx = x - step;
    if (qx >= 0 && qx < fw && active[i - step] !== 0) {
      const bt = (i - step) * k;
      for (let m = 0; m < k; m++) {
        const cx = nx[bt + m]! + step;
        const cy = ny[bt + m]!;
        if (cx >= 0 && cx < sfw) knnTry(f, at, x, y, cx, cy);
      }
    }
    const qy = y - step;
    if (qy >= 0 && qy < fh && active[i - step * fw] !== 0) {
      const bt = (i - step * fw) * k;
      for (let m = 0; m < k; m++) {
        const cx = nx[bt + m]!;
        const cy = ny[bt + m]! + step;
        if (cy >= 0 && cy < sfh) knnTry(f, at, x, y, cx, cy);
      }
    }
    for (let m = 0; m < k; m++) {
      const bx = nx[at + m]!;
      const by = ny[at + m]!;
      // Local search: a patch's runners-up are mostly 1-pixel shifts of its best matches.
      if (bx > 0) knnTry(f, at, x, y, bx - 1, by);
      if (bx < sfw - 1) knnTry(f, at, x, y, bx + 1, by);
      if (by > 0) knnTry(f, at, x, y, bx, by - 1);
      if (by < sfh - 1) knnTry(f, at, x, y, bx, by + 1);
      let r = startRadius;
      let draw = 0;
      while (r >= 1) {
        const xmin = Math.max(bx - r, 0);
        const xmax = Math.min(bx + r, sfw - 1);
        const ymin = Math.max(by - r, 0);
        const ymax = Math.min(by + r, sfh - 1);
        const cx = xmin + (nextRandom(f) % (xmax - xmin + 1));
        const cy = ymin + (nextRandom(f) % (ymax - ymin + 1));
        knnTry(f, at, x, y, cx, cy);
        if (draw++ > 0) r >>= 1;
      }
    }
  }
}
