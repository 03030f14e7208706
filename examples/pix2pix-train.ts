/**
 * Trains pix2pix (U-Net generator + PatchGAN discriminator, Isola et al. 2017) on an aligned
 * folder dataset on the wasm backend, with a progress bar, resumable checkpoints and a sample
 * grid PNG (rows: input A | generated B | real B). At the end it prints FID and KID of G(A)
 * against B over random crops of the training pairs (this layout has no test split here), with
 * the features of a small fixed random-weight network, not Inception: see sample-quality.ts.
 *
 *   npx tsx examples/pix2pix-train.ts datasets/facades --steps 2000 --out runs/facades
 *   npx tsx examples/pix2pix-train.ts --demo-data          # tiny grey -> colour set made from examples/assets
 *   npx tsx examples/pix2pix-train.ts datasets/facades --resume --out runs/facades
 *   npx tsx examples/pix2pix-train.ts --help
 *
 * The dataset layout is pytorch-CycleGAN-and-pix2pix's: `<dir>/train/*.png|jpg`, each image
 * holding A on the left half and B on the right half (e.g. its `datasets/download_pix2pix_dataset.sh facades`).
 *
 * Reference: P. Isola, J.-Y. Zhu, T. Zhou, A. A. Efros, "Image-to-Image Translation with
 * Conditional Adversarial Networks", CVPR 2017, https://arxiv.org/abs/1611.07004.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, models, training, type BackendName } from '../src/index';
import {
  alignedDataset,
  createProgressBar,
  imageGrid,
  loadTrainer,
  readImage,
  resizeImage,
  saveTrainer,
  writePng,
  type RgbaImage,
} from '../src/node/index';
import { readIntegers } from './cli-args';
import { QUALITY_FEATURES, translationQuality } from './sample-quality';

const HELP = `Usage: npx tsx examples/pix2pix-train.ts <dataset-dir> [options]
       npx tsx examples/pix2pix-train.ts --demo-data [options]

Options:
  --out <dir>           checkpoints and samples (default output/pix2pix-run)
  --steps <n>           training steps, one image pair each (default 200)
  --size <n>            crop side, a power of two >= 32 (default 64; the paper uses 256)
  --ngf <n>             generator width (default 16; the paper uses 64)
  --ndf <n>             discriminator width (default 16; the paper uses 64)
  --save-every <n>      checkpoint and sample grid every n steps (default 100)
  --direction <AtoB|BtoA>  (default AtoB)
  --resume              continue from <out>/checkpoint
  --seed <n>            data augmentation and weight initialisation seed (default 1)
  --eval <n>            FID/KID at the end: G(A) against B over n random crops of the pairs, 0 to skip (default 64,
                        at least 33; features of a fixed random-weight network, not Inception: not comparable with papers)
  --demo-data           make a tiny dataset (grey -> colour crops of examples/assets) in the temp folder and train on it
  --backend <wasm|cpu>  TensorFlow.js backend (default wasm)
  -h, --help            this text`;

/** A few A|B pairs (A = grey, B = colour) cut from the sample photographs, for a quick run. */
async function makeDemoData(size: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pix2pix-demo-'));
  await mkdir(join(dir, 'train'));
  const photos = await Promise.all(
    ['chelsea.png', 'coffee.png'].map((f) => readImage(fileURLToPath(new URL(`./assets/${f}`, import.meta.url)))),
  );
  let n = 0;
  for (const photo of photos) {
    for (let k = 0; k < 4; k++) {
      const side = Math.min(photo.width, photo.height) / 2;
      const [x0, y0] = [
        Math.floor((k % 2) * (photo.width - side)),
        Math.floor(Math.floor(k / 2) * (photo.height - side)),
      ];
      const pair: RgbaImage<Uint8Array> = { width: 2 * side, height: side, data: new Uint8Array(2 * side * side * 4) };
      for (let y = 0; y < side; y++) {
        for (let x = 0; x < side; x++) {
          const s = 4 * ((y0 + y) * photo.width + x0 + x);
          const [r, g, b] = [photo.data[s]!, photo.data[s + 1]!, photo.data[s + 2]!];
          const grey = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
          pair.data.set([grey, grey, grey, 255], 4 * (y * 2 * side + x));
          pair.data.set([r, g, b, 255], 4 * (y * 2 * side + side + x));
        }
      }
      await writePng(
        join(dir, 'train', `${n++}.png`),
        resizeImage(pair, 2 * Math.round(size * 1.125), Math.round(size * 1.125)),
      );
    }
  }
  return dir;
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string', default: 'output/pix2pix-run' },
      steps: { type: 'string', default: '200' },
      size: { type: 'string', default: '64' },
      ngf: { type: 'string', default: '16' },
      ndf: { type: 'string', default: '16' },
      'save-every': { type: 'string', default: '100' },
      direction: { type: 'string', default: 'AtoB' },
      resume: { type: 'boolean', default: false },
      seed: { type: 'string', default: '1' },
      eval: { type: 'string', default: '64' },
      'demo-data': { type: 'boolean', default: false },
      backend: { type: 'string', default: 'wasm' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const ints = readIntegers('pix2pix-train', values, { steps: 1, ngf: 1, ndf: 1, 'save-every': 1, eval: 0 });
  if (ints === null) return 1;
  const { steps, ngf, ndf, 'save-every': saveEvery, eval: evalCount } = ints;
  if (evalCount !== 0 && evalCount <= QUALITY_FEATURES) {
    console.error(
      `pix2pix-train: --eval must be 0 or more than ${QUALITY_FEATURES} (FID needs more images than features), got ${evalCount}.`,
    );
    return 1;
  }
  const [size, seed] = [Number(values.size), Number(values.seed)];
  const numDowns = Math.log2(size);
  if (!Number.isInteger(numDowns) || size < 32) {
    console.error(
      `pix2pix-train: --size must be a power of two >= 32 (the U-Net halves it numDowns times), got ${JSON.stringify(values.size)}.`,
    );
    return 1;
  }
  if (values.direction !== 'AtoB' && values.direction !== 'BtoA') {
    console.error(`pix2pix-train: --direction must be AtoB or BtoA, got ${JSON.stringify(values.direction)}.`);
    return 1;
  }
  const dir = values['demo-data'] ? await makeDemoData(size) : positionals[0];
  if (!dir) {
    console.error(`pix2pix-train: give a dataset folder (with train/ inside) or --demo-data.\n\n${HELP}`);
    return 1;
  }
  await initBackend(values.backend as BackendName);

  // Load at 9/8 of the crop, as the reference's 286 -> 256 resize_and_crop.
  const data = await alignedDataset(dir, {
    loadSize: Math.round(size * 1.125),
    cropSize: size,
    seed,
    direction: values.direction,
  });
  // Instance norm (the reference's --norm instance): with batch size 1 it is what batch norm
  // computes in training mode, and the sample grids (inference) then need no running statistics.
  const generator = models.unetGenerator({ ngf, numDowns: Math.min(8, numDowns), norm: 'instance', seed });
  const discriminator = models.patchGANDiscriminator({ inputChannels: 6, ndf, seed: seed + 1 });
  const trainer = new training.Pix2PixTrainer({ generator, discriminator });
  const checkpoint = join(values.out, 'checkpoint');
  await mkdir(values.out, { recursive: true });
  let step = 0;
  if (values.resume) {
    if (!existsSync(join(checkpoint, 'trainer.json'))) {
      console.error(`pix2pix-train: --resume but no checkpoint in ${checkpoint}.`);
      return 1;
    }
    await loadTrainer(trainer, checkpoint);
    const state = await trainer.getState();
    step = state.step;
    training.disposeTrainerState(state);
    console.log(`resumed at step ${step}`);
  }
  console.log(
    `${data.length} pairs in ${dir}, ${size}x${size}, G ${generator.countParams().toLocaleString('en')} / D ${discriminator.countParams().toLocaleString('en')} parameters, ${tf.getBackend()} backend`,
  );

  const bar = createProgressBar({ total: steps, label: 'pix2pix' });
  bar.update(Math.min(step, steps));
  let epoch = Math.floor(step / data.length);
  const t0 = performance.now();
  const startStep = step;
  while (step < steps) {
    const { a, b } = await data.get(step % data.length, epoch);
    const losses = await trainer.step(a, b);
    step++;
    bar.update(step, { G: losses.lossGGan, L1: losses.lossGL1, D: losses.lossD });
    if (step % data.length === 0) epoch++;
    if (step % saveEvery === 0 || step === steps) {
      await saveTrainer(trainer, checkpoint);
      const fake = tf.tidy(() => generator.predict(a) as tf.Tensor4D);
      await writePng(
        join(values.out, `sample-${String(step).padStart(6, '0')}.png`),
        imageGrid([[a, fake, b]], { padding: 2 }),
      );
      fake.dispose();
    }
    tf.dispose([a, b]);
  }
  bar.stop();
  const done = step - startStep;
  if (done > 0)
    console.log(
      `${done} steps in ${((performance.now() - t0) / 1000).toFixed(1)} s; checkpoint in ${checkpoint}, sample grids (A | G(A) | B) in ${values.out}`,
    );
  if (evalCount > 0) {
    console.log(await translationQuality(data, (a) => generator.predict(a) as tf.Tensor4D, evalCount));
  }
  trainer.dispose();
  generator.dispose();
  discriminator.dispose();
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
