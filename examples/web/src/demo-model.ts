// The page's trained network, shared by the page and by the browser test runner (which runs the
// same code in Node), so both compute exactly the same thing. No DOM here.
//
// `npm run demo` trains a small gated-convolution inpainting generator (DeepFill v2 without
// contextual attention) on crops of brick.png and gravel.png and writes its weights; a copy of
// the full run's weights is committed in examples/web/model/. This module loads them and fills
// the holes of the demo's held-out crops, the ones its inpainting grid shows.
import * as tf from '@tensorflow/tfjs-core';
import { decodeGenerator, complete, heldOutBatch, holeL1, meanFill } from '../../demo/inpainting-model';
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
  /** The network's fills pasted into the holes, [count, size, size, 3]. */
  completed: Float32Array;
  /** Each hole filled with its crop's mean grey instead, [count, size, size, 3]. */
  meanFilled: Float32Array;
  /** Mean |fill - original| inside the holes of all crops, for the network and for the mean grey. */
  holeL1: number;
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
 * ```
 */
export async function runDemoModel(
  header: string,
  data: ArrayBuffer,
  textures: readonly RgbaPixels[],
): Promise<DemoModelResult> {
  const { generator, header: parsed } = decodeGenerator(header, data);
  const settings = { ...FULL_SETTINGS.inpainting, size: parsed.settings.size, cnum: parsed.settings.cnum };
  const tensors = textures.map((t) => imageToTensor(t, { range: [-1, 1], channels: 3 }));
  try {
    const [images, masks] = heldOutBatch(tensors, settings);
    const completed = complete(generator, images, masks);
    const meanFilled = meanFill(images, masks);
    const result: DemoModelResult = {
      size: settings.size,
      count: settings.heldOut,
      steps: parsed.settings.steps,
      images: (await images.data()) as Float32Array,
      masks: (await masks.data()) as Float32Array,
      completed: (await completed.data()) as Float32Array,
      meanFilled: (await meanFilled.data()) as Float32Array,
      holeL1: holeL1(completed, images, masks),
      baselineL1: holeL1(meanFilled, images, masks),
    };
    tf.dispose([images, masks, completed, meanFilled]);
    return result;
  } finally {
    tf.dispose(tensors);
    generator.dispose();
  }
}
