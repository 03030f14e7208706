import * as tf from '@tensorflow/tfjs-core';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { models, ops, training } from '../../src/index';
import { createProgressBar, imageGrid, imageToTensor, readImage, writePng } from '../../src/node/index';
import { mulberry32 } from '../seeded-random';
import { writeLossCurve } from './loss-curve';
import type { DemoSettings } from './settings';
import {
  buildGenerator,
  channelSpread,
  complete as completeWith,
  cropBatch,
  edgeGuides,
  encodeGeneratorWeights,
  heldOutBatch,
  holeL1,
  meanFill,
  TEXTURES,
  TRAIN_ROWS,
} from './inpainting-model';

const assets = new URL('../assets/', import.meta.url);

/**
 * DeepFill v2's user-guided gated-convolution generator (without contextual attention) and
 * SN-PatchGAN discriminator trained briefly with {@link training.InpaintingTrainer} on random
 * free-form and box holes over brick and gravel crops, the guides being the Canny edges of each
 * crop inside its hole (the trainer's `guides: 'canny'`). Writes the loss curve and a
 * masked input with guide | output with an empty guide | output with the true edges | original
 * grid of held-out crops, and the trained generator's weights (for the browser demo). Returns the
 * files written.
 *
 * @example
 * ```ts
 * await initBackend('wasm');
 * const files = await runInpainting('demo-output', QUICK_SETTINGS); // [inpainting-loss.svg, inpainting-grid.png, inpainting-generator.json, .bin]
 * ```
 */
export async function runInpainting(out: string, settings: DemoSettings): Promise<string[]> {
  const s = settings.inpainting;
  const textures = await Promise.all(
    TEXTURES.map(async (f) =>
      imageToTensor(await readImage(new URL(f, assets).pathname), { range: [-1, 1], channels: 3 }),
    ),
  );
  const rand = mulberry32(11);
  const [testImages, testMasks] = heldOutBatch(textures, s);
  const generator = buildGenerator(s);
  const discriminator = models.snPatchGANDiscriminator({
    inputChannels: 5, // image, mask, guide
    ndf: s.ndf,
    inputShape: [s.size, s.size],
    seed: 22,
  });
  const trainer = new training.InpaintingTrainer({
    generator,
    discriminator,
    lr: s.lr,
    ganAlpha: s.ganAlpha,
    guides: 'canny',
  });
  console.log(
    `  ${s.size}x${s.size} crops of brick.png and gravel.png, brush-stroke and box holes, batch ${s.batch}, ${s.steps} steps, backend ${tf.getBackend()}`,
  );
  console.log(
    `  user-guided gated generator cnum ${s.cnum}, no contextual attention (${generator.countParams()} parameters), SN-PatchGAN ndf ${s.ndf} (${discriminator.countParams()} parameters); ` +
      `L1 on both stages + ${s.ganAlpha} x hinge GAN loss, Adam lr ${s.lr}; guides: Canny edges of each crop inside its hole`,
  );
  // The held-out crops' true edges: what the guide would be if a user traced the hidden edges exactly.
  const testGuides = await edgeGuides(testImages, testMasks);
  const edgeShare = tf.tidy(() => tf.div(tf.sum(testGuides), tf.sum(testMasks)).dataSync()[0]!);
  const complete = (images: tf.Tensor4D, masks: tf.Tensor4D, guides?: tf.Tensor4D) =>
    completeWith(generator, images, masks, guides);
  // Hole L1 with the true edges as guide and with an empty guide.
  const evaluate = () => {
    const completed = complete(testImages, testMasks, testGuides);
    const unguided = complete(testImages, testMasks);
    const err = {
      edges: holeL1(completed, testImages, testMasks),
      empty: holeL1(unguided, testImages, testMasks),
      // Crops whose hole L1 is lower with the true edges than with an empty guide.
      helped: tf.tidy(() => {
        const perCrop = (t: tf.Tensor4D) => tf.sum(tf.mul(tf.abs(tf.sub(t, testImages)), testMasks), [1, 2, 3]);
        return tf.sum(tf.cast(tf.less(perCrop(completed), perCrop(unguided)), 'int32')).dataSync()[0]!;
      }),
    };
    spreads.push(channelSpread(completed, testMasks));
    tf.dispose([completed, unguided]);
    return err;
  };
  // Colour-channel spread of the fills (the textures are grey, so any spread shows as a tint).
  const spreads: number[] = [];
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
      `${after.edges < before.edges ? 'fell' : 'went'} from ${before.edges.toFixed(3)} to ${after.edges.toFixed(3)} with their true edges as guide ` +
      `(Canny edges of the original inside the hole, ${(100 * edgeShare).toFixed(1)}% of the hole pixels), and from ${before.empty.toFixed(3)} to ${after.empty.toFixed(3)} with an empty guide ` +
      `(filling each hole with its image's mean grey gives ${baseline.toFixed(3)}).`,
  );
  const gain = after.empty - after.edges;
  console.log(
    `  The true edges ${gain > 0 ? 'lower' : 'do not lower'} the trained network's hole L1: ${after.edges.toFixed(3)} with them, ${after.empty.toFixed(3)} without ` +
      `(${gain > 0 ? `${((100 * gain) / after.empty).toFixed(1)}% lower` : `${((-100 * gain) / after.empty).toFixed(1)}% higher`}; lower on ${after.helped} of ${s.heldOut} crops).`,
  );
  console.log(
    `  The textures are grey, but the fills are not quite: the mean difference between their colour channels inside the holes went from ${spreads[0]!.toFixed(3)} to ${spreads[1]!.toFixed(3)},\n` +
      '  which shows as pink and green tints (training moves the three output channels apart before it pulls them back together).',
  );
  console.log(
    '  A short CPU run learns smooth fills that follow the surroundings, not texture detail: DeepFill v2 trains for days on a GPU (256x256, cnum 48, GAN weight 1).',
  );

  const files = [
    'inpainting-loss.svg',
    'inpainting-grid.png',
    'inpainting-generator.json',
    'inpainting-generator.bin',
  ].map((f) => join(out, f));
  // The hinge generator loss can be negative; the chart's axis starts at 0, so it shows the losses that are not.
  await writeLossCurve(
    files[0]!,
    [
      { name: 'lossD', values: history.lossD, color: '#d62728' },
      { name: 'L1 (coarse + refined)', values: history.lossL1, color: '#2ca02c' },
    ],
    {
      title: `gated-convolution inpainting, ${s.steps} steps${settings.quick ? '' : ' (smoothed over 15)'}`,
      smooth: settings.quick ? 1 : 15,
    },
  );
  const completed = complete(testImages, testMasks, testGuides);
  const unguided = complete(testImages, testMasks);
  // Holes shown in white in the input column, with the guide's edges in black.
  const shown = tf.tidy(() =>
    ops.completeImage(testImages, testMasks, tf.sub(1, tf.mul(tf.tile(testGuides, [1, 1, 1, 3]), 2)) as tf.Tensor4D),
  );
  const rows = Array.from({ length: Math.min(4, s.heldOut) }, (_, n) =>
    [shown, unguided, completed, testImages].map((t) =>
      tf.tidy(() =>
        tf.image.resizeNearestNeighbor(tf.slice(t, [n, 0, 0, 0], [1, -1, -1, -1]), [
          s.size * settings.gridScale,
          s.size * settings.gridScale,
        ]),
      ),
    ),
  );
  await writePng(files[1]!, imageGrid(rows, { padding: 4 }));
  // The trained generator, for the browser demo (examples/web/model/ holds a copy of the full run's).
  const saved = await encodeGeneratorWeights(generator, s);
  await writeFile(files[2]!, saved.header);
  await writeFile(files[3]!, saved.data);
  tf.dispose([...rows.flat(), completed, unguided, shown, testImages, testMasks, testGuides, ...textures]);
  trainer.dispose();
  generator.dispose();
  discriminator.dispose();
  return files;
}
