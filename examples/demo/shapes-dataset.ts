import * as tf from '@tensorflow/tfjs-core';

/** One procedurally drawn pair: an edge map (A) and the filled shapes it outlines (B), both RGB in [-1, 1]. */
export interface ShapePair {
  edges: Float32Array;
  filled: Float32Array;
}

/** Shape kinds and the fill colour each always gets, so colours follow from the outline alone. */
const KINDS = [
  { name: 'disc', rgb: [220, 60, 50] },
  { name: 'box', rgb: [40, 110, 210] },
  { name: 'triangle', rgb: [40, 170, 80] },
] as const;
/** Background colour of the filled images (8-bit RGB). */
export const BACKGROUND = [245, 240, 225] as const;

/** Label map of 1-3 overlapping shapes: 0 = background, k + 1 = kind k; later shapes cover earlier ones. */
function drawLabels(size: number, rand: () => number): Uint8Array {
  const labels = new Uint8Array(size * size);
  const count = 1 + Math.floor(rand() * 3);
  for (let s = 0; s < count; s++) {
    const kind = Math.floor(rand() * KINDS.length);
    const r = size * (0.12 + 0.16 * rand());
    const cx = r + rand() * (size - 2 * r);
    const cy = r + rand() * (size - 2 * r);
    const angle = rand() * 2 * Math.PI;
    // Triangle corners (an equilateral triangle inscribed in the circle of radius r).
    const corners = [0, 1, 2].map(
      (k) =>
        [cx + r * Math.cos(angle + (2 * Math.PI * k) / 3), cy + r * Math.sin(angle + (2 * Math.PI * k) / 3)] as const,
    );
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const px = x + 0.5 - cx;
        const py = y + 0.5 - cy;
        let inside: boolean;
        if (kind === 0) inside = px * px + py * py <= r * r;
        else if (kind === 1) inside = Math.abs(px) <= r * 0.85 && Math.abs(py) <= r * 0.85;
        else {
          inside = corners.every(([ax, ay], k) => {
            const [bx, by] = corners[(k + 1) % 3]!;
            return (bx - ax) * (y + 0.5 - ay) - (by - ay) * (x + 0.5 - ax) >= 0;
          });
        }
        if (inside) labels[y * size + x] = kind + 1;
      }
    }
  }
  return labels;
}

/**
 * Draws one pair at `size` x `size`: B fills each disc red, each box blue and each triangle
 * green on a cream background; A is B's outline, black one-pixel edges wherever a pixel's label
 * differs from its right or lower neighbour, on white. The generator must recognise each outline's
 * shape to colour it, a small version of pix2pix's edges -> photo task.
 * Output: two `size * size * 3` arrays, RGB in [-1, 1], row-major.
 *
 * @example
 * ```ts
 * const { edges, filled } = drawShapePair(64, mulberry32(1));
 * ```
 */
export function drawShapePair(size: number, rand: () => number): ShapePair {
  const labels = drawLabels(size, rand);
  const edges = new Float32Array(size * size * 3).fill(1);
  const filled = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = y * size + x;
      const l = labels[i]!;
      const rgb = l === 0 ? BACKGROUND : KINDS[l - 1]!.rgb;
      for (let c = 0; c < 3; c++) filled[3 * i + c] = rgb[c]! / 127.5 - 1;
      const edge = (x + 1 < size && labels[i + 1] !== l) || (y + 1 < size && labels[i + size] !== l);
      if (edge) edges.fill(-1, 3 * i, 3 * i + 3);
    }
  }
  return { edges, filled };
}

/**
 * `count` pairs stacked as tensors `[edges, filled]`, each [count, size, size, 3] in [-1, 1].
 *
 * @example
 * ```ts
 * const [a, b] = shapeBatch(64, 4, mulberry32(7)); // the pix2pix trainer's inputA and targetB
 * ```
 */
export function shapeBatch(size: number, count: number, rand: () => number): [tf.Tensor4D, tf.Tensor4D] {
  const a = new Float32Array(count * size * size * 3);
  const b = new Float32Array(count * size * size * 3);
  for (let n = 0; n < count; n++) {
    const pair = drawShapePair(size, rand);
    a.set(pair.edges, n * pair.edges.length);
    b.set(pair.filled, n * pair.filled.length);
  }
  return [tf.tensor4d(a, [count, size, size, 3]), tf.tensor4d(b, [count, size, size, 3])];
}
