/**
 * Trains pix2pixHD (global generator + multiscale discriminator with feature matching, Wang et
 * al. 2018) on synthetic label maps on the wasm backend: each sample is a scene of rectangles,
 * every rectangle one instance of one of a few classes, and the "photo" paints each class with
 * its own colour and a per-instance shade. The generator sees the one-hot labels plus the
 * instance-boundary map, so it can separate touching objects of one class. Writes a sample grid
 * PNG (rows: label colours | instance edges | generated | real).
 *
 *   npx tsx examples/pix2pixhd-train.ts --steps 300
 *   npx tsx examples/pix2pixhd-train.ts --instance-feat     # also train the instance-feature encoder
 *   npx tsx examples/pix2pixhd-train.ts --help
 *
 * Reference: T.-C. Wang, M.-Y. Liu, J.-Y. Zhu, A. Tao, J. Kautz, B. Catanzaro, "High-Resolution
 * Image Synthesis and Semantic Manipulation with Conditional GANs", CVPR 2018,
 * https://arxiv.org/abs/1711.11585.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, models, ops, training, type BackendName } from '../src/index';
import { createProgressBar, imageGrid, writePng } from '../src/node/index';
import { readIntegers } from './cli-args';

const HELP = `Usage: npx tsx examples/pix2pixhd-train.ts [options]

Options:
  --out <dir>           sample grids (default output/pix2pixhd-run)
  --steps <n>           training steps, one synthetic scene each (default 200)
  --size <n>            image side, a multiple of 2^downsamplings (default 64)
  --down <n>            downsamplings of the global generator (default 3; the paper uses 4)
  --ngf <n>             generator width (default 16; the paper uses 64)
  --ndf <n>             discriminator width (default 16; the paper uses 64)
  --classes <n>         label classes (default 4)
  --instance-feat       also train the instance-feature encoder (its features join the labels)
  --seed <n>            scene and weight seed (default 1)
  --backend <wasm|cpu>  TensorFlow.js backend (default wasm)
  -h, --help            this text`;

const COLOURS = [
  [0.8, 0.2, 0.2],
  [0.2, 0.7, 0.3],
  [0.2, 0.3, 0.9],
  [0.9, 0.8, 0.2],
  [0.6, 0.3, 0.8],
  [0.2, 0.8, 0.8],
];

/** A scene: per-pixel class and instance id, and the "photo" in [-1, 1]. */
function scene(size: number, classes: number, random: () => number) {
  const label = new Int32Array(size * size);
  const inst = new Int32Array(size * size);
  const photo = new Float32Array(size * size * 3);
  for (let k = 1; k <= 6; k++) {
    const [w, h] = [2 + Math.floor(random() * size * 0.5), 2 + Math.floor(random() * size * 0.5)];
    const [x0, y0] = [Math.floor(random() * (size - w)), Math.floor(random() * (size - h))];
    const c = Math.floor(random() * classes);
    for (let y = y0; y < y0 + h; y++)
      for (let x = x0; x < x0 + w; x++) {
        label[y * size + x] = c;
        inst[y * size + x] = k;
      }
  }
  for (let i = 0; i < size * size; i++) {
    const shade = 0.6 + 0.4 * (((inst[i]! * 37) % 11) / 10);
    const colour = COLOURS[label[i]! % COLOURS.length]!;
    for (let ch = 0; ch < 3; ch++) photo[3 * i + ch] = 2 * colour[ch]! * shade - 1;
  }
  return {
    label: tf.tidy(() =>
      tf.cast(tf.oneHot(tf.tensor3d(label, [1, size, size], 'int32'), classes), 'float32'),
    ) as tf.Tensor4D,
    inst: tf.tensor4d(inst, [1, size, size, 1], 'int32'),
    real: tf.tensor4d(photo, [1, size, size, 3]),
  };
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string', default: 'output/pix2pixhd-run' },
      steps: { type: 'string', default: '200' },
      size: { type: 'string', default: '64' },
      down: { type: 'string', default: '3' },
      ngf: { type: 'string', default: '16' },
      ndf: { type: 'string', default: '16' },
      classes: { type: 'string', default: '4' },
      'instance-feat': { type: 'boolean', default: false },
      seed: { type: 'string', default: '1' },
      backend: { type: 'string', default: 'wasm' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const ints = readIntegers('pix2pixhd-train', values, {
    steps: 1,
    size: 8,
    down: 1,
    ngf: 1,
    ndf: 1,
    classes: 2,
    seed: 0,
  });
  if (ints === null) return 1;
  const { steps, size, down, ngf, ndf, classes, seed } = ints;
  await initBackend(values.backend as BackendName);
  const useEncoder = values['instance-feat'];
  const featNum = 3;
  let generator: ReturnType<typeof models.globalGenerator>;
  try {
    // Labels + edge map (+ encoder features) in, RGB out; the size check names the sizes that work.
    generator = models.globalGenerator({
      inputChannels: classes + 1 + (useEncoder ? featNum : 0),
      ngf,
      nDownsampling: down,
      nBlocks: 3,
      inputShape: [size, size],
      seed,
    });
  } catch (e) {
    console.error(`pix2pixhd-train: ${(e as Error).message}`);
    return 1;
  }
  const discriminator = models.multiscaleDiscriminator({ inputChannels: classes + 1 + 3, ndf, seed: seed + 1 });
  const encoder = useEncoder ? models.instanceFeatureEncoder({ ngf: 4, nDownsampling: 2, seed: seed + 2 }) : undefined;
  const trainer = new training.Pix2PixHDTrainer({ generator, discriminator, encoder });
  await mkdir(values.out, { recursive: true });
  console.log(
    `${size}x${size} scenes, ${classes} classes, G ${generator.countParams().toLocaleString('en')} / D ${discriminator.countParams().toLocaleString('en')} parameters${encoder ? ` / E ${encoder.countParams().toLocaleString('en')}` : ''}, ${tf.getBackend()} backend`,
  );
  let state = seed * 2654435761 + 1;
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const bar = createProgressBar({ total: steps, label: 'pix2pixHD' });
  let last = { lossG: 0, lossD: 0 };
  for (let step = 1; step <= steps; step++) {
    const { label, inst, real } = scene(size, classes, random);
    last = await trainer.step(label, real, inst);
    bar.update(step, { G: last.lossG, D: last.lossD });
    if (step === steps) {
      const rows = tf.tidy(() => {
        const edges = ops.instanceEdges(inst);
        const input = tf.concat([label, edges], 3);
        const features = encoder ? (encoder.predict([real, inst]) as tf.Tensor) : null;
        const fake = generator.predict(features ? tf.concat([input, features], 3) : input) as tf.Tensor4D;
        const palette = tf.tensor2d(
          COLOURS.slice(0, classes)
            .flat()
            .concat(Array(Math.max(0, classes - COLOURS.length) * 3).fill(0.5)),
          [classes, 3],
        );
        const colours = tf.sub(
          tf.mul(tf.reshape(tf.matMul(tf.reshape(label, [-1, classes]), palette), [1, size, size, 3]), 2),
          1,
        );
        return [colours, tf.sub(tf.mul(tf.tile(edges, [1, 1, 1, 3]), 2), 1), fake, real] as tf.Tensor4D[];
      });
      await writePng(
        join(values.out, `sample-${String(step).padStart(6, '0')}.png`),
        imageGrid([rows], { padding: 2 }),
      );
      tf.dispose(rows);
    }
    tf.dispose([label, inst, real]);
  }
  bar.stop();
  console.log(`final losses: G ${last.lossG.toFixed(4)}, D ${last.lossD.toFixed(4)}; samples in ${values.out}`);
  trainer.dispose();
  generator.dispose();
  discriminator.dispose();
  encoder?.dispose();
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
