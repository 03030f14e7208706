import * as tf from '@tensorflow/tfjs-core';
import { checkNonNegativeInteger } from '../core/checks';
import type { RgbaImage } from '../core/rgba-image';
import { checkImage } from './internal/check-image';
import { tensorToImage } from './tensor-to-image';
import type { ImageRange } from './image-to-tensor';

/** Options of {@link imageGrid}. */
export interface ImageGridOptions {
  /** Pixels between cells and around the border. Default 2. */
  padding?: number;
  /** RGBA of the padding and of the space around smaller images. Default white `[255, 255, 255, 255]`. */
  background?: readonly [number, number, number, number];
  /** Range of tensor cells (see {@link tensorToImage}). Default `[-1, 1]`. */
  range?: ImageRange;
}

/**
 * Tiles images into one image: `rows[r][c]` is placed in row r, column c. Every cell is as
 * large as the largest image; smaller images sit in the top-left corner of their cell.
 * Cells may be RGBA images or image tensors (`[H, W, C]` / `[1, H, W, C]`, converted with
 * {@link tensorToImage}; not disposed). Typical use: one row per sample showing
 * input | output | target.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { imageGrid, writePng } from 'tfjs-synth/node';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend();
 * const realA = tf.randomUniform([1, 64, 64, 3], -1, 1);   // input
 * const fakeB = tf.zeros([1, 64, 64, 3]);                 // generator output
 * const realB = tf.ones([1, 64, 64, 3]);                  // target
 * await writePng('samples.png', imageGrid([[realA, fakeB, realB]], { padding: 4 }));
 * ```
 * @returns The grid as an RGBA image.
 * @throws Error when `rows` is empty or a cell is neither an image nor a tensor.
 */
export function imageGrid(
  rows: ReadonlyArray<ReadonlyArray<RgbaImage | tf.Tensor>>,
  options: ImageGridOptions = {},
): RgbaImage<Uint8Array> {
  const padding = checkNonNegativeInteger('imageGrid', 'padding', options.padding ?? 2);
  const background = options.background ?? [255, 255, 255, 255];
  if (!isNonEmptyGrid(rows)) {
    throw new Error('imageGrid: rows must be a non-empty array of non-empty arrays of images.');
  }
  const toImage = (cell: RgbaImage | tf.Tensor, r: number, c: number): RgbaImage => {
    if (cell instanceof tf.Tensor) return tensorToImage(cell, options.range ? { range: options.range } : {});
    checkImage('imageGrid', `rows[${r}][${c}]`, cell);
    return cell;
  };
  const cells: RgbaImage[][] = rows.map((row, r) => row.map((cell, c) => toImage(cell, r, c)));
  const cellW = Math.max(...cells.flat().map((im) => im.width));
  const cellH = Math.max(...cells.flat().map((im) => im.height));
  const cols = Math.max(...cells.map((row) => row.length));
  const width = padding + cols * (cellW + padding);
  const height = padding + cells.length * (cellH + padding);
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set(background, i * 4);
  cells.forEach((row: RgbaImage[], r: number) =>
    row.forEach((im: RgbaImage, c: number) => {
      const x0 = padding + c * (cellW + padding);
      const y0 = padding + r * (cellH + padding);
      for (let y = 0; y < im.height; y++) {
        const src = im.data.subarray(y * im.width * 4, (y + 1) * im.width * 4);
        data.set(src, ((y0 + y) * width + x0) * 4);
      }
    }),
  );
  return { width, height, data };
}

function isNonEmptyGrid(rows: unknown): boolean {
  return Array.isArray(rows) && rows.length > 0 && rows.every((r: unknown) => Array.isArray(r) && r.length > 0);
}
