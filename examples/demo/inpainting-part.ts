import * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import { models, ops, training } from '../../src/index';
import { createProgressBar, imageGrid, imageToTensor, readImage, writePng } from '../../src/node/index';
import { writeLossCurve } from './loss-curve';
import type { DemoSettings } from './settings';
import { mulberry32 } from './shapes-dataset';

const assets = new URL('../assets/', import.meta.url);

/** Rows [0, 384) of each 512x512 texture feed training; crops for evaluation come from the rows below. */
const TRAIN_ROWS = 384;

/** A free-form brush-stroke mask or a box, half of each, scaled to a `size` x `size` image. */
function randomMask(size: number, rand: () => number): training.BinaryMask {
  const seed = Math.floor(rand() * 2 ** 31);
  if (rand() < 0.5) {
    return training.randomBrushStrokeMask({ height: size, width: size, minWidth: Math.max(2, size >> 4), maxWidth: Math.max(3, size >> 3), maxStrokes: 2, seed });
  }
  return training.randomBoxMask({ height: size, width: size, maxSize: size >> 1, maxDelta: size >> 3, margin: size >> 4, seed });
}

/** `count` random `size` x `size` crops (alternating textures) from rows [y0, y1), with a mask each. */
function cropBatch(textures: tf.Tensor4D[], size: number, count: number, y0: number, y1: number, rand: () => number): [tf.Tensor4D, tf.Tensor4D] {
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

/** Mean |completed - original| inside the holes (images in [-1, 1]). */
function holeL1(completed: tf.Tensor4D, image: tf.Tensor4D, mask: tf.Tensor4D): number {
  const l1 = tf.tidy(() => tf.div(tf.sum(tf.mul(tf.abs(tf.sub(completed, image)), mask)), tf.mul(tf.sum(mask), 3)));
  const value = l1.dataSync()[0]!;
  l1.dispose();
  return value;
}

/** Baseline: every hole filled with the mean of its image's known pixels. */
function meanFill(image: tf.Tensor4D, mask: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const known = tf.sub(1, mask);
    const mean = tf.div(tf.sum(tf.mul(image, known), [1, 2], true), tf.sum(known, [1, 2], true));
    return ops.completeImage(image, mask, tf.mul(tf.onesLike(image), mean) as tf.Tensor4D);
  });
}

/**
 * DeepFill v2's gated-convolution generator (without contextual attention) and SN-PatchGAN
 * discriminator trained briefly with {@link training.InpaintingTrainer} on random free-form and
 * box holes over brick and gravel crops. Writes the loss curve and a
 * masked input | output | original grid of held-out crops. Returns the files written.
 *
 * @example
 * ```ts
 * await initBackend('wasm');
 * const files = await runInpainting('demo-output', QUICK_SETTINGS); // [inpainting-loss.svg, inpainting-grid.png]
 * ```
 */
export async function runInpainting(out: string, settings: DemoSettings): Promise<string[]> {
  const s = settings.inpainting;
  const textures = await Promise.all(
    ['brick.png', 'gravel.png'].map(async (f) => imageToTensor(await readImage(new URL(f, assets).pathname), { range: [-1, 1], channels: 3 })),
  );
  const rand = mulberry32(11);
  const [testImages, testMasks] = cropBatch(textures, s.size, s.heldOut, TRAIN_ROWS, textures[0]!.shape[1], mulberry32(99));
  const generator = models.gatedInpaintingGenerator({ cnum: s.cnum, contextualAttention: false, inputShape: [s.size, s.size], seed: 21 });
  const discriminator = models.snPatchGANDiscriminator({ inputChannels: 4, ndf: s.ndf, inputShape: [s.size, s.size], seed: 22 });
  const trainer = new training.InpaintingTrainer({ generator, discriminator, lr: s.lr, ganAlpha: s.ganAlpha });
  console.log(`  ${s.size}x${s.size} crops of brick.png and gravel.png, brush-stroke and box holes, batch ${s.batch}, ${s.steps} steps, backend ${tf.getBackend()}`);
  console.log(
    `  gated generator cnum ${s.cnum}, no contextual attention (${generator.countParams()} parameters), SN-PatchGAN ndf ${s.ndf} (${discriminator.countParams()} parameters); ` +
      `L1 on both stages + ${s.ganAlpha} x hinge GAN loss, Adam lr ${s.lr}`,
  );
  const complete = (images: tf.Tensor4D, masks: tf.Tensor4D) =>
    tf.tidy(() => ops.completeImage(images, masks, (generator.predict([images, masks]) as tf.Tensor[])[1] as tf.Tensor4D));
  const evaluate = () => {
    const completed = complete(testImages, testMasks);
    const err = holeL1(completed, testImages, testMasks);
    completed.dispose();
    return err;
  };
  const before = evaluate();
  const baselineFill = meanFill(testImages, testMasks);
  const baseline = holeL1(baselineFill, testImages, testMasks);
  baselineFill.dispose();

  const history = { lossD: [] as number[], lossGGan: [] as number[], lossL1: [] as number[] };
  const bar = createProgressBar({ total: s.steps, label: 'inpainting' });
  const t0 = performance.now();
  for (let i = 0; i < s.steps; i++) {
    const [images, masks] = cropBatch(textures, s.size, s.batch, 0, TRAIN_ROWS, rand);
    const l = await trainer.step(images, masks);
    tf.dispose([images, masks]);
    history.lossD.push(l.lossD);
    history.lossGGan.push(l.lossGGan);
    history.lossL1.push(l.lossL1Coarse + l.lossL1Fine);
    bar.tick({ D: l.lossD, G: l.lossGGan, L1: l.lossL1Coarse + l.lossL1Fine });
  }
  bar.stop();
  const seconds = (performance.now() - t0) / 1000;
  const after = evaluate();
  console.log(
    `  after ${s.steps} steps (${seconds.toFixed(0)} s, ${((1000 * seconds) / s.steps).toFixed(0)} ms/step) the L1 error inside the holes of ${s.heldOut} held-out crops ` +
      `${after < before ? 'fell' : 'went'} from ${before.toFixed(3)} to ${after.toFixed(3)} (filling each hole with its image's mean grey gives ${baseline.toFixed(3)}).`,
  );
  console.log('  A short CPU run learns smooth fills that follow the surroundings, not texture detail: DeepFill v2 trains for days on a GPU (256x256, cnum 48, GAN weight 1).');

  const files = [join(out, 'inpainting-loss.svg'), join(out, 'inpainting-grid.png')];
  // The hinge generator loss can be negative; the chart's axis starts at 0, so it shows the losses that are not.
  await writeLossCurve(files[0]!, [
    { name: 'lossD', values: history.lossD, color: '#d62728' },
    { name: 'L1 (coarse + refined)', values: history.lossL1, color: '#2ca02c' },
  ], {
    title: `gated-convolution inpainting, ${s.steps} steps${settings.quick ? '' : ' (smoothed over 15)'}`,
    smooth: settings.quick ? 1 : 15,
  });
  const completed = complete(testImages, testMasks);
  // Holes shown in white in the input column.
  const shown = tf.tidy(() => ops.completeImage(testImages, testMasks, tf.onesLike(testImages)));
  const rows = Array.from({ length: Math.min(4, s.heldOut) }, (_, n) =>
    [shown, completed, testImages].map((t) =>
      tf.tidy(() => tf.image.resizeNearestNeighbor(tf.slice(t, [n, 0, 0, 0], [1, -1, -1, -1]), [s.size * settings.gridScale, s.size * settings.gridScale])),
    ),
  );
  await writePng(files[1]!, imageGrid(rows, { padding: 4 }));
  tf.dispose([...rows.flat(), completed, shown, testImages, testMasks, ...textures]);
  trainer.dispose();
  generator.dispose();
  discriminator.dispose();
  return files;
}
