import * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import { models, ops, training } from '../../src/index';
import { createProgressBar, imageGrid, readImage, tensorToImage, writePng, type RgbaImage } from '../../src/node/index';
import { mulberry32 } from '../seeded-random';
import { writeLossCurve } from './loss-curve';
import type { DemoSettings } from './settings';

const assets = new URL('../assets/', import.meta.url);

/** The three labels: name, the CC0 photo whose brightness paints it, and its colour ramp (dark, light). */
const LABELS = [
  { name: 'sky', photo: 'coffee.png', dark: [70, 120, 200], light: [225, 235, 250] },
  { name: 'grass', photo: 'gravel.png', dark: [20, 70, 15], light: [140, 200, 70] },
  { name: 'water', photo: 'brick.png', dark: [10, 40, 90], light: [70, 150, 190] },
] as const;

/** Colours of the label map picture. */
const LABEL_COLOURS = [
  [120, 170, 255],
  [60, 170, 60],
  [30, 70, 160],
];

/** Brightness in [0, 1] of every pixel of a photo. */
function luminance(image: RgbaImage<Uint8Array>): { width: number; height: number; data: Float32Array } {
  const data = new Float32Array(image.width * image.height);
  for (let i = 0; i < data.length; i++) {
    const [r, g, b] = [image.data[4 * i]!, image.data[4 * i + 1]!, image.data[4 * i + 2]!];
    data[i] = (0.299 * r + 0.587 * g + 0.114 * b) / 255;
  }
  return { width: image.width, height: image.height, data };
}

type Photo = ReturnType<typeof luminance>;

/**
 * One synthetic scene: sky above a wavy horizon, grass and water below, split by a wavy line;
 * every region painted with its photo's brightness (a random crop) on the label's colour ramp.
 * Returns the label ids [size * size] and the RGB image in [-1, 1] [size * size * 3].
 */
function scene(size: number, photos: Photo[], rand: () => number): { labels: Int32Array; rgb: Float32Array } {
  const labels = new Int32Array(size * size);
  const rgb = new Float32Array(size * size * 3);
  const horizon = size * (0.3 + 0.25 * rand());
  const [amp, freq, phase] = [size * 0.06 * rand(), 1 + 3 * rand(), 6.28 * rand()];
  const split = size * (0.25 + 0.5 * rand());
  const grassLeft = rand() < 0.5;
  const offsets = photos.map((p) => [Math.floor(rand() * (p.width - size)), Math.floor(rand() * (p.height - size))]);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let label = 0;
      if (y > horizon + amp * Math.sin(((freq * x) / size) * 6.28 + phase)) {
        const left = x < split + size * 0.1 * Math.sin((y / size) * 9 + phase);
        label = left === grassLeft ? 1 : 2;
      }
      const i = y * size + x;
      labels[i] = label;
      const p = photos[label]!;
      const [ox, oy] = offsets[label]!;
      const lum = p.data[(oy! + y) * p.width + ox! + x]!;
      const { dark, light } = LABELS[label]!;
      for (let c = 0; c < 3; c++) rgb[3 * i + c] = (dark[c]! + lum * (light[c]! - dark[c]!)) / 127.5 - 1;
    }
  }
  return { labels, rgb };
}

/** A batch of scenes: one-hot label maps [n, size, size, 3], images [n, size, size, 3], the ids. */
function batch(size: number, n: number, photos: Photo[], rand: () => number) {
  const labels = new Int32Array(n * size * size);
  const rgb = new Float32Array(n * size * size * 3);
  for (let k = 0; k < n; k++) {
    const s = scene(size, photos, rand);
    labels.set(s.labels, k * size * size);
    rgb.set(s.rgb, k * size * size * 3);
  }
  const ids = tf.tensor3d(labels, [n, size, size], 'int32');
  const segmap = ops.labelMapToOneHot(ids, LABELS.length);
  ids.dispose();
  return { segmap, image: tf.tensor4d(rgb, [n, size, size, 3]), labels };
}

/** A tensor made in a tidy scope, as an 8-bit picture (the tensor is disposed). */
function picture(make: () => tf.Tensor): RgbaImage<Uint8Array> {
  const t = tf.tidy(make);
  const image = tensorToImage(t);
  t.dispose();
  return image;
}

/** The label map as a colour picture. */
function labelPicture(labels: Int32Array, offset: number, size: number): RgbaImage<Uint8Array> {
  const data = new Uint8Array(size * size * 4);
  for (let i = 0; i < size * size; i++) data.set([...LABEL_COLOURS[labels[offset + i]!]!, 255], 4 * i);
  return { width: size, height: size, data };
}

/**
 * GauGAN (SPADE) on synthetic label maps: sky, grass and water regions painted from the CC0
 * photos' brightness. Trains a small SPADE generator and multi-scale discriminator with
 * {@link training.GauGANTrainer} and writes a loss curve and a label map | output | target grid
 * of held-out scenes. Returns the files written.
 *
 * @example
 * ```ts
 * await initBackend('wasm');
 * const files = await runGauGAN('demo-output', QUICK_SETTINGS); // [gaugan-loss.svg, gaugan-grid.png]
 * ```
 */
export async function runGauGAN(out: string, settings: DemoSettings): Promise<string[]> {
  const s = settings.gaugan;
  const photos = await Promise.all(
    LABELS.map(async (l) => luminance(await readImage(new URL(l.photo, assets).pathname))),
  );
  const rand = mulberry32(11);
  const held = batch(s.size, s.heldOut, photos, mulberry32(4321));
  const generator = models.spadeGenerator({
    semanticChannels: LABELS.length,
    ngf: s.ngf,
    hiddenChannels: s.hidden,
    inputShape: [s.size, s.size],
    seed: 21,
  });
  const discriminator = models.spadeMultiscaleDiscriminator({
    inputChannels: LABELS.length + 3,
    ndf: s.ndf,
    nLayers: 3,
    seed: 22,
  });
  const trainer = new training.GauGANTrainer({ generator, discriminator, lr: s.lr });
  console.log(
    `  ${s.size}x${s.size} scenes (sky, grass, water), batch ${s.batch}, ${s.steps} steps, lr ${s.lr} (TTUR: G lr / 2, D lr * 2), backend ${tf.getBackend()}`,
  );
  console.log(
    `  SPADE generator ngf ${s.ngf}, ${s.hidden} hidden (${generator.countParams()} parameters), 2-scale discriminator ndf ${s.ndf} (${discriminator.countParams()} parameters); no VGG loss (no pretrained weights here)`,
  );
  const l1 = () =>
    tf.tidy(() => tf.mean(tf.abs(tf.sub(generator.predict(held.segmap) as tf.Tensor, held.image))).dataSync()[0]!);
  const before = l1();
  const history = { lossD: [] as number[], lossGGan: [] as number[], lossGFeat: [] as number[] };
  const bar = createProgressBar({ total: s.steps, label: 'gaugan' });
  const t0 = performance.now();
  for (let i = 0; i < s.steps; i++) {
    const b = batch(s.size, s.batch, photos, rand);
    const losses = await trainer.step(b.segmap, b.image);
    tf.dispose([b.segmap, b.image]);
    history.lossD.push(losses.lossD);
    history.lossGGan.push(losses.lossGGan);
    history.lossGFeat.push(losses.lossGFeat);
    bar.tick({ D: losses.lossD, G: losses.lossG });
  }
  bar.stop();
  const seconds = (performance.now() - t0) / 1000;
  const after = l1();
  console.log(
    `  after ${s.steps} steps (${seconds.toFixed(0)} s, ${((1000 * seconds) / s.steps).toFixed(0)} ms/step) the mean |output - target| on ${s.heldOut} held-out scenes ` +
      `${after < before ? 'fell' : 'went'} from ${before.toFixed(3)} to ${after.toFixed(3)} (images in [-1, 1]; GauGAN has no L1 term, so this only tracks the colours).`,
  );
  const files = [join(out, 'gaugan-loss.svg'), join(out, 'gaugan-grid.png')];
  await writeLossCurve(
    files[0]!,
    [
      { name: 'lossD', values: history.lossD, color: '#d62728' },
      { name: 'lossGGan', values: history.lossGGan, color: '#1f77b4' },
      { name: 'lossGFeat', values: history.lossGFeat, color: '#2ca02c' },
    ],
    { title: `GauGAN on synthetic scenes, ${s.steps} steps`, smooth: settings.quick ? 1 : 10 },
  );
  const fake = generator.predict(held.segmap) as tf.Tensor4D;
  const scale = settings.gridScale;
  const big = (img: RgbaImage<Uint8Array>) =>
    scale === 1
      ? img
      : picture(() => {
          const t = tf.tensor3d(img.data, [img.height, img.width, 4], 'int32');
          const r = tf.image.resizeNearestNeighbor(tf.cast(t, 'float32') as tf.Tensor3D, [
            img.height * scale,
            img.width * scale,
          ]);
          return tf.sub(tf.div(tf.slice(r, [0, 0, 0], [-1, -1, 3]), 127.5), 1);
        });
  const rows = Array.from({ length: Math.min(4, s.heldOut) }, (_, n) => {
    const pick = (t: tf.Tensor4D) => picture(() => tf.slice(t, [n, 0, 0, 0], [1, -1, -1, -1]));
    return [labelPicture(held.labels, n * s.size * s.size, s.size), pick(fake), pick(held.image)].map(big);
  });
  await writePng(files[1]!, imageGrid(rows, { padding: 4 }));
  tf.dispose([fake, held.segmap, held.image]);
  trainer.dispose();
  generator.dispose();
  discriminator.dispose();
  return files;
}
