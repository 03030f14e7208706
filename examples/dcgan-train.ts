/**
 * A small DCGAN (or WGAN / WGAN-GP) trained on random crops of the bundled sample photographs
 * (examples/assets: chelsea, coffee), each photo first scaled down so that a crop shows a
 * recognisable part of it. Prints the losses, then FID and KID of samples against random real
 * crops (features of a small fixed random-weight network, not Inception: see sample-quality.ts),
 * and writes one picture: a row of samples from fixed noise, then a row walking between two
 * latent vectors with ops.slerp.
 *
 * The data set is tiny (two photos), so expect a generator that learns their colours and
 * textures, not new photographs; DCGAN on LSUN or CelebA trains for hours on a GPU.
 *
 *   npx tsx examples/dcgan-train.ts                              # 300 steps, 32x32, batch 16
 *   npx tsx examples/dcgan-train.ts --loss wgan --steps 1000     # weight clipping, RMSprop, 5 critic steps
 *   npx tsx examples/dcgan-train.ts --help
 *
 * Reference: A. Radford, L. Metz, S. Chintala, "Unsupervised Representation Learning with Deep
 * Convolutional Generative Adversarial Networks", ICLR 2016; M. Arjovsky, S. Chintala, L. Bottou,
 * "Wasserstein GAN", ICML 2017.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, models, ops, training, type BackendName } from '../src/index';
import { imageGrid, imageToTensor, readImage, writePng } from '../src/node/index';
import { readIntegers } from './cli-args';
import { formatSampleQuality, QUALITY_FEATURES, sampleQuality } from './sample-quality';
import { mulberry32 } from './seeded-random';

const HELP = `Usage: npx tsx examples/dcgan-train.ts [options]

Options:
  --steps <n>           trainer steps (default 300)
  --size <n>            image side: 16, 32 or 64 (default 32)
  --batch <n>           real images per step (default 16)
  --nz <n>              latent length (default 32; DCGAN uses 100)
  --ngf <n>             generator width (default 16; DCGAN uses 64)
  --ndf <n>             discriminator width (default 16; DCGAN uses 64)
  --loss <bce|wgan|wgan-gp>  objective (default bce)
  --seed <n>            seed of crops, weights and noise (default 1)
  --eval <n>            FID/KID at the end over n samples and n real crops, 0 to skip (default 256, at least 33;
                        features of a fixed random-weight network, not Inception: not comparable with papers)
  --out <file>          the picture (default output/dcgan.png)
  --backend <wasm|cpu>  TensorFlow.js backend (default wasm)
  -h, --help            this text`;

/** A batch of random size x size crops, with random horizontal flips, in [-1, 1]. */
function makeBatch(photos: tf.Tensor4D[], size: number, batch: number, random: () => number): tf.Tensor4D {
  return tf.tidy(() => {
    const crops: tf.Tensor4D[] = [];
    for (let i = 0; i < batch; i++) {
      const photo = photos[Math.floor(random() * photos.length)]!;
      const [, h, w] = photo.shape;
      const y = Math.floor(random() * (h - size + 1));
      const x = Math.floor(random() * (w - size + 1));
      const crop = tf.slice(photo, [0, y, x, 0], [1, size, size, 3]);
      crops.push(random() < 0.5 ? crop : (tf.reverse(crop, 2) as tf.Tensor4D));
    }
    return tf.concat(crops, 0);
  });
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      steps: { type: 'string', default: '300' },
      size: { type: 'string', default: '32' },
      batch: { type: 'string', default: '16' },
      nz: { type: 'string', default: '32' },
      ngf: { type: 'string', default: '16' },
      ndf: { type: 'string', default: '16' },
      loss: { type: 'string', default: 'bce' },
      seed: { type: 'string', default: '1' },
      eval: { type: 'string', default: '256' },
      out: { type: 'string', default: 'output/dcgan.png' },
      backend: { type: 'string', default: 'wasm' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const ints = readIntegers('dcgan-train', values, {
    steps: 1,
    size: 16,
    batch: 1,
    nz: 1,
    ngf: 1,
    ndf: 1,
    seed: 0,
    eval: 0,
  });
  if (ints === null) return 1;
  const { steps, size, batch, nz, ngf, ndf, seed, eval: evalCount } = ints;
  if (evalCount !== 0 && evalCount <= QUALITY_FEATURES) {
    console.error(
      `dcgan-train: --eval must be 0 or more than ${QUALITY_FEATURES} (FID needs more images than features), got ${evalCount}.`,
    );
    return 1;
  }
  if (![16, 32, 64].includes(size)) {
    console.error(`dcgan-train: --size must be 16, 32 or 64, got ${size}.`);
    return 1;
  }
  const loss = values.loss as training.DCGANLoss;
  if (!training.DCGAN_LOSSES.includes(loss)) {
    console.error(
      `dcgan-train: --loss must be one of ${training.DCGAN_LOSSES.join(', ')}, got ${JSON.stringify(values.loss)}.`,
    );
    return 1;
  }
  await initBackend(values.backend as BackendName);
  const assets = (name: string) => fileURLToPath(new URL(`./assets/${name}`, import.meta.url));
  // Scale each photo so that its shorter side is 2.5 crops: a crop shows a part of the photo.
  const photos = await Promise.all(
    ['chelsea.png', 'coffee.png'].map(async (name) => {
      const full = imageToTensor(await readImage(assets(name))); // [1, h, w, 3] in [-1, 1]
      const [, h, w] = full.shape;
      const scale = (2.5 * size) / Math.min(h, w);
      const small = tf.image.resizeBilinear(full, [Math.round(h * scale), Math.round(w * scale)], true); // [-1, 1] kept
      full.dispose();
      return small;
    }),
  );

  const generator = models.dcganGenerator({ nz, ngf, imageSize: size, seed });
  const discriminator = models.dcganDiscriminator({ ndf, imageSize: size, sigmoid: loss === 'bce', seed: seed + 1 });
  const trainer = new training.DCGANTrainer({ generator, discriminator, loss, seed: seed + 2 });
  console.log(
    `DCGAN ${size}x${size}, loss ${loss}: G ${generator.countParams().toLocaleString('en')} and D ${discriminator.countParams().toLocaleString('en')} weights on ${tf.getBackend()}`,
  );
  const random = mulberry32(seed);
  const t0 = performance.now();
  for (let step = 1; step <= steps; step++) {
    const real = makeBatch(photos, size, batch, random);
    const l = await trainer.step(real);
    real.dispose();
    if (step === 1 || step === steps || step % Math.max(1, Math.floor(steps / 10)) === 0) {
      const g = l.lossG === null ? '(no G update this step)' : `lossG ${l.lossG.toFixed(4)}`;
      console.log(`step ${String(step).padStart(5)}  lossD ${l.lossD.toFixed(4)}  ${g}`);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  console.log(`${steps} steps in ${seconds.toFixed(1)} s (${((1000 * seconds) / steps).toFixed(0)} ms/step)`);

  if (evalCount > 0) {
    // Samples from their own noise, against real crops drawn as the training batches are.
    const evalRandom = mulberry32(seed + 5);
    const generated = tf.tidy(() => generator.predict(tf.randomNormal([evalCount, nz], 0, 1, 'float32', seed + 6)));
    const real = makeBatch(photos, size, evalCount, evalRandom);
    const quality = await sampleQuality(generated as tf.Tensor4D, real);
    console.log(formatSampleQuality(quality, evalCount));
    tf.dispose([generated, real]);
  }

  // Row 1: samples from fixed noise. Row 2: a slerp walk between two latent vectors.
  const z = tf.randomNormal([8, nz], 0, 1, 'float32', seed + 3);
  const ends = tf.randomNormal([2, nz], 0, 1, 'float32', seed + 4);
  const [a, b] = tf.split(ends, 2, 0);
  const walk = ops.slerp(a!, b!, [0, 1 / 7, 2 / 7, 3 / 7, 4 / 7, 5 / 7, 6 / 7, 1]);
  const samples = generator.predict(z) as tf.Tensor4D;
  const between = tf.tidy(() => generator.predict(tf.reshape(walk, [8, nz])) as tf.Tensor4D);
  const rows = [tf.unstack(samples), tf.unstack(between)];
  const out = values.out!;
  await mkdir(dirname(out), { recursive: true });
  await writePng(out, imageGrid(rows, { padding: 2, range: [-1, 1] }));
  console.log(`wrote ${out}: samples from fixed noise, then a slerp walk between two latent vectors`);
  tf.dispose([z, ends, a!, b!, walk, samples, between, ...rows.flat(), ...photos]);
  trainer.dispose();
  generator.dispose();
  discriminator.dispose();
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
