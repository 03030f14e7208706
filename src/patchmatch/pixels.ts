// Pixel helpers of the multi-scale syntheses (synthesis.ts): copies, 2x pyramids, boxes and
// crops, the coarsest-level fill, the distance into the hole and the upsampling of a field to the
// next level. Plain loops over RGBA bytes, one-byte masks and field entries; no EM here.
import { solveScreenedPoisson } from '../core/screened-poisson.js';
import type { Mask, Nnf, RgbaImage } from './types.js';

/** A copy of an image the caller can no longer change. */
export function toRgbaCopy(image: RgbaImage): { width: number; height: number; data: Uint8ClampedArray } {
  return { width: image.width, height: image.height, data: new Uint8ClampedArray(image.data) };
}

/**
 * 2x box downsampling (size rounds up). With a mask, only unmasked pixels are averaged and a
 * coarse pixel is masked only if none of its fine pixels is known, so the hole shrinks by about a
 * pixel per side at every level instead of growing: a brush stroke a few pixels wide vanishes at
 * a coarse level, whose averages of the pixels beside it then start the finer fill. (Masking a
 * coarse pixel when any fine pixel is masked grew the hole at every level, until the patches clear
 * of a long stroke no longer held what lay under it: a stroke across a dark coat was filled with
 * the grey sky.)
 */
export function downsample(image: RgbaImage, mask: Mask | null): { image: RgbaImage; mask: Mask | null } {
  const { width: w, height: h, data } = image;
  const cw = Math.ceil(w / 2);
  const ch = Math.ceil(h / 2);
  const out = new Uint8ClampedArray(cw * ch * 4);
  const cmask = mask !== null ? new Uint8Array(cw * ch) : null;
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      let r = 0,
        g = 0,
        b = 0,
        a = 0,
        n = 0,
        masked = 0;
      for (let dy = 0; dy < 2; dy++) {
        for (let dx = 0; dx < 2; dx++) {
          const fx = 2 * x + dx;
          const fy = 2 * y + dy;
          if (fx >= w || fy >= h) continue;
          const k = fy * w + fx;
          if (mask !== null && mask.data[k] !== 0) {
            masked = 1;
            continue;
          }
          r += data[4 * k]!;
          g += data[4 * k + 1]!;
          b += data[4 * k + 2]!;
          a += data[4 * k + 3]!;
          n++;
        }
      }
      const o = 4 * (y * cw + x);
      if (n > 0) {
        out[o] = Math.round(r / n);
        out[o + 1] = Math.round(g / n);
        out[o + 2] = Math.round(b / n);
        out[o + 3] = Math.round(a / n);
      }
      if (cmask !== null) cmask[y * cw + x] = masked !== 0 && n === 0 ? 1 : 0;
    }
  }
  return {
    image: { width: cw, height: ch, data: out },
    mask: cmask !== null ? { width: cw, height: ch, data: cmask } : null,
  };
}

/** Nearest-neighbour 2x upsampling of `coarse` to exactly `width x height`. */
export function upsampleNearest(coarse: RgbaImage, width: number, height: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    const cy = Math.min(y >> 1, coarse.height - 1);
    for (let x = 0; x < width; x++) {
      const cx = Math.min(x >> 1, coarse.width - 1);
      const c = 4 * (cy * coarse.width + cx);
      const o = 4 * (y * width + x);
      out[o] = coarse.data[c]!;
      out[o + 1] = coarse.data[c + 1]!;
      out[o + 2] = coarse.data[c + 2]!;
      out[o + 3] = coarse.data[c + 3]!;
    }
  }
  return out;
}

/** A rectangle of a level's pixels: [x0, x0 + width) x [y0, y0 + height). */
export interface Box {
  x0: number;
  y0: number;
  width: number;
  height: number;
}

/**
 * Upsamples a field to a finer level: each fine patch takes its parent's match, scaled by 2 plus
 * its own parity. Fields cover a box of their level (`coarseBox`, `fineBox` give the offsets).
 */
export function upsampleField(coarse: Nnf, coarseBox: Box, fineBox: Box, patchSize: number): Nnf {
  const width = fineBox.width - patchSize + 1;
  const height = fineBox.height - patchSize + 1;
  const n = width * height;
  const x = new Int32Array(n);
  const y = new Int32Array(n);
  for (let fy = 0; fy < height; fy++) {
    const ay = fy + fineBox.y0;
    const cy = Math.min(Math.max((ay >> 1) - coarseBox.y0, 0), coarse.height - 1);
    for (let fx = 0; fx < width; fx++) {
      const ax = fx + fineBox.x0;
      const cx = Math.min(Math.max((ax >> 1) - coarseBox.x0, 0), coarse.width - 1);
      const c = cy * coarse.width + cx;
      const i = fy * width + fx;
      // Out-of-range or excluded results are replaced by random ones inside nnf().
      x[i] = coarse.x[c]! < 0 ? -1 : 2 * coarse.x[c]! + (ax & 1);
      y[i] = coarse.y[c]! < 0 ? -1 : 2 * coarse.y[c]! + (ay & 1);
    }
  }
  return { width, height, patchSize, x, y, distance: new Uint32Array(n) };
}

/** The hole's bounding box grown by patchSize - 1 (every patch touching the hole), clipped to the image. */
export function holeBox(mask: Mask, p: number): Box {
  let x0 = mask.width,
    y0 = mask.height,
    x1 = -1,
    y1 = -1;
  for (let y = 0; y < mask.height; y++) {
    for (let x = 0; x < mask.width; x++) {
      if (mask.data[y * mask.width + x] === 0) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  x0 = Math.max(0, x0 - p + 1);
  y0 = Math.max(0, y0 - p + 1);
  x1 = Math.min(mask.width - 1, x1 + p - 1);
  y1 = Math.min(mask.height - 1, y1 + p - 1);
  return { x0, y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

export function cropImage(image: RgbaImage, box: Box): RgbaImage {
  const data = new Uint8ClampedArray(box.width * box.height * 4);
  for (let y = 0; y < box.height; y++) {
    const start = 4 * ((box.y0 + y) * image.width + box.x0);
    data.set(image.data.subarray(start, start + 4 * box.width), 4 * y * box.width);
  }
  return { width: box.width, height: box.height, data };
}

export function cropMask(mask: Mask, box: Box): Mask {
  const data = new Uint8Array(box.width * box.height);
  for (let y = 0; y < box.height; y++) {
    const start = (box.y0 + y) * mask.width + box.x0;
    data.set(mask.data.subarray(start, start + box.width), y * box.width);
  }
  return { width: box.width, height: box.height, data };
}

/** Fills masked pixels from the outside in with the mean of already known 8-neighbours (coarsest-level start). */
export function onionPeelFill(image: { width: number; height: number; data: Uint8ClampedArray }, mask: Mask): void {
  const { width: w, height: h, data } = image;
  const known = new Uint8Array(w * h);
  let remaining = 0;
  for (let i = 0; i < w * h; i++) {
    known[i] = mask.data[i] === 0 ? 1 : 0;
    if (known[i] === 0) remaining++;
  }
  while (remaining > 0) {
    const next: number[] = [];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (known[y * w + x] !== 0) continue;
        let r = 0,
          g = 0,
          b = 0,
          n = 0;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const nx = x + dx;
            const ny = y + dy;
            if (nx < 0 || ny < 0 || nx >= w || ny >= h || known[ny * w + nx] === 0) continue;
            const k = 4 * (ny * w + nx);
            r += data[k]!;
            g += data[k + 1]!;
            b += data[k + 2]!;
            n++;
          }
        }
        if (n > 0) next.push(y * w + x, Math.round(r / n), Math.round(g / n), Math.round(b / n));
      }
    }
    for (let k = 0; k < next.length; k += 4) {
      const i = next[k]!;
      data[4 * i] = next[k + 1]!;
      data[4 * i + 1] = next[k + 2]!;
      data[4 * i + 2] = next[k + 3]!;
      known[i] = 1;
      remaining--;
    }
  }
}

/** Chessboard distance of every pixel to the nearest unmasked pixel (0 outside the hole), by two-pass chamfer. */
export function distanceToKnown(mask: Mask): Float64Array {
  const { width: w, height: h } = mask;
  const d = new Float64Array(w * h);
  for (let i = 0; i < w * h; i++) d[i] = mask.data[i] !== 0 ? Infinity : 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (d[i] === 0) continue;
      let m = d[i]!;
      if (x > 0) m = Math.min(m, d[i - 1]! + 1);
      if (y > 0) {
        m = Math.min(m, d[i - w]! + 1);
        if (x > 0) m = Math.min(m, d[i - w - 1]! + 1);
        if (x < w - 1) m = Math.min(m, d[i - w + 1]! + 1);
      }
      d[i] = m;
    }
  }
  for (let y = h - 1; y >= 0; y--) {
    for (let x = w - 1; x >= 0; x--) {
      const i = y * w + x;
      if (d[i] === 0) continue;
      let m = d[i]!;
      if (x < w - 1) m = Math.min(m, d[i + 1]! + 1);
      if (y < h - 1) {
        m = Math.min(m, d[i + w]! + 1);
        if (x < w - 1) m = Math.min(m, d[i + w + 1]! + 1);
        if (x > 0) m = Math.min(m, d[i + w - 1]! + 1);
      }
      d[i] = m;
    }
  }
  return d;
}

/**
 * Writes the voted hole pixels into `estimate` blended into their surroundings (Poisson image
 * editing, Pérez et al. 2003): the hole gets the vote plus the smooth (harmonic) correction that
 * takes the difference between the image and the vote on the known pixels around the hole to
 * zero inside it, so the fill keeps the vote's detail and meets its border without a seam.
 * `voted` covers `box` of the level. The correction is the core screened Poisson solve over the
 * box (weight 0, the known pixels fixed, Neumann conditions at the box's border, R, G and B as
 * three channels), by `sweeps` successive over-relaxation sweeps (omega 1.9) from zero over the
 * hole's pixels only: the sweeps settle the correction near the border, where seams are, long
 * before conjugate gradients would.
 */
export function blendHole(
  estimate: { width: number; height: number; data: Uint8ClampedArray },
  voted: RgbaImage,
  box: Box,
  hole: Mask,
  sweeps: number,
): void {
  const { width } = estimate;
  const bw = box.width;
  const bh = box.height;
  const n = bw * bh;
  const fixed = new Uint8Array(n);
  // The correction's values on the known pixels (0 in the hole, where the sweeps start).
  const values = new Float32Array(3 * n);
  for (let y = 0; y < bh; y++) {
    for (let x = 0; x < bw; x++) {
      const k = y * bw + x;
      const i = (box.y0 + y) * width + box.x0 + x;
      if (hole.data[i] !== 0) continue;
      fixed[k] = 1;
      for (let ch = 0; ch < 3; ch++) values[3 * k + ch] = estimate.data[4 * i + ch]! - voted.data[4 * k + ch]!;
    }
  }
  const c = solveScreenedPoisson('inpaint', {
    width: bw,
    height: bh,
    channels: 3,
    values,
    fixed,
    weight: 0,
    method: 'sor',
    omega: 1.9,
    maxIterations: sweeps,
  }).values;
  for (let y = 0; y < bh; y++) {
    for (let x = 0; x < bw; x++) {
      const k = y * bw + x;
      if (fixed[k] !== 0) continue;
      const i = (box.y0 + y) * width + box.x0 + x;
      for (let ch = 0; ch < 3; ch++) estimate.data[4 * i + ch] = Math.round(voted.data[4 * k + ch]! + c[3 * k + ch]!);
    }
  }
}
