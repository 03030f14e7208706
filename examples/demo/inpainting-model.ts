// The demo's gated-convolution inpainting model and its data, shared by `npm run demo` (which trains
// it and saves its weights) and the browser demo (which loads those weights and runs the model on
// the same held-out crops). The model is user-guided (DeepFill v2's `guided` mode): it takes an
// edge map inside the hole as a third input, trained on Canny edges of the original crops.
// Browser-safe: no Node imports.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { models, ops, training } from '../../src/index';
import { mulberry32 } from '../seeded-random';
import type { DemoSettings } from './settings';

/** Rows [0, 384) of each 512x512 texture feed training; crops for evaluation come from the rows below. */
export const TRAIN_ROWS = 384;
/** Seed of the held-out crops and masks (the training batches use their own generator). */
export const HELD_OUT_SEED = 99;
/** Seed of the generator's initial weights. */
export const GENERATOR_SEED = 21;
/** The texture files the model trains on, in the order the crops alternate. */
export const TEXTURES = ['brick.png', 'gravel.png'] as const;

/** A free-form brush-stroke mask or a box, half of each, scaled to a `size` x `size` image. */
function randomMask(size: number, rand: () => number): training.BinaryMask {
  const seed = Math.floor(rand() * 2 ** 31);
  if (rand() < 0.5) {
    return training.randomBrushStrokeMask({
      height: size,
      width: size,
      minWidth: Math.max(2, size >> 4),
      maxWidth: Math.max(3, size >> 3),
      maxStrokes: 2,
      seed,
    });
  }
  return training.randomBoxMask({
    height: size,
    width: size,
    maxSize: size >> 1,
    maxDelta: size >> 3,
    margin: size >> 4,
    seed,
  });
}

/**
 * `count` random `size` x `size` crops (alternating textures, each [1, h, w, 3] in [-1, 1]) from
 * rows [y0, y1), with a mask each (1 = hole): `[images, masks]`.
 *
 * @example
 * ```ts
 * const [images, masks] = cropBatch(textures, 64, 8, TRAIN_ROWS, 512, mulberry32(HELD_OUT_SEED)); // held-out crops
 * ```
 */
export function cropBatch(
  textures: tf.Tensor4D[],
  size: number,
  count: number,
  y0: number,
  y1: number,
  rand: () => number,
): [tf.Tensor4D, tf.Tensor4D] {
  return tf.tidy(() => {
    const images: tf.Tensor4D[] = [];
    const masks: tf.Tensor4D[] = [];
    for (let n = 0; n < count; n++) {
      const texture = textures[n % textures.length]!;
      const top = y0 + Math.floor(rand() * (y1 - y0 - size));
      const left = Math.floor(rand() * (texture.shape[2] - size));
      images.push(tf.slice(texture, [0, top, left, 0], [1, size, size, 3]));
      masks.push(training.maskToTensor(randomMask(size, rand)));
    }
    return [tf.concat(images, 0), tf.concat(masks, 0)];
  });
}

/** The held-out crops of the textures (rows below {@link TRAIN_ROWS}) with their masks. */
export function heldOutBatch(
  textures: tf.Tensor4D[],
  settings: DemoSettings['inpainting'],
): [tf.Tensor4D, tf.Tensor4D] {
  return cropBatch(
    textures,
    settings.size,
    settings.heldOut,
    TRAIN_ROWS,
    textures[0]!.shape[1],
    mulberry32(HELD_OUT_SEED),
  );
}

/** Mean |completed - original| inside the holes (images in [-1, 1]). */
export function holeL1(completed: tf.Tensor4D, image: tf.Tensor4D, mask: tf.Tensor4D): number {
  const l1 = tf.tidy(() => tf.div(tf.sum(tf.mul(tf.abs(tf.sub(completed, image)), mask)), tf.mul(tf.sum(mask), 3)));
  const value = l1.dataSync()[0]!;
  l1.dispose();
  return value;
}

/** Mean of |R - G| + |G - B| inside the holes: 0 for a grey fill. */
export function channelSpread(completed: tf.Tensor4D, mask: tf.Tensor4D): number {
  const spread = tf.tidy(() => {
    const [r, g, b] = tf.split(completed, 3, 3) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    return tf.div(tf.sum(tf.mul(tf.add(tf.abs(tf.sub(r, g)), tf.abs(tf.sub(g, b))), mask)), tf.sum(mask));
  });
  const value = spread.dataSync()[0]!;
  spread.dispose();
  return value;
}

/** Baseline: every hole filled with the mean of its image's known pixels. */
export function meanFill(image: tf.Tensor4D, mask: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const known = tf.sub(1, mask);
    const mean = tf.div(tf.sum(tf.mul(image, known), [1, 2], true), tf.sum(known, [1, 2], true));
    return ops.completeImage(image, mask, tf.mul(tf.onesLike(image), mean) as tf.Tensor4D);
  });
}

/**
 * The demo's generator: DeepFill v2's gated convolutions without contextual attention, seeded;
 * user-guided (a third input, the guide) unless `guide` is false.
 */
export function buildGenerator(settings: DemoSettings['inpainting'], guide = true): tfl.LayersModel {
  return models.gatedInpaintingGenerator({
    cnum: settings.cnum,
    contextualAttention: false,
    guide,
    inputShape: [settings.size, settings.size],
    seed: GENERATOR_SEED,
  });
}

/**
 * The guides the demo trains with, for given crops: their Canny edges ({@link ops.cannyEdges}
 * with the inpainting trainer's default options) inside the holes, [n, h, w, 1] with 1 on edges.
 *
 * @example
 * ```ts
 * const guides = await edgeGuides(images, masks); // the "true edges" of each hole
 * ```
 */
export async function edgeGuides(images: tf.Tensor4D, masks: tf.Tensor4D): Promise<tf.Tensor4D> {
  const edges = await ops.cannyEdges(images);
  const guides = tf.mul(edges, masks) as tf.Tensor4D;
  edges.dispose();
  return guides;
}

/**
 * The images with the generator's refined output pasted into the holes. A guided generator gets
 * `guides` ([n, h, w, 1]; default all zeros, an empty guide); an unguided one takes none.
 */
export function complete(
  generator: tfl.LayersModel,
  images: tf.Tensor4D,
  masks: tf.Tensor4D,
  guides?: tf.Tensor4D,
): tf.Tensor4D {
  const guided = generator.inputs.length === 3;
  if (!guided && guides !== undefined) throw new Error('complete: guides given to a generator without a guide input.');
  return tf.tidy(() => {
    const inputs = guided ? [images, masks, guides ?? tf.zerosLike(masks)] : [images, masks];
    return ops.completeImage(images, masks, (generator.predict(inputs) as tf.Tensor[])[1] as tf.Tensor4D);
  });
}

/** The JSON half of a saved generator: tfjs weight specs (in `model.weights` order) and the settings. */
export interface GeneratorWeightsHeader {
  format: 'tfjs-synth-demo-inpainting';
  /** `guide`: whether the generator takes a guide (absent in files written before it existed: false). */
  settings: { size: number; cnum: number; steps: number; guide?: boolean };
  weights: tf.io.WeightsManifestEntry[];
}

/**
 * The generator's weights as a JSON header and a binary blob (tfjs weight format), so the browser
 * demo can load them into a fresh {@link buildGenerator} model.
 */
export async function encodeGeneratorWeights(
  generator: tfl.LayersModel,
  settings: DemoSettings['inpainting'],
): Promise<{ header: string; data: Uint8Array }> {
  const named = generator.weights.map((w, i) => ({ name: `${i}/${w.originalName}`, tensor: w.read() }));
  const { data, specs } = await tf.io.encodeWeights(named);
  const header: GeneratorWeightsHeader = {
    format: 'tfjs-synth-demo-inpainting',
    settings: { size: settings.size, cnum: settings.cnum, steps: settings.steps, guide: generator.inputs.length === 3 },
    weights: specs,
  };
  return { header: `${JSON.stringify(header, null, 1)}\n`, data: new Uint8Array(data) };
}

/**
 * Loads weights from {@link encodeGeneratorWeights} into a fresh {@link buildGenerator} model built
 * with the header's settings (guided when its `guide` is true); returns the model. Checks count,
 * names and shapes first.
 */
export function decodeGenerator(
  headerText: string,
  data: ArrayBuffer,
): { generator: tfl.LayersModel; header: GeneratorWeightsHeader } {
  const header = JSON.parse(headerText) as GeneratorWeightsHeader;
  if (header?.format !== 'tfjs-synth-demo-inpainting' || !Array.isArray(header.weights))
    throw new Error('decodeGenerator: not a demo inpainting weights header.');
  const expected = header.weights.reduce((n, s) => n + 4 * s.shape.reduce((a, b) => a * b, 1), 0);
  if (data.byteLength !== expected)
    throw new Error(`decodeGenerator: the weights file has ${data.byteLength} bytes, its header needs ${expected}.`);
  const generator = buildGenerator(
    { size: header.settings.size, cnum: header.settings.cnum } as DemoSettings['inpainting'],
    header.settings.guide === true,
  );
  try {
    if (generator.weights.length !== header.weights.length)
      throw new Error(
        `decodeGenerator: the model has ${generator.weights.length} weights, the file ${header.weights.length}.`,
      );
    const map = tf.io.decodeWeights(data, header.weights);
    try {
      generator.weights.forEach((w, i) => {
        const t = map[`${i}/${w.originalName}`];
        if (t === undefined || !tf.util.arraysEqual(t.shape, w.shape as number[]))
          throw new Error(`decodeGenerator: weight ${i} (${w.originalName}) is missing or has another shape.`);
      });
      generator.weights.forEach((w, i) => w.write(map[`${i}/${w.originalName}`]!));
    } finally {
      tf.dispose(Object.values(map));
    }
  } catch (err) {
    generator.dispose();
    throw err;
  }
  return { generator, header };
}
