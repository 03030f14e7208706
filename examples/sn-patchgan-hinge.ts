/**
 * The SN-PatchGAN discriminator of DeepFill v2 trained a few steps with the hinge loss, on its
 * own: real crops of the sample photographs against "fakes" whose hole was filled naively
 * (the crop's mean colour plus noise), so the discriminator has something to learn without a generator.
 * Prints the hinge loss, the mean scores of real and fake patches, and for every spectrally
 * normalised convolution the stored estimate sigma = u^T W v next to a converged power
 * iteration (50 steps) of the same kernel.
 *
 * Expect slow progress: every layer is 1-Lipschitz, so the scores start near 0 and the
 * real-minus-fake margin grows a little per step (DeepFill v2 trains for hundreds of thousands
 * of steps); the point here is the mechanics, the hinge terms and the spectral norms.
 *
 *   npx tsx examples/sn-patchgan-hinge.ts                     # 30 steps, 64x64 crops, batch 4
 *   npx tsx examples/sn-patchgan-hinge.ts --steps 100 --size 128 --ndf 32
 *   npx tsx examples/sn-patchgan-hinge.ts --help
 *
 * Reference: J. Yu et al., "Free-Form Image Inpainting with Gated Convolution", ICCV 2019
 * (SN-PatchGAN, hinge loss); T. Miyato et al., "Spectral Normalization for Generative
 * Adversarial Networks", ICLR 2018.
 */
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { initBackend, losses, models, ops, training, type BackendName } from '../src/index';
import { imageToTensor, readImage } from '../src/node/index';
import { readIntegers } from './cli-args';
import { mulberry32 } from './seeded-random';

const HELP = `Usage: npx tsx examples/sn-patchgan-hinge.ts [options]

Options:
  --steps <n>           discriminator steps (default 30)
  --size <n>            crop side, a multiple of 64 is best (default 64)
  --batch <n>           real and fake images per step (default 4)
  --ndf <n>             discriminator width (default 16; DeepFill v2 uses 64)
  --lr <x>              Adam learning rate (default 1e-3; DeepFill v2 uses 1e-4), beta1 0.5, beta2 0.999
  --seed <n>            seed of crops, masks and weight initialisation (default 1)
  --backend <wasm|cpu>  TensorFlow.js backend (default wasm)
  -h, --help            this text`;

/**
 * One batch: real = [crop, mask] and fake = [naively filled crop, mask], images in [-1, 1],
 * masks 1 in the hole (the DeepFill v2 discriminator sees the image and the mask).
 */
function makeBatch(
  photos: tf.Tensor4D[],
  size: number,
  batch: number,
  random: () => number,
  seed: number,
): { real: tf.Tensor4D; fake: tf.Tensor4D } {
  return tf.tidy(() => {
    const reals: tf.Tensor4D[] = [];
    const fakes: tf.Tensor4D[] = [];
    for (let i = 0; i < batch; i++) {
      const photo = photos[Math.floor(random() * photos.length)]!;
      const [, h, w] = photo.shape;
      const y = Math.floor(random() * (h - size));
      const x = Math.floor(random() * (w - size));
      const crop = tf.slice(photo, [0, y, x, 0], [1, size, size, 3]);
      const mask = training.maskToTensor(
        training.randomBoxMask({
          height: size,
          width: size,
          maxSize: size / 2,
          margin: 2,
          maxDelta: size / 8,
          seed: seed + i,
        }),
      );
      // The naive fill: the crop's mean colour plus noise, only inside the hole.
      const meanColour = tf.mean(crop, [1, 2], true);
      const filled = tf.clipByValue(
        tf.add(meanColour, tf.randomNormal(crop.shape, 0, 0.5, 'float32', seed + i)),
        -1,
        1,
      ) as tf.Tensor4D;
      const fake = ops.completeImage(crop, mask, filled);
      reals.push(tf.concat([crop, mask], 3));
      fakes.push(tf.concat([fake as tf.Tensor4D, mask], 3));
    }
    return { real: tf.concat(reals, 0), fake: tf.concat(fakes, 0) };
  });
}

/** Per spectrally normalised layer: sigma from the stored u, v, and from 50 power iterations. */
function spectralNorms(d: tfl.LayersModel): { name: string; stored: number; converged: number }[] {
  const rows: { name: string; stored: number; converged: number }[] = [];
  for (const layer of d.layers) {
    if (layer.getClassName() !== 'SpectralNormalization') continue;
    // Weights in order kernel [kh, kw, in, out], bias, u [out], v [in * kh * kw] (PyTorch order).
    const [kernel, , u, v] = layer.getWeights();
    const [stored, converged] = tf.tidy(() => {
      const w = tf.reshape(tf.transpose(kernel!, [3, 2, 0, 1]), [kernel!.shape[3]!, -1]) as tf.Tensor2D;
      const est = ops.spectralNormEstimate(w, u as tf.Tensor1D, v as tf.Tensor1D);
      const it = ops.powerIteration(w, tf.ones([w.shape[0]]) as tf.Tensor1D, 50);
      return [est, ops.spectralNormEstimate(w, it.u, it.v)];
    });
    rows.push({ name: layer.name, stored: stored.dataSync()[0]!, converged: converged.dataSync()[0]! });
    tf.dispose([stored, converged]);
  }
  return rows;
}

function printNorms(title: string, rows: { name: string; stored: number; converged: number }[]): void {
  console.log(title);
  for (const r of rows)
    console.log(`  ${r.name.padEnd(6)} sigma(u,v) ${r.stored.toFixed(4)}  sigma(50 it.) ${r.converged.toFixed(4)}`);
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      steps: { type: 'string', default: '30' },
      size: { type: 'string', default: '64' },
      batch: { type: 'string', default: '4' },
      ndf: { type: 'string', default: '16' },
      lr: { type: 'string', default: '1e-3' },
      seed: { type: 'string', default: '1' },
      backend: { type: 'string', default: 'wasm' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const ints = readIntegers('sn-patchgan-hinge', values, { steps: 1, size: 1, batch: 1, ndf: 1 });
  if (ints === null) return 1;
  const { steps, size, batch, ndf } = ints;
  const seed = Number(values.seed);
  if (size < 32 || size > 300) {
    console.error(
      `sn-patchgan-hinge: --size must be between 32 and 300 (the crops come from 451x300 and 600x400 photos), got ${size}.`,
    );
    return 1;
  }
  await initBackend(values.backend as BackendName);
  const assets = (name: string) => fileURLToPath(new URL(`./assets/${name}`, import.meta.url));
  const photos = [
    imageToTensor(await readImage(assets('chelsea.png'))),
    imageToTensor(await readImage(assets('coffee.png'))),
  ];

  const d = models.snPatchGANDiscriminator({ ndf, inputShape: [size, size], seed });
  const optimizer = tf.train.adam(Number(values.lr), 0.5, 0.999);
  const vars = d.trainableWeights.map((w) => w.read() as tf.Variable);
  console.log(
    `SN-PatchGAN: ${d.countParams().toLocaleString('en')} parameters, input ${size}x${size}x4, output ${JSON.stringify(d.outputs[0]!.shape)} on ${tf.getBackend()}`,
  );
  printNorms('spectral norms at initialisation (u, v not yet iterated):', spectralNorms(d));

  const random = mulberry32(seed);
  const t0 = performance.now();
  for (let step = 1; step <= steps; step++) {
    const { real, fake } = makeBatch(photos, size, batch, random, seed * 1000 + step * batch);
    let realScore!: tf.Scalar;
    let fakeScore!: tf.Scalar;
    const loss = optimizer.minimize(
      () => {
        const dReal = d.apply(real, { training: true }) as tf.Tensor;
        const dFake = d.apply(fake, { training: true }) as tf.Tensor;
        realScore = tf.keep(tf.mean(dReal));
        fakeScore = tf.keep(tf.mean(dFake));
        // DeepFill v2: 0.5 * mean(relu(1 - D(real))) + 0.5 * mean(relu(1 + D(fake))).
        return losses.discriminatorLoss(dReal, dFake, 'hinge', { scale: 0.5 });
      },
      true,
      vars,
    )!;
    if (step === 1 || step === steps || step % Math.max(1, Math.floor(steps / 10)) === 0) {
      const [l, r, f] = await Promise.all([loss.data(), realScore.data(), fakeScore.data()]);
      const margin = r[0]! - f[0]!;
      console.log(
        `step ${String(step).padStart(4)}  hinge D loss ${l[0]!.toFixed(4)}  mean D(real) ${r[0]!.toFixed(4)}  mean D(fake) ${f[0]!.toFixed(4)}  margin ${margin.toFixed(4)}`,
      );
    }
    tf.dispose([real, fake, loss, realScore, fakeScore]);
  }
  const seconds = (performance.now() - t0) / 1000;
  console.log(`${steps} steps in ${seconds.toFixed(1)} s (${((1000 * seconds) / steps).toFixed(0)} ms/step)`);
  // Training mode ran one power iteration per call, so u, v now track each kernel's top singular pair.
  printNorms('spectral norms after training:', spectralNorms(d));
  tf.dispose(photos);
  optimizer.dispose();
  d.dispose();
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
