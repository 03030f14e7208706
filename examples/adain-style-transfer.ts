/**
 * Arbitrary style transfer with AdaIN (Huang & Belongie 2017) using the published PyTorch
 * weights of naoto0804/pytorch-AdaIN: the normalised VGG-19 encoder up to relu4_1
 * (`vgg_normalised.pth`) and the trained decoder (`decoder.pth`). Content features are
 * re-normalised to the style's channel means and deviations, blended with `alpha`, and decoded.
 *
 *   npx tsx examples/adain-style-transfer.ts --vgg models/vgg_normalised.pth --decoder models/decoder.pth
 *   npx tsx examples/adain-style-transfer.ts content.jpg style.jpg --alpha 0.6 --size 384 -o out.png
 *   npx tsx examples/adain-style-transfer.ts --help
 *
 * Without image arguments: content examples/assets/chelsea.png, style examples/assets/gravel.png.
 * Where to get the weights: the README of https://github.com/naoto0804/pytorch-AdaIN links
 * `decoder.pth` and `vgg_normalised.pth` (its GitHub release assets); put them in `models/`.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, io, models, ops, type BackendName } from '../src/index';
import { imageToTensor, readImage, resizeImage, tensorToImage, writePng, type RgbaImage } from '../src/node/index';
import { readIntegers } from './cli-args';

const WHERE = `The weights are the two files of https://github.com/naoto0804/pytorch-AdaIN linked from its README
(release assets): download decoder.pth and vgg_normalised.pth into models/, or pass --vgg and --decoder.`;

const HELP = `Usage: npx tsx examples/adain-style-transfer.ts [content.png style.png] [options]

Options:
  --vgg <file>          normalised VGG-19 weights (default models/vgg_normalised.pth)
  --decoder <file>      AdaIN decoder weights (default models/decoder.pth)
  -o, --out <file>      output PNG (default output/stylised.png)
  --alpha <x>           style strength in [0, 1] (default 1)
  --size <n>            shorter side of content and style images, a multiple of 8 is best (default 256)
  --backend <wasm|cpu>  TensorFlow.js backend (default wasm)
  -h, --help            this text

Default images: examples/assets/chelsea.png (content) and examples/assets/gravel.png (style).

${WHERE}`;

/** Resizes so the shorter side is `size` and both sides are multiples of 8 (three 2x poolings). */
function fit(image: RgbaImage<Uint8Array>, size: number): RgbaImage<Uint8Array> {
  const scale = size / Math.min(image.width, image.height);
  const w = Math.max(8, 8 * Math.round((image.width * scale) / 8));
  const h = Math.max(8, 8 * Math.round((image.height * scale) / 8));
  return resizeImage(image, w, h);
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      vgg: { type: 'string', default: 'models/vgg_normalised.pth' },
      decoder: { type: 'string', default: 'models/decoder.pth' },
      out: { type: 'string', short: 'o', default: 'output/stylised.png' },
      alpha: { type: 'string', default: '1' },
      size: { type: 'string', default: '256' },
      backend: { type: 'string', default: 'wasm' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const missing = [values.vgg, values.decoder].filter((p) => !existsSync(p));
  if (missing.length > 0) {
    console.error(`adain-style-transfer: weights not found: ${missing.join(', ')}.\n${WHERE}`);
    return 1;
  }
  if (positionals.length !== 0 && positionals.length !== 2) {
    console.error(
      `adain-style-transfer: give both content and style images, or neither (got ${positionals.length}).\n\n${HELP}`,
    );
    return 1;
  }
  const alpha = Number(values.alpha);
  if (!(alpha >= 0 && alpha <= 1)) {
    console.error(`adain-style-transfer: --alpha must be in [0, 1], got ${JSON.stringify(values.alpha)}.`);
    return 1;
  }
  const ints = readIntegers('adain-style-transfer', values, { size: 8 });
  if (ints === null) return 1;
  const { size } = ints;
  await initBackend(values.backend as BackendName);

  const encoder = models.adainEncoder();
  const decoder = models.adainDecoder();
  // vgg_normalised.pth holds the whole VGG-19; the encoder stops at relu4_1, hence not strict.
  io.loadTorchStateDict(encoder, new Uint8Array(await readFile(values.vgg)), { strict: false });
  io.loadTorchStateDict(decoder, new Uint8Array(await readFile(values.decoder)));

  const asset = (name: string) => fileURLToPath(new URL(`./assets/${name}`, import.meta.url));
  const [contentPath, stylePath] =
    positionals.length === 2 ? (positionals as [string, string]) : [asset('chelsea.png'), asset('gravel.png')];
  const content = fit(await readImage(contentPath), size);
  const style = fit(await readImage(stylePath), size);

  const t0 = performance.now();
  const stylised = tf.tidy(() => {
    // The PyTorch port feeds RGB in [0, 1] and clamps the decoded image to [0, 1] when saving.
    const contentFeatures = encoder.predict(imageToTensor(content, { range: [0, 1], channels: 3 })) as tf.Tensor4D;
    const styleFeatures = encoder.predict(imageToTensor(style, { range: [0, 1], channels: 3 })) as tf.Tensor4D;
    const target = ops.adaptiveInstanceNorm(contentFeatures, styleFeatures, { alpha });
    return tf.clipByValue(decoder.predict(target) as tf.Tensor4D, 0, 1);
  });
  const result = tensorToImage(stylised, { range: [0, 1] });
  stylised.dispose();
  console.log(
    `${content.width}x${content.height} stylised (alpha ${alpha}) in ${((performance.now() - t0) / 1000).toFixed(2)} s on ${tf.getBackend()}`,
  );
  await writePng(values.out, result);
  console.log(`wrote ${values.out}`);
  encoder.dispose();
  decoder.dispose();
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
