// The quilted start of texture synthesis (synthesis.ts, synthesizeTextureImage): image quilting
// (Efros and Freeman, "Image Quilting for Texture Synthesis and Transfer", SIGGRAPH 2001) at the
// coarsest level, which EM then refines. Plain loops over RGBA bytes; no EM here.
import type { RgbaImage } from './types.js';

/** At most this many tile positions of the sample are tried per tile (a coarser grid beyond). */
const MAX_CANDIDATES = 1024;

/**
 * Fills `out` with overlapping tiles of `sample` in raster order. Each tile's position in the
 * sample is drawn (`next(n)`: a uniform integer below n) among those whose squared difference to
 * the pixels already placed in the overlap is at most (1 + tolerance) times the smallest, and the
 * tile is cut along the minimum-error path through each overlap (dynamic programming, left
 * overlap top to bottom, top overlap left to right), so structure runs on across tile borders: a
 * mortar line continues where the last tile left it. Every output pixel is written (alpha 255).
 * `tile` must be at most the sample's smaller side and `overlap` below `tile`. `checkpoint` runs
 * after every row of tiles (the caller yields and checks its signal there).
 */
export async function quiltStart(
  out: { width: number; height: number; data: Uint8ClampedArray },
  sample: RgbaImage,
  tile: number,
  overlap: number,
  tolerance: number,
  next: (n: number) => number,
  checkpoint: () => Promise<void>,
): Promise<void> {
  const { width: W, height: H, data: o } = out;
  const { width: sw, data: sd } = sample;
  const step = tile - overlap;
  const nx = sw - tile + 1;
  const ny = sample.height - tile + 1;
  // Candidate positions on a grid of stride `stride`, at most MAX_CANDIDATES of them.
  const stride = Math.max(1, Math.ceil(Math.sqrt((nx * ny) / MAX_CANDIDATES)));
  const cx = Math.ceil(nx / stride);
  const cy = Math.ceil(ny / stride);
  const cost = new Float64Array(cx * cy);
  const keep = new Uint8Array(tile * tile);
  const pathCost = new Float64Array(tile * overlap);
  const from = new Int32Array(tile * overlap);
  const diff = (ox: number, oy: number, sx: number, sy: number) => {
    const a = 4 * (oy * W + ox);
    const b = 4 * (sy * sw + sx);
    const r = o[a]! - sd[b]!,
      g = o[a + 1]! - sd[b + 1]!,
      bl = o[a + 2]! - sd[b + 2]!;
    return r * r + g * g + bl * bl;
  };
  /**
   * The minimum-error path through an overlap `length` pixels long and `width` wide (dynamic
   * programming; the path moves at most one pixel across per step along), `cost(along, across)`
   * each pixel's error; `mark(along, across)` is called for every pixel before the path.
   */
  const minErrorCut = (
    length: number,
    width: number,
    cost: (along: number, across: number) => number,
    mark: (along: number, across: number) => void,
  ): void => {
    for (let a = 0; a < length; a++) {
      for (let c = 0; c < width; c++) {
        let m = 0;
        let arg = c;
        if (a > 0) {
          m = Infinity;
          for (let d = -1; d <= 1; d++) {
            const cc = c + d;
            if (cc < 0 || cc >= width) continue;
            const v = pathCost[(a - 1) * width + cc]!;
            if (v < m) {
              m = v;
              arg = cc;
            }
          }
        }
        pathCost[a * width + c] = cost(a, c) + m;
        from[a * width + c] = arg;
      }
    }
    let c = 0;
    for (let k = 1; k < width; k++)
      if (pathCost[(length - 1) * width + k]! < pathCost[(length - 1) * width + c]!) c = k;
    for (let a = length - 1; a >= 0; a--) {
      for (let k = 0; k < c; k++) mark(a, k);
      c = from[a * width + c]!;
    }
  };
  for (let by = 0; by < H; by += step) {
    for (let bx = 0; bx < W; bx += step) {
      const tw = Math.min(tile, W - bx);
      const th = Math.min(tile, H - by);
      const left = bx > 0 ? Math.min(overlap, tw) : 0;
      const top = by > 0 ? Math.min(overlap, th) : 0;
      let best = Infinity;
      for (let j = 0; j < cy; j++) {
        const sy = j * stride;
        for (let i = 0; i < cx; i++) {
          const sx = i * stride;
          let c = 0;
          for (let y = 0; y < top; y++) for (let x = 0; x < tw; x++) c += diff(bx + x, by + y, sx + x, sy + y);
          for (let y = top; y < th; y++) for (let x = 0; x < left; x++) c += diff(bx + x, by + y, sx + x, sy + y);
          cost[j * cx + i] = c;
          if (c < best) best = c;
        }
      }
      const limit = best * (1 + tolerance);
      let count = 0;
      for (let k = 0; k < cost.length; k++) if (cost[k]! <= limit) count++;
      let pick = next(count);
      let chosen = 0;
      for (let k = 0; k < cost.length; k++) {
        if (cost[k]! <= limit && pick-- === 0) {
          chosen = k;
          break;
        }
      }
      const sx = (chosen % cx) * stride;
      const sy = Math.floor(chosen / cx) * stride;
      // keep[y * tile + x] = 1: the pixel placed before stays (it lies before the cut).
      keep.fill(0);
      const tileCost = (x: number, y: number) => diff(bx + x, by + y, sx + x, sy + y);
      // The left overlap is cut from top to bottom, the top one from left to right.
      if (left > 0)
        minErrorCut(
          th,
          left,
          (y, x) => tileCost(x, y),
          (y, x) => {
            keep[y * tile + x] = 1;
          },
        );
      if (top > 0)
        minErrorCut(tw, top, tileCost, (x, y) => {
          keep[y * tile + x] = 1;
        });
      for (let y = 0; y < th; y++) {
        for (let x = 0; x < tw; x++) {
          if (keep[y * tile + x] !== 0) continue;
          const a = 4 * ((by + y) * W + bx + x);
          const b = 4 * ((sy + y) * sw + sx + x);
          o[a] = sd[b]!;
          o[a + 1] = sd[b + 1]!;
          o[a + 2] = sd[b + 2]!;
          o[a + 3] = 255;
        }
      }
    }
    await checkpoint();
  }
}

/** periodicity works on at most this many pixels per side (the sample halved until it fits). */
const PERIODICITY_SIDE = 64;

/**
 * How regular `sample` is: the largest normalised autocorrelation of its brightness (R + G + B,
 * mean removed) over the shifts of at least `minShift` pixels (in x or y) and at most half the
 * side in each direction. A brick wall repeats at the
 * brick spacing (0.70-0.82 on the texture bench's brick crops); grass and gravel correlate
 * little beyond a stone or a leaf (0.20-0.21). Work is bounded: a sample larger than
 * PERIODICITY_SIDE per side is halved by 2x2 means first (minShift with it), so at most
 * 64 * 64 * 65 * 33 products. Returns a value in [-1, 1] (0 for a flat sample).
 */
export function periodicity(sample: RgbaImage, minShift: number): number {
  let w = sample.width;
  let h = sample.height;
  let plane = new Float64Array(w * h);
  for (let i = 0; i < w * h; i++) plane[i] = sample.data[4 * i]! + sample.data[4 * i + 1]! + sample.data[4 * i + 2]!;
  let shift = minShift;
  while (Math.max(w, h) > PERIODICITY_SIDE) {
    const nw = Math.ceil(w / 2);
    const nh = Math.ceil(h / 2);
    const half = new Float64Array(nw * nh);
    for (let y = 0; y < nh; y++) {
      for (let x = 0; x < nw; x++) {
        let s = 0;
        let n = 0;
        for (let yy = 2 * y; yy < Math.min(h, 2 * y + 2); yy++) {
          for (let xx = 2 * x; xx < Math.min(w, 2 * x + 2); xx++) {
            s += plane[yy * w + xx]!;
            n++;
          }
        }
        half[y * nw + x] = s / n;
      }
    }
    plane = half;
    w = nw;
    h = nh;
    shift = Math.ceil(shift / 2);
  }
  let mean = 0;
  for (let i = 0; i < w * h; i++) mean += plane[i]!;
  mean /= w * h;
  for (let i = 0; i < w * h; i++) plane[i] = plane[i]! - mean;
  const rx = w >> 1;
  const ry = h >> 1;
  let best = 0;
  let any = false;
  for (let dy = 0; dy <= ry; dy++) {
    for (let dx = -rx; dx <= rx; dx++) {
      if (Math.max(Math.abs(dx), dy) < shift) continue;
      let s = 0;
      let a = 0;
      let b = 0;
      const x0 = Math.max(0, -dx);
      const x1 = Math.min(w, w - dx);
      for (let y = 0; y + dy < h; y++) {
        for (let x = x0; x < x1; x++) {
          const u = plane[y * w + x]!;
          const v = plane[(y + dy) * w + x + dx]!;
          s += u * v;
          a += u * u;
          b += v * v;
        }
      }
      if (a === 0 || b === 0) continue;
      const r = s / Math.sqrt(a * b);
      if (!any || r > best) best = r;
      any = true;
    }
  }
  return best;
}
