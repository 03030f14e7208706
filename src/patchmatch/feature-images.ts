// Float image helpers of the feature-space methods (image-analogy.ts, transfer-texture.ts):
// luminance and YIQ, 2x pyramids and bilinear upsampling of float planes, luminance remapping,
// and the assembly of feature images (weighted planes interleaved per pixel, optionally padded by
// edge replication so that a field covers every pixel's centred patch).
import type { FeatureImage } from './kernel.js';
import type { RgbaImage } from './types.js';

/** One float channel of an image. */
export interface Plane {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/** NTSC luminance Y = 0.299 R + 0.587 G + 0.114 B (0..255), as Hertzmann et al. use. */
export function luminance(image: RgbaImage): Plane {
  const n = image.width * image.height;
  const data = new Float32Array(n);
  const d = image.data;
  for (let i = 0; i < n; i++) data[i] = 0.299 * d[4 * i]! + 0.587 * d[4 * i + 1]! + 0.114 * d[4 * i + 2]!;
  return { width: image.width, height: image.height, data };
}

/** One colour channel (0 = R, 1 = G, 2 = B) as a float plane. */
export function channel(image: RgbaImage, c: number): Plane {
  const n = image.width * image.height;
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = image.data[4 * i + c]!;
  return { width: image.width, height: image.height, data };
}

/** 2x box downsampling of a plane (size rounds up; edge cells average the pixels they have). */
export function downsamplePlane(plane: Plane): Plane {
  const { width: w, height: h, data } = plane;
  const cw = Math.ceil(w / 2);
  const ch = Math.ceil(h / 2);
  const out = new Float32Array(cw * ch);
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      let sum = 0;
      let n = 0;
      for (let dy = 0; dy < 2; dy++) {
        for (let dx = 0; dx < 2; dx++) {
          const fx = 2 * x + dx;
          const fy = 2 * y + dy;
          if (fx < w && fy < h) {
            sum += data[fy * w + fx]!;
            n++;
          }
        }
      }
      out[y * cw + x] = sum / n;
    }
  }
  return { width: cw, height: ch, data: out };
}

/** A pyramid of `levels` planes, coarsest first (level 0), finest last (the plane itself). */
export function planePyramid(plane: Plane, levels: number): Plane[] {
  const out = [plane];
  while (out.length < levels) out.push(downsamplePlane(out[out.length - 1]!));
  return out.reverse();
}

/** The number of 2x halvings that keep every side >= minSide, plus one (at least 1). */
export function levelsFor(minSide: number, ...sides: number[]): number {
  let levels = 1;
  while (sides.every((s) => Math.ceil(s / 2 ** levels) >= minSide)) levels++;
  return levels;
}

/** Bilinear upsampling of a coarse plane to exactly `width x height` (pixel centres aligned). */
export function upsamplePlane(coarse: Plane, width: number, height: number): Plane {
  const out = new Float32Array(width * height);
  const sx = coarse.width / width;
  const sy = coarse.height / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), coarse.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, coarse.height - 1);
    const ty = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), coarse.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, coarse.width - 1);
      const tx = fx - x0;
      const c = coarse.data;
      const top = c[y0 * coarse.width + x0]! * (1 - tx) + c[y0 * coarse.width + x1]! * tx;
      const bottom = c[y1 * coarse.width + x0]! * (1 - tx) + c[y1 * coarse.width + x1]! * tx;
      out[y * width + x] = top * (1 - ty) + bottom * ty;
    }
  }
  return { width, height, data: out };
}

/** Mean and standard deviation of a plane. */
export function planeStats(plane: Plane): { mean: number; std: number } {
  let sum = 0;
  for (let i = 0; i < plane.data.length; i++) sum += plane.data[i]!;
  const mean = sum / plane.data.length;
  let sq = 0;
  for (let i = 0; i < plane.data.length; i++) sq += (plane.data[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(sq / plane.data.length) };
}

/**
 * The linear luminance remapping of Hertzmann et al. (section 3.4): v -> (sigma_to / sigma_from)
 * (v - mu_from) + mu_to, which gives `from`'s statistics those of `to`. A flat `from` keeps its
 * values shifted to `to`'s mean.
 */
export function remapper(from: Plane, to: Plane): (v: number) => number {
  const f = planeStats(from);
  const t = planeStats(to);
  const scale = f.std > 1e-6 ? t.std / f.std : 1;
  return (v) => scale * (v - f.mean) + t.mean;
}

/** A plane with `map` applied to every value. */
export function mapPlane(plane: Plane, map: (v: number) => number): Plane {
  return { width: plane.width, height: plane.height, data: plane.data.map(map) };
}

/** A weighted plane of a feature image; a null plane is a channel of zeros. */
export interface FeatureChannel {
  readonly plane: Plane | null;
  readonly weight: number;
}

/**
 * Interleaves weighted planes (all `width x height`) into a feature image, padded by `pad` pixels
 * on every side by edge replication (so a field of patchSize 2 * pad + 1 has one entry per pixel,
 * the patch centred on it).
 */
export function featureImage(width: number, height: number, pad: number, channels: FeatureChannel[]): FeatureImage {
  const c = channels.length;
  const pw = width + 2 * pad;
  const ph = height + 2 * pad;
  const data = new Float32Array(pw * ph * c);
  for (let y = 0; y < ph; y++) {
    const sy = Math.min(Math.max(y - pad, 0), height - 1);
    for (let x = 0; x < pw; x++) {
      const sx = Math.min(Math.max(x - pad, 0), width - 1);
      const o = (y * pw + x) * c;
      for (let k = 0; k < c; k++) {
        const ch = channels[k]!;
        if (ch.plane !== null) data[o + k] = ch.weight * ch.plane.data[sy * width + sx]!;
      }
    }
  }
  return { width: pw, height: ph, channels: c, data };
}

/**
 * Upsamples a field to the next finer level: each fine entry takes its parent's match times two
 * plus its own parity, clamped to the `sourceWidth x sourceHeight` positions of the finer level.
 */
export function upsampleMatches(
  x: Int32Array,
  y: Int32Array,
  coarseWidth: number,
  coarseHeight: number,
  width: number,
  height: number,
  sourceWidth: number,
  sourceHeight: number,
): { x: Int32Array; y: Int32Array } {
  const ox = new Int32Array(width * height);
  const oy = new Int32Array(width * height);
  for (let fy = 0; fy < height; fy++) {
    const cy = Math.min(fy >> 1, coarseHeight - 1);
    for (let fx = 0; fx < width; fx++) {
      const cx = Math.min(fx >> 1, coarseWidth - 1);
      const c = cy * coarseWidth + cx;
      const i = fy * width + fx;
      ox[i] = Math.min(2 * x[c]! + (fx & 1), sourceWidth - 1);
      oy[i] = Math.min(2 * y[c]! + (fy & 1), sourceHeight - 1);
    }
  }
  return { x: ox, y: oy };
}

/** RGB -> YIQ (NTSC), per pixel; returns the I and Q planes (Y comes from {@link luminance}). */
export function chroma(image: RgbaImage): { i: Float32Array; q: Float32Array } {
  const n = image.width * image.height;
  const i = new Float32Array(n);
  const q = new Float32Array(n);
  const d = image.data;
  for (let k = 0; k < n; k++) {
    const r = d[4 * k]!;
    const g = d[4 * k + 1]!;
    const b = d[4 * k + 2]!;
    i[k] = 0.596 * r - 0.274 * g - 0.322 * b;
    q[k] = 0.211 * r - 0.523 * g + 0.312 * b;
  }
  return { i, q };
}

/** YIQ -> RGBA bytes (alpha 255), rounding and clamping each channel. */
export function fromYiq(width: number, height: number, y: Float32Array, i: Float32Array, q: Float32Array): RgbaImage {
  const n = width * height;
  const out = new Uint8ClampedArray(n * 4);
  for (let k = 0; k < n; k++) {
    const Y = y[k]!;
    const I = i[k]!;
    const Q = q[k]!;
    out[4 * k] = Math.round(Y + 0.956 * I + 0.621 * Q);
    out[4 * k + 1] = Math.round(Y - 0.272 * I - 0.647 * Q);
    out[4 * k + 2] = Math.round(Y - 1.106 * I + 1.703 * Q);
    out[4 * k + 3] = 255;
  }
  return { width, height, data: out };
}
