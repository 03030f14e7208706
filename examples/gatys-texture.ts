/**
 * Gatys-style texture synthesis without any downloaded weights: the Gram matrices of a
 * randomly initialised multi-scale convolutional net, matched by optimising the pixels of a
 * noise image with Adam (wasm backend by default). Writes the sample and the result side by side.
 *
 *   npx tsx examples/gatys-texture.ts                             # brick.png, 64x64, ~1 min
 *   npx tsx examples/gatys-texture.ts gravel.png --size 96 --steps 300 -o gravel-synth.png
 *   npx tsx examples/gatys-texture.ts --help
 *
 * The net: an image pyramid (the crop and its 2x, 4x, 8x average-pooled copies); at each level
 * one 5x5 convolution with random weights and a ReLU, so the effective receptive fields span
 * 5 to 40 pixels. Ustyuzhaninov et al. showed that such single-layer random multi-scale nets
 * already give natural-looking textures; what matters is the range of scales, not learned
 * filters.
 *
 * References: L. A. Gatys, A. S. Ecker, M. Bethge, "Texture Synthesis Using Convolutional
 * Neural Networks", NeurIPS 2015, https://arxiv.org/abs/1505.07376; I. Ustyuzhaninov,
 * W. Brendel, L. A. Gatys, M. Bethge, "What does it take to generate natural textures?",
 * ICLR 2017, https://openreview.net/forum?id=BJhZeLsxx.
 */
import { basename, isAbsolute } from 'node:path';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, losses, type BackendName } from '../src/index';
import {
  createProgressBar,
  imageGrid,
  imageToTensor,
  readImage,
  resizeImage,
  tensorToImage,
  writePng,
} from '../src/node/index';
import { readIntegers } from './cli-args';

const HELP = `Usage: npx tsx examples/gatys-texture.ts [sample.png] [options]

Synthesises a texture like [sample.png] (a path, or a file name in examples/assets/;
default brick.png) by matching Gram matrices of a random multi-scale conv net.

Options:
  -o, --out <file>      output PNG: sample | result (default output/texture.png)
  --size <n>            side of the synthesised image and of the sample crop (default 64)
  --crop <n>            side of the square taken from the sample before resizing to --size (default 256)
  --steps <n>           Adam steps on the pixels (default 200)
  --lr <x>              Adam learning rate (default 0.05)
  --tv <x>              weight of the total-variation smoothing term (default 0.002)
  --filters <n>         random filters per scale (default 64)
  --seed <n>            seed of the random net and the initial noise (default 1)
  --backend <wasm|cpu>  TensorFlow.js backend (default wasm)
  -h, --help            this text`;

const SCALES = 4;

/** Random 5x5 filters per pyramid level, zero-mean like the paper's (uniform, He-scaled). */
function randomNet(filters: number, seed: number): tf.Tensor4D[] {
  return Array.from({ length: SCALES }, (_, i) =>
    tf.tidy(() => {
      const bound = Math.sqrt(6 / (5 * 5 * 3));
      return tf.randomUniform([5, 5, 3, filters], -bound, bound, 'float32', seed + i) as tf.Tensor4D;
    }),
  );
}

/** Feature maps of the image at every scale: ReLU(conv5x5(avgPool^k(x))). */
function features(x: tf.Tensor4D, net: readonly tf.Tensor4D[]): tf.Tensor4D[] {
  const out: tf.Tensor4D[] = [];
  let level = x;
  net.forEach((kernel, i) => {
    if (i > 0) level = tf.avgPool(level, 2, 2, 'valid');
    out.push(tf.relu(tf.conv2d(level, kernel, 1, 'valid')));
  });
  return out;
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string', short: 'o', default: 'output/texture.png' },
      size: { type: 'string', default: '64' },
      crop: { type: 'string', default: '256' },
      steps: { type: 'string', default: '200' },
      lr: { type: 'string', default: '0.05' },
      tv: { type: 'string', default: '0.002' },
      filters: { type: 'string', default: '64' },
      seed: { type: 'string', default: '1' },
      backend: { type: 'string', default: 'wasm' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const ints = readIntegers('gatys-texture', values, { size: 1, crop: 1, steps: 1, filters: 1 });
  if (ints === null) return 1;
  const { size, crop, steps, filters } = ints;
  const seed = Number(values.seed);
  if (size < 48) {
    console.error(
      `gatys-texture: --size must be at least 48 (the coarsest of ${SCALES} scales needs 5 pixels), got ${size}.`,
    );
    return 1;
  }
  const name = positionals[0] ?? 'brick.png';
  const asset = fileURLToPath(new URL(`./assets/${basename(name)}`, import.meta.url));
  const path = existsSync(name) || isAbsolute(name) ? name : asset;
  await initBackend(values.backend as BackendName);

  const image = await readImage(path);
  const side = Math.min(crop, image.width, image.height);
  const square = { width: side, height: side, data: new Uint8Array(side * side * 4) };
  for (let y = 0; y < side; y++)
    square.data.set(image.data.subarray(4 * y * image.width, 4 * (y * image.width + side)), 4 * y * side);
  const sample = imageToTensor(resizeImage(square, size, size), { channels: 3 });

  const net = randomNet(filters, seed);
  // Targets: the sample's Gram matrices, computed once.
  const targets = tf.tidy(() => features(sample, net));
  // Start from noise around the sample's mean colour.
  const start = tf.tidy(() =>
    tf.add(tf.mean(sample, [1, 2], true), tf.randomUniform([1, size, size, 3], -0.2, 0.2, 'float32', seed + 100)),
  );
  const pixels = tf.variable(start, true, 'pixels');
  start.dispose(); // the variable holds its own reference to the data
  const tvWeight = Number(values.tv);
  const optimizer = tf.train.adam(Number(values.lr));
  console.log(
    `${basename(path)}: ${side}x${side} crop at ${size}x${size}, ${SCALES} scales x ${filters} random filters, ${tf.getBackend()} backend`,
  );

  const bar = createProgressBar({ total: steps, label: 'texture' });
  const t0 = performance.now();
  for (let step = 1; step <= steps; step++) {
    const loss = optimizer.minimize(
      () => {
        // The C*H*W-normalised Gram differences are ~1e-6; scaled up so that Adam's epsilon
        // (1e-7 in tfjs) does not swamp the gradient's second-moment estimate.
        const style = tf.mul(losses.styleLoss(features(pixels as tf.Tensor4D, net), targets), 1e6);
        // A little total variation removes the pixel-level noise the Gram matrices do not see.
        const tv = tf.mul(losses.totalVariationLoss(pixels as tf.Tensor4D, { mode: 'l2' }), tvWeight);
        // Keep pixels in range without a hard clip inside the graph.
        const range = tf.mul(tf.mean(tf.square(tf.relu(tf.sub(tf.abs(pixels), 1)))), 10);
        return tf.addN([style, tv, range]) as tf.Scalar;
      },
      true,
      [pixels],
    )!;
    if (step % 10 === 0 || step === steps) bar.update(step, { loss: (await loss.data())[0]! });
    loss.dispose();
  }
  bar.stop();
  console.log(`${steps} steps in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const result = tf.tidy(() => tf.clipByValue(pixels, -1, 1));
  await writePng(values.out, imageGrid([[tensorToImage(sample), tensorToImage(result)]], { padding: 2 }));
  console.log(`wrote ${values.out} (sample | synthesised)`);
  tf.dispose([sample, result, pixels, ...net, ...targets]);
  optimizer.dispose();
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
