import * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import { models, training } from '../../src/index';
import { createProgressBar, imageGrid, writePng } from '../../src/node/index';
import { writeLossCurve } from './loss-curve';
import type { DemoSettings } from './settings';
import { mulberry32 } from '../seeded-random';
import { BACKGROUND, shapeBatch } from './shapes-dataset';

/**
 * Mean |G(A) - B| over held-out pairs, with the generator in inference mode (running statistics):
 * over all pixels, over the background and over the shapes (target pixels not of the background
 * colour), since a short run learns the background long before it learns to colour the shapes.
 */
function heldOutL1(
  generator: { predict: (x: tf.Tensor) => tf.Tensor | tf.Tensor[] },
  a: tf.Tensor4D,
  b: tf.Tensor4D,
): [number, number, number] {
  const l1 = tf.tidy(() => {
    const err = tf.mean(tf.abs(tf.sub(generator.predict(a) as tf.Tensor, b)), 3, true);
    const bg = tf.cast(
      tf.all(tf.less(tf.abs(tf.sub(b, tf.tensor1d(BACKGROUND.map((v) => v / 127.5 - 1)))), 1e-3), 3, true),
      'float32',
    );
    const shapes = tf.sub(1, bg);
    return tf.stack([
      tf.mean(err),
      tf.div(tf.sum(tf.mul(err, bg)), tf.sum(bg)),
      tf.div(tf.sum(tf.mul(err, shapes)), tf.sum(shapes)),
    ]);
  });
  const [all, background, shapes] = l1.dataSync();
  l1.dispose();
  return [all!, background!, shapes!];
}

/**
 * pix2pix on procedurally drawn outlines -> filled shapes: a U-Net generator and a PatchGAN
 * discriminator trained with {@link training.Pix2PixTrainer}; writes a loss curve (SVG) and an
 * input | output | target grid of held-out pairs. Returns the files written.
 *
 * @example
 * ```ts
 * await initBackend('wasm');
 * const files = await runPix2Pix('demo-output', QUICK_SETTINGS); // [pix2pix-loss.svg, pix2pix-grid.png]
 * ```
 */
export async function runPix2Pix(out: string, settings: DemoSettings): Promise<string[]> {
  const s = settings.pix2pix;
  const rand = mulberry32(7);
  const [testA, testB] = shapeBatch(s.size, s.heldOut, mulberry32(1234));
  const generator = models.unetGenerator({ ngf: s.ngf, numDowns: s.numDowns, inputShape: [s.size, s.size], seed: 7 });
  const discriminator = models.patchGANDiscriminator({
    inputChannels: 6,
    ndf: s.ndf,
    inputShape: [s.size, s.size],
    seed: 8,
  });
  // Learning rate 1e-3 instead of the reference 2e-4: a few hundred steps at 2e-4 only learn the background.
  const trainer = new training.Pix2PixTrainer({ generator, discriminator, lr: s.lr });
  console.log(
    `  ${s.size}x${s.size} outlines -> filled shapes, batch ${s.batch}, ${s.steps} steps, Adam lr ${s.lr}, backend ${tf.getBackend()}`,
  );
  console.log(
    `  U-Net ngf ${s.ngf} numDowns ${s.numDowns} (${generator.countParams()} parameters), PatchGAN ndf ${s.ndf} (${discriminator.countParams()} parameters)`,
  );
  const before = heldOutL1(generator, testA, testB);
  const history = { lossD: [] as number[], lossG: [] as number[], lossGL1: [] as number[] };
  const bar = createProgressBar({ total: s.steps, label: 'pix2pix' });
  const t0 = performance.now();
  for (let i = 0; i < s.steps; i++) {
    const [a, b] = shapeBatch(s.size, s.batch, rand);
    const losses = await trainer.step(a, b);
    tf.dispose([a, b]);
    history.lossD.push(losses.lossD);
    history.lossG.push(losses.lossG);
    history.lossGL1.push(losses.lossGL1);
    bar.tick({ D: losses.lossD, G: losses.lossG, L1: losses.lossGL1 });
  }
  bar.stop();
  const seconds = (performance.now() - t0) / 1000;
  const after = heldOutL1(generator, testA, testB);
  console.log(
    `  after ${s.steps} steps (${seconds.toFixed(0)} s, ${((1000 * seconds) / s.steps).toFixed(0)} ms/step) the L1 error on ${s.heldOut} held-out pairs ` +
      `${after[0] < before[0] ? 'fell' : 'went'} from ${before[0].toFixed(3)} to ${after[0].toFixed(3)} (images in [-1, 1]): ` +
      `on the background from ${before[1].toFixed(3)} to ${after[1].toFixed(3)}, inside the shapes from ${before[2].toFixed(3)} to ${after[2].toFixed(3)}.`,
  );
  console.log(
    "  The background and the shapes' extent come first; colouring each shape by its kind (discs red, boxes blue, triangles green)\n" +
      '  takes far longer, so compare the middle (output) and right (target) columns of the grid.',
  );
  console.log(
    `  This is a toy task at ${s.size}x${s.size}; a real pix2pix model (256x256, ngf 64) needs ~200 epochs on a GPU.`,
  );

  const files = [join(out, 'pix2pix-loss.svg'), join(out, 'pix2pix-grid.png')];
  // lossG = lossGGan + 100 * lossGL1 is ~100 times the others, hence the logarithmic axis.
  await writeLossCurve(
    files[0]!,
    [
      { name: 'lossD', values: history.lossD, color: '#d62728' },
      { name: 'lossG', values: history.lossG, color: '#1f77b4' },
      { name: 'lossGL1', values: history.lossGL1, color: '#2ca02c' },
    ],
    {
      title: `pix2pix on outlines -> shapes, ${s.steps} steps${settings.quick ? '' : ' (smoothed over 15)'}`,
      smooth: settings.quick ? 1 : 15,
      logY: true,
    },
  );
  const fake = generator.predict(testA) as tf.Tensor4D;
  const rows = Array.from({ length: Math.min(4, s.heldOut) }, (_, n) =>
    [testA, fake, testB].map((t) =>
      tf.tidy(() =>
        tf.image.resizeNearestNeighbor(tf.slice(t, [n, 0, 0, 0], [1, -1, -1, -1]), [
          s.size * settings.gridScale,
          s.size * settings.gridScale,
        ]),
      ),
    ),
  );
  await writePng(files[1]!, imageGrid(rows, { padding: 4 }));
  tf.dispose([...rows.flat(), fake, testA, testB]);
  trainer.dispose();
  generator.dispose();
  discriminator.dispose();
  return files;
}
