// The page's trained network, shared by the page and by the browser test runner (which runs the
// same code in Node), so both compute exactly the same thing. No DOM here.
//
// `npm run demo` trains a small gated-convolution inpainting generator (DeepFill v2 without
// contextual attention) on crops of brick.png and gravel.png and writes its weights; a copy of
// the full run's weights is committed in examples/web/model/. This module loads them and fills
// the holes of the demo's held-out crops, the ones its inpainting grid shows. The generator is
// user-guided: besides the image and the mask it takes a guide, an edge map inside the hole
// (trained on Canny edges); `GuideFill` and `drawGuideLine` are the page's "draw guide strokes"
// mode without its DOM.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  complete,
  decodeGenerator,
  edgeGuides,
  heldOutBatch,
  holeL1,
  meanFill,
  type GeneratorWeightsHeader,
} from '../../demo/inpainting-model';
import { FULL_SETTINGS } from '../../demo/settings';
import { imageToTensor } from '../../../src/node/image-to-tensor';

/** An RGBA image (`ImageData` works). */
export interface RgbaPixels {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
}

/** What {@link runDemoModel} returns: the held-out crops, their masks and fills, row-major NHWC. */
export interface DemoModelResult {
  /** Crop side and number of crops. */
  size: number;
  count: number;
  /** Training steps of the loaded weights (from their header). */
  steps: number;
  /** Original crops in [-1, 1], [count, size, size, 3]. */
  images: Float32Array;
  /** Holes (1) of each crop, [count, size, size, 1]. */
  masks: Float32Array;
  /** The network's fills pasted into the holes, with an empty guide, [count, size, size, 3]. */
  completed: Float32Array;
  /** The true edges of each hole (Canny edges of the original inside the hole), [count, size, size, 1]. */
  guides: Float32Array;
  /** The network's fills with those true edges as guide, [count, size, size, 3]. */
  guidedCompleted: Float32Array;
  /** Each hole filled with its crop's mean grey instead, [count, size, size, 3]. */
  meanFilled: Float32Array;
  /**
   * Mean |fill - original| inside the holes of all crops: the network with an empty guide, with
   * the true edges as guide, and the mean grey.
   */
  holeL1: number;
  guidedHoleL1: number;
  baselineL1: number;
}

/**
 * Loads the saved generator (`header` JSON text and `data` bytes from
 * `inpainting-generator.json` / `.bin`) on the current backend and fills the holes of the demo's
 * held-out crops of `textures` (brick.png then gravel.png, decoded); everything is disposed again.
 *
 * ```ts
 * const r = await runDemoModel(headerText, binBytes, [brick, gravel]);
 * r.holeL1 < r.baselineL1; // the network beats a mean-grey fill
 * r.guidedHoleL1 < r.holeL1; // and does better still when it sees the hidden edges
 * ```
 */
export async function runDemoModel(
  header: string,
  data: ArrayBuffer,
  textures: readonly RgbaPixels[],
): Promise<DemoModelResult> {
  const { generator, header: parsed } = decodeGenerator(header, data);
  if (parsed.settings.guide !== true) {
    generator.dispose();
    throw new Error('runDemoModel: the weights are of a generator without a guide input.');
  }
  const settings = { ...FULL_SETTINGS.inpainting, size: parsed.settings.size, cnum: parsed.settings.cnum };
  const tensors = textures.map((t) => imageToTensor(t, { range: [-1, 1], channels: 3 }));
  try {
    const [images, masks] = heldOutBatch(tensors, settings);
    const guides = await edgeGuides(images, masks);
    const completed = complete(generator, images, masks);
    const guidedCompleted = complete(generator, images, masks, guides);
    const meanFilled = meanFill(images, masks);
    const result: DemoModelResult = {
      size: settings.size,
      count: settings.heldOut,
      steps: parsed.settings.steps,
      images: (await images.data()) as Float32Array,
      masks: (await masks.data()) as Float32Array,
      completed: (await completed.data()) as Float32Array,
      guides: (await guides.data()) as Float32Array,
      guidedCompleted: (await guidedCompleted.data()) as Float32Array,
      meanFilled: (await meanFilled.data()) as Float32Array,
      holeL1: holeL1(completed, images, masks),
      guidedHoleL1: holeL1(guidedCompleted, images, masks),
      baselineL1: holeL1(meanFilled, images, masks),
    };
    tf.dispose([images, masks, guides, completed, guidedCompleted, meanFilled]);
    return result;
  } finally {
    tf.dispose(tensors);
    generator.dispose();
  }
}

/**
 * Sets the pixels of a 1-pixel line from (x0, y0) to (x1, y1) (pixel coordinates, rounded;
 * Bresenham) to 1 in `guide`, a `size` x `size` row-major map, where `mask` (same layout,
 * 1 = hole) is a hole: strokes only count inside the hole, as the network masks its guide there.
 * Points outside the map are clipped. Returns how many pixels turned from 0 to 1.
 *
 * ```ts
 * const guide = new Float32Array(64 * 64);
 * drawGuideLine(guide, mask, 64, 10, 32, 50, 32); // a horizontal stroke across the hole
 * ```
 */
export function drawGuideLine(
  guide: Float32Array,
  mask: Float32Array,
  size: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
): number {
  const owner = 'drawGuideLine';
  if (!Number.isInteger(size) || size < 1 || size > 4096)
    throw new Error(`${owner}: size must be an integer in [1, 4096], got ${String(size)}.`);
  if (!(guide instanceof Float32Array) || guide.length !== size * size)
    throw new Error(`${owner}: guide must be a Float32Array of size * size = ${size * size} values.`);
  if (!(mask instanceof Float32Array) || mask.length !== size * size)
    throw new Error(`${owner}: mask must be a Float32Array of size * size = ${size * size} values.`);
  const ends = { x0, y0, x1, y1 };
  for (const [k, v] of Object.entries(ends)) {
    // Far-away points would only make the loop long: the caller's pointer is near the canvas.
    if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > 4 * size)
      throw new Error(`${owner}: ${k} must be a finite number within 4 * size of the map, got ${String(v)}.`);
  }
  let [x, y] = [Math.round(x0), Math.round(y0)];
  const [xe, ye] = [Math.round(x1), Math.round(y1)];
  const dx = Math.abs(xe - x);
  const dy = -Math.abs(ye - y);
  const sx = x < xe ? 1 : -1;
  const sy = y < ye ? 1 : -1;
  let err = dx + dy;
  let set = 0;
  for (;;) {
    if (x >= 0 && x < size && y >= 0 && y < size) {
      const i = y * size + x;
      if (mask[i]! > 0.5 && guide[i] === 0) {
        guide[i] = 1;
        set++;
      }
    }
    if (x === xe && y === ye) return set;
    const e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y += sy;
    }
  }
}

/** Mean |completed - image| over the hole of one crop ([size, size, 3] and [size, size]). */
function cropHoleL1(completed: Float32Array, image: Float32Array, mask: Float32Array): number {
  let sum = 0;
  let holes = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i]! <= 0.5) continue;
    holes++;
    for (let c = 0; c < 3; c++) sum += Math.abs(completed[3 * i + c]! - image[3 * i + c]!);
  }
  return holes === 0 ? 0 : sum / (3 * holes);
}

/** What {@link GuideFill.fill} returns for one crop. */
export interface GuideFillResult {
  /** The crop's index among the held-out crops. */
  crop: number;
  /** The guide used (inside the hole only), [size, size] row-major. */
  guide: Float32Array;
  /** The crop filled with that guide, [size, size, 3] in [-1, 1]. */
  completed: Float32Array;
  /** The same crop filled with an empty guide and with its true edges, for comparison. */
  emptyCompleted: Float32Array;
  edgesCompleted: Float32Array;
  /** Mean |fill - original| inside the hole for the three fills above. */
  holeL1: number;
  emptyHoleL1: number;
  edgesHoleL1: number;
}

/**
 * The page's "draw guide strokes" mode without its DOM: the demo's guided generator loaded once
 * on the current backend, and the held-out crops with their holes and true edges (host copies).
 * {@link GuideFill.fill} fills one crop's hole with a given guide, and gives its fills with an
 * empty guide and with the true edges for comparison. Call `dispose()` when done.
 *
 * ```ts
 * const session = await GuideFill.load(headerText, binBytes, [brick, gravel]);
 * const { mask } = session.crop(0);
 * const guide = new Float32Array(session.size * session.size);
 * drawGuideLine(guide, mask, session.size, 10, 32, 50, 32);
 * const r = await session.fill(0, guide); // r.completed: the hole filled along the stroke
 * session.dispose();
 * ```
 */
export class GuideFill {
  /** Training steps of the loaded weights. */
  readonly steps: number;
  private disposed = false;
  /** Per crop: its fills with an empty guide and with its true edges, and their hole L1. */
  private readonly references = new Map<
    number,
    { emptyCompleted: Float32Array; edgesCompleted: Float32Array; emptyHoleL1: number; edgesHoleL1: number }
  >();

  private constructor(
    private readonly generator: tfl.LayersModel,
    header: GeneratorWeightsHeader,
    /** Crop side and number of held-out crops. */
    readonly size: number,
    readonly count: number,
    /** Host copies, [count, size, size, 3], [count, size, size, 1], [count, size, size, 1]. */
    readonly images: Float32Array,
    readonly masks: Float32Array,
    readonly trueGuides: Float32Array,
  ) {
    this.steps = header.settings.steps;
  }

  /**
   * Loads the saved guided generator (`inpainting-generator.json` text and `.bin` bytes) on the
   * current backend and cuts the held-out crops of `textures` (brick.png then gravel.png).
   * @throws Error when the weights are not of a guided generator.
   */
  static async load(header: string, data: ArrayBuffer, textures: readonly RgbaPixels[]): Promise<GuideFill> {
    const { generator, header: parsed } = decodeGenerator(header, data);
    const tensors: tf.Tensor[] = [];
    try {
      if (parsed.settings.guide !== true)
        throw new Error('GuideFill.load: the weights are of a generator without a guide input.');
      const settings = { ...FULL_SETTINGS.inpainting, size: parsed.settings.size, cnum: parsed.settings.cnum };
      const textureTensors = textures.map((t) => imageToTensor(t, { range: [-1, 1], channels: 3 }));
      tensors.push(...textureTensors);
      const [images, masks] = heldOutBatch(textureTensors, settings);
      tensors.push(images, masks);
      const guides = await edgeGuides(images, masks);
      tensors.push(guides);
      return new GuideFill(
        generator,
        parsed,
        settings.size,
        settings.heldOut,
        (await images.data()) as Float32Array,
        (await masks.data()) as Float32Array,
        (await guides.data()) as Float32Array,
      );
    } catch (err) {
      generator.dispose();
      throw err;
    } finally {
      tf.dispose(tensors);
    }
  }

  /** Crop `n`: its pixels [size, size, 3], hole [size, size] and true edges [size, size] (copies). */
  crop(n: number): { image: Float32Array; mask: Float32Array; trueGuide: Float32Array } {
    this.checkCrop('crop', n);
    const px = this.size * this.size;
    return {
      image: this.images.slice(n * px * 3, (n + 1) * px * 3),
      mask: this.masks.slice(n * px, (n + 1) * px),
      trueGuide: this.trueGuides.slice(n * px, (n + 1) * px),
    };
  }

  /**
   * Fills crop `n`'s hole with `guide` ([size, size] row-major in [0, 1]; only its pixels in the
   * hole count, the rest is zeroed) as the guide channel. The crop's fills with an empty guide
   * and with its true edges, for comparison, are computed on its first fill (one batch of two)
   * and kept, so later fills of the crop run one image through the network.
   */
  async fill(n: number, guide: Float32Array): Promise<GuideFillResult> {
    this.checkCrop('fill', n);
    const px = this.size * this.size;
    if (!(guide instanceof Float32Array) || guide.length !== px)
      throw new Error(`GuideFill.fill: guide must be a Float32Array of ${px} values.`);
    const { image, mask, trueGuide } = this.crop(n);
    const used = new Float32Array(px);
    for (let i = 0; i < px; i++) {
      const g = guide[i]!;
      if (!(g >= 0 && g <= 1)) throw new Error(`GuideFill.fill: guide values must be in [0, 1], got ${g}.`);
      used[i] = mask[i]! > 0.5 ? g : 0;
    }
    let reference = this.references.get(n);
    if (reference === undefined) {
      const [emptyCompleted, edgesCompleted] = await this.run(image, mask, [new Float32Array(px), trueGuide]);
      reference = {
        emptyCompleted: emptyCompleted!,
        edgesCompleted: edgesCompleted!,
        emptyHoleL1: cropHoleL1(emptyCompleted!, image, mask),
        edgesHoleL1: cropHoleL1(edgesCompleted!, image, mask),
      };
      this.references.set(n, reference);
    }
    const [completed] = await this.run(image, mask, [used]);
    return {
      crop: n,
      guide: used,
      completed: completed!,
      emptyCompleted: reference.emptyCompleted.slice(),
      edgesCompleted: reference.edgesCompleted.slice(),
      holeL1: cropHoleL1(completed!, image, mask),
      emptyHoleL1: reference.emptyHoleL1,
      edgesHoleL1: reference.edgesHoleL1,
    };
  }

  /** One crop filled with each of `guides` (one batch), [size, size, 3] each. */
  private async run(image: Float32Array, mask: Float32Array, guides: Float32Array[]): Promise<Float32Array[]> {
    const s = this.size;
    const k = guides.length;
    const completed = tf.tidy(() => {
      const images = tf.tile(tf.tensor4d(image, [1, s, s, 3]), [k, 1, 1, 1]) as tf.Tensor4D;
      const masks = tf.tile(tf.tensor4d(mask, [1, s, s, 1]), [k, 1, 1, 1]) as tf.Tensor4D;
      const g = tf.concat(
        guides.map((x) => tf.tensor4d(x, [1, s, s, 1])),
        0,
      ) as tf.Tensor4D;
      return complete(this.generator, images, masks, g);
    });
    try {
      const values = (await completed.data()) as Float32Array;
      return guides.map((_, i) => values.slice(i * s * s * 3, (i + 1) * s * s * 3));
    } finally {
      completed.dispose();
    }
  }

  /** Releases the generator's weights; the session cannot fill afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.generator.dispose();
  }

  private checkCrop(method: string, n: number): void {
    if (this.disposed) throw new Error(`GuideFill.${method}: the session is disposed.`);
    if (!Number.isInteger(n) || n < 0 || n >= this.count)
      throw new Error(`GuideFill.${method}: n must be an integer in [0, ${this.count - 1}], got ${String(n)}.`);
  }
}
