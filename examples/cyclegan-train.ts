/**
 * Trains CycleGAN (two ResNet generators, two PatchGAN discriminators, Zhu et al. 2017) on two
 * unpaired image folders on the wasm backend, with a progress bar, resumable checkpoints and
 * sample grids (rows: A | G_A(A) | G_B(G_A(A)), then B | G_B(B) | G_A(G_B(B))). At the end it
 * prints FID and KID of G_A(A) against B over random crops of the training folders, with the
 * features of a small fixed random-weight network, not Inception: see sample-quality.ts.
 *
 *   npx tsx examples/cyclegan-train.ts datasets/horse2zebra --steps 5000 --out runs/h2z
 *   npx tsx examples/cyclegan-train.ts --demo-data          # tiny cat <-> coffee set from examples/assets
 *   npx tsx examples/cyclegan-train.ts datasets/horse2zebra --resume --out runs/h2z
 *   npx tsx examples/cyclegan-train.ts --help
 *
 * The dataset layout is pytorch-CycleGAN-and-pix2pix's: `<dir>/trainA/` and `<dir>/trainB/`
 * (e.g. its `datasets/download_cyclegan_dataset.sh horse2zebra`).
 *
 * Reference: J.-Y. Zhu, T. Park, P. Isola, A. A. Efros, "Unpaired Image-to-Image Translation
 * using Cycle-Consistent Adversarial Networks", ICCV 2017, https://arxiv.org/abs/1703.10593.
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
  createProgressBar,
  imageGrid,
  loadTrainer,
  readImage,
  resizeImage,
  saveTrainer,
  unalignedDataset,
  writePng,
  type RgbaImage,
} from '../src/node/index';
import { readIntegers } from './cli-args';
import { QUALITY_FEATURES, translationQuality } from './sample-quality';

const HELP = `Usage: npx tsx examples/cyclegan-train.ts <dataset-dir> [options]
       npx tsx examples/cyclegan-train.ts --demo-data [options]

Options:
  --out <dir>           checkpoints and samples (default output/cyclegan-run)
  --steps <n>           training steps, one A and one B image each (default 100)
  --size <n>            crop side, a multiple of 4 (default 64; the paper uses 256)
  --ngf <n>             generator width (default 8; the paper uses 64)
  --ndf <n>             discriminator width (default 8; the paper uses 64)
  --blocks <n>          residual blocks per generator (default 3; the paper uses 9 at 256)
  --save-every <n>      checkpoint and sample grid every n steps (default 50)
  --resume              continue from <out>/checkpoint
  --seed <n>            data, image-pool and weight initialisation seed (default 1)
  --eval <n>            FID/KID at the end: G_A(A) against B over n random crops, 0 to skip (default 64, at least 33;
                        features of a fixed random-weight network, not Inception: not comparable with papers)
  --demo-data           make a tiny unpaired set (cat crops vs coffee crops) in the temp folder and train on it
  --backend <wasm|cpu>  TensorFlow.js backend (default wasm)
  -h, --help            this text`;

function crop(image: RgbaImage<Uint8Array>, x0: number, y0: number, side: number): RgbaImage<Uint8Array> {
  const data = new Uint8Array(side * side * 4);
  for (let y = 0; y < side; y++)
    data.set(
      image.data.subarray(4 * ((y0 + y) * image.width + x0), 4 * ((y0 + y) * image.width + x0 + side)),
      4 * y * side,
    );
  return { width: side, height: side, data };
}

/** trainA: crops of the cat photograph; trainB: crops of the coffee photograph. */
async function makeDemoData(size: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cyclegan-demo-'));
  const load = Math.round(size * 1.125);
  for (const [folder, file] of [
    ['trainA', 'chelsea.png'],
    ['trainB', 'coffee.png'],
  ] as const) {
    await mkdir(join(dir, folder));
    const photo = await readImage(fileURLToPath(new URL(`./assets/${file}`, import.meta.url)));
    const side = Math.floor(Math.min(photo.width, photo.height) * 0.6);
    for (let k = 0; k < 4; k++) {
      const x0 = Math.floor((k / 3) * (photo.width - side));
      const y0 = (k % 2) * (photo.height - side);
      await writePng(join(dir, folder, `${k}.png`), resizeImage(crop(photo, x0, y0, side), load, load));
    }
  }
  return dir;
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string', default: 'output/cyclegan-run' },
      steps: { type: 'string', default: '100' },
      size: { type: 'string', default: '64' },
      ngf: { type: 'string', default: '8' },
      ndf: { type: 'string', default: '8' },
      blocks: { type: 'string', default: '3' },
      'save-every': { type: 'string', default: '50' },
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
  const ints = readIntegers('cyclegan-train', values, {
    steps: 1,
    size: 1,
    ngf: 1,
    ndf: 1,
    blocks: 0,
    'save-every': 1,
    seed: 0,
    eval: 0,
  });
  if (ints === null) return 1;
  const { steps, size, ngf, ndf, blocks, 'save-every': saveEvery, seed, eval: evalCount } = ints;
  if (evalCount !== 0 && evalCount <= QUALITY_FEATURES) {
    console.error(
      `cyclegan-train: --eval must be 0 or more than ${QUALITY_FEATURES} (FID needs more images than features), got ${evalCount}.`,
    );
    return 1;
  }
  if (size % 4 !== 0 || size < 24) {
    // 24: the smallest input of the 3-layer PatchGAN (3 * 2^3).
    console.error(`cyclegan-train: --size must be a multiple of 4, at least 24, got ${size}.`);
    return 1;
  }
  const dir = values['demo-data'] ? await makeDemoData(size) : positionals[0];
  if (!dir) {
    console.error(`cyclegan-train: give a dataset folder (with trainA/ and trainB/ inside) or --demo-data.\n\n${HELP}`);
    return 1;
  }
  await initBackend(values.backend as BackendName);

  const data = await unalignedDataset(dir, { loadSize: Math.round(size * 1.125), cropSize: size, seed });
  const gA = models.resnetGenerator({ ngf, nBlocks: blocks, seed });
  const gB = models.resnetGenerator({ ngf, nBlocks: blocks, seed: seed + 1 });
  const dA = models.patchGANDiscriminator({ inputChannels: 3, ndf, norm: 'instance', seed: seed + 2 });
  const dB = models.patchGANDiscriminator({ inputChannels: 3, ndf, norm: 'instance', seed: seed + 3 });
  const trainer = new training.CycleGANTrainer({ gA, gB, dA, dB, seed });
  const checkpoint = join(values.out, 'checkpoint');
  await mkdir(values.out, { recursive: true });
  let step = 0;
  if (values.resume) {
    if (!existsSync(join(checkpoint, 'trainer.json'))) {
      console.error(`cyclegan-train: --resume but no checkpoint in ${checkpoint}.`);
      return 1;
    }
    await loadTrainer(trainer, checkpoint);
    const state = await trainer.getState();
    step = state.step;
    training.disposeTrainerState(state);
    console.log(`resumed at step ${step}`);
  }
  console.log(
    `${data.length} samples in ${dir}, ${size}x${size}, each G ${gA.countParams().toLocaleString('en')} / D ${dA.countParams().toLocaleString('en')} parameters, ${tf.getBackend()} backend`,
  );

  const bar = createProgressBar({ total: steps, label: 'cyclegan' });
  bar.update(Math.min(step, steps));
  const t0 = performance.now();
  const startStep = step;
  while (step < steps) {
    const { a, b } = await data.get(step % data.length, Math.floor(step / data.length));
    const losses = await trainer.step(a, b);
    step++;
    bar.update(step, {
      G: losses.lossG,
      cycA: losses.lossCycleA,
      cycB: losses.lossCycleB,
      DA: losses.lossDA,
      DB: losses.lossDB,
    });
    if (step % saveEvery === 0 || step === steps) {
      await saveTrainer(trainer, checkpoint);
      const rows = tf.tidy(() => {
        const fakeB = gA.predict(a) as tf.Tensor4D;
        const fakeA = gB.predict(b) as tf.Tensor4D;
        return [a, fakeB, gB.predict(fakeB) as tf.Tensor4D, b, fakeA, gA.predict(fakeA) as tf.Tensor4D].map((t) =>
          tf.keep(t.clone()),
        );
      });
      await writePng(
        join(values.out, `sample-${String(step).padStart(6, '0')}.png`),
        imageGrid([rows.slice(0, 3), rows.slice(3)], { padding: 2 }),
      );
      tf.dispose(rows);
    }
    tf.dispose([a, b]);
  }
  bar.stop();
  const done = step - startStep;
  if (done > 0)
    console.log(
      `${done} steps in ${((performance.now() - t0) / 1000).toFixed(1)} s; checkpoint in ${checkpoint}, sample grids in ${values.out}`,
    );
  if (evalCount > 0) {
    // G_A(A) against B.
    console.log(await translationQuality(data, (a) => gA.predict(a) as tf.Tensor4D, evalCount));
  }
  trainer.dispose();
  for (const m of [gA, gB, dA, dB]) m.dispose();
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
