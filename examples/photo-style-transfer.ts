/**
 * Deep Photo Style Transfer (Luan et al. 2017) on two bundled photos: Gatys et al.'s optimisation
 * of the pixels, with the style matched region by region (`losses.maskedStyleLoss`) and the
 * matting-Laplacian photorealism term (`losses.photorealismLoss` over `ops.mattingLaplacian` of
 * the content photo), in Luan et al.'s two stages: first the segmented style transfer alone,
 * starting from the content photo, then the same loss plus the photorealism term, starting from
 * the first stage's result. It writes content | style | stage 1 | stage 2 and prints each
 * stage's loss and the photorealism cost of its result.
 *
 *   npx tsx examples/photo-style-transfer.ts                                  # chelsea.png in coffee.png's colours, 96 px
 *   npx tsx examples/photo-style-transfer.ts --vgg19 vgg19.pth --size 256     # torchvision's VGG19 (docs/losses.md)
 *   npx tsx examples/photo-style-transfer.ts --help
 *
 * Feature extractor: any function from images to a list of feature maps works (see
 * `transferPhotoStyle`). The command line offers two: torchvision's ImageNet VGG19 loaded from a
 * `vgg19.pth` you saved (`--vgg19`; the paper's network), or, without a download, a VGG19-shaped
 * network with fixed random weights, which transfers colours and coarse texture but not the
 * paper's quality.
 *
 * Segments: Luan et al. take semantic masks from a segmentation network. Here each photo is cut
 * into `--regions` colour clusters (k-means on the pixels, started at brightness quantiles), and
 * the clusters of the two photos are paired by brightness: darkest with darkest, and so on.
 *
 * Reference: F. Luan, S. Paris, E. Shechtman, K. Bala, "Deep Photo Style Transfer", CVPR 2017,
 * https://arxiv.org/abs/1703.07511; L. A. Gatys, A. S. Ecker, M. Bethge, "Image Style Transfer
 * Using Convolutional Neural Networks", CVPR 2016.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, isAbsolute } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { initBackend, io, losses, models, ops, type BackendName } from '../src/index';
import { imageGrid, imageToTensor, readImage, resizeImage, tensorToImage, writePng } from '../src/node/index';
import { readIntegers } from './cli-args';

const HELP = `Usage: npx tsx examples/photo-style-transfer.ts [content.png] [style.png] [options]

Restyles [content.png] (default chelsea.png) with the colours of [style.png] (default coffee.png),
keeping it a photo. Names without a folder are looked up in examples/assets/.

Options:
  -o, --out <file>      output PNG: content | style | stage 1 | stage 2 (default output/photo-style.png)
  --size <n>            longer side of both photos (default 96)
  --steps <n>           Adam steps per stage (default 100)
  --lr <x>              Adam learning rate on the pixels in [0, 1] (default 0.02)
  --content-weight <x>  weight of the content term, relative to the style term (default 0.5)
  --lambda <x>          weight of the photorealism term, per pixel (default 10000)
  --regions <n>         colour clusters per photo for the masked style loss (default 3)
  --vgg19 <file>        torchvision's vgg19().state_dict() saved with torch.save (default: random weights)
  --filters <n>         width of the first block of the random-weight VGG19 (default 8; doubles per block up to 8x)
  --seed <n>            seed of the random weights (default 1)
  --backend <wasm|cpu>  TensorFlow.js backend (default wasm)
  -h, --help            this text`;

/** torchvision's ImageNet normalisation, which its VGG19 weights expect (images in [0, 1]). */
const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

/** A feature extractor: images [1, h, w, 3] in [0, 1] to feature maps (here relu1_1 … relu5_1). */
export type PhotoFeatureExtractor = (images: tf.Tensor4D) => tf.Tensor4D[];

/** Arguments of {@link transferPhotoStyle}. */
export interface PhotoStyleArgs {
  content: tf.Tensor4D;
  /** Where the pixels start. Default: the content photo. */
  init?: tf.Tensor4D;
  style: tf.Tensor4D;
  /** One-hot or soft region masks [1, h, w, R] of each photo, regions paired by index. */
  contentMasks: tf.Tensor4D;
  styleMasks: tf.Tensor4D;
  extract: PhotoFeatureExtractor;
  /** Index of the feature map the content term compares. */
  contentLayer: number;
  steps: number;
  lr: number;
  contentWeight: number;
  /** Weight of the photorealism term per pixel (the cost is divided by the pixel count); 0 leaves it out. */
  lambda: number;
  /** Built once from the content photo with ops.mattingLaplacian. */
  laplacian: ops.MattingLaplacian;
  onStep?: (step: number, loss: number) => void;
}

/**
 * Optimises the pixels with Adam, starting from `init` (or the content photo). The loss is
 * `(style + contentWeight · content) / style₀ + lambda · photorealism / pixels`, with style₀ the
 * masked style loss of the content photo itself: dividing by it makes the weights mean the same
 * for any extractor (random or pretrained features differ in scale by orders of magnitude), and
 * dividing the photorealism cost by the pixel count makes lambda mean the same at any size.
 *
 * Porting note: Luan et al. also weight the photorealism term by λ = 10⁴, but their content and
 * style terms are scaled otherwise, and they optimise with L-BFGS.
 * Returns the result in [0, 1] and the first and last loss.
 */
export function transferPhotoStyle(args: PhotoStyleArgs): { result: tf.Tensor4D; first: number; last: number } {
  const { content, style, contentMasks, styleMasks, extract, contentLayer, laplacian } = args;
  const styleTargets = tf.tidy(() => extract(style).map((f) => tf.keep(f)));
  const contentTarget = tf.tidy(() => extract(content)[contentLayer]!);
  const style0 = tf.tidy(() => losses.maskedStyleLoss(extract(content), styleTargets, contentMasks, styleMasks));
  const scale = 1 / Math.max(style0.dataSync()[0]!, 1e-30);
  style0.dispose();
  const pixels = tf.variable(args.init ?? content, true, 'photo_pixels'); // assign() leaves the start alone
  const [, h, w] = content.shape;
  const photoWeight = args.lambda / (h * w);
  const optimizer = tf.train.adam(args.lr);
  let first = Number.NaN;
  let last = Number.NaN;
  for (let step = 1; step <= args.steps; step++) {
    const loss = optimizer.minimize(
      () => {
        const out = pixels as tf.Tensor as tf.Tensor4D;
        const features = extract(out);
        const styleTerm = losses.maskedStyleLoss(features, styleTargets, contentMasks, styleMasks);
        const contentTerm = losses.contentLoss(features[contentLayer]!, contentTarget);
        const total = tf.mul(tf.add(styleTerm, tf.mul(contentTerm, args.contentWeight)), scale);
        if (args.lambda === 0) return total as tf.Scalar;
        return tf.add(total, losses.photorealismLoss(laplacian, out, { weight: photoWeight })) as tf.Scalar;
      },
      true,
      [pixels],
    )!;
    const value = loss.dataSync()[0]!;
    loss.dispose();
    if (step === 1) first = value;
    last = value;
    args.onStep?.(step, value);
    // Stay a valid image: clip after each step (the paper's L-BFGS works in an unbounded space).
    tf.tidy(() => pixels.assign(tf.clipByValue(pixels, 0, 1)));
  }
  const result = tf.clone(pixels) as tf.Tensor4D;
  tf.dispose([pixels, contentTarget, ...styleTargets]);
  optimizer.dispose();
  return { result, first, last };
}

/**
 * Colour segments of an image [1, h, w, 3] in [0, 1]: k-means on the pixels (started at the
 * colours at brightness quantiles, `iterations` rounds), the clusters sorted by brightness.
 * Returns one-hot masks [1, h, w, k].
 */
export function colourSegments(image: tf.Tensor4D, k: number, iterations = 10): tf.Tensor4D {
  const [, h, w] = image.shape;
  const px = image.dataSync();
  const n = h * w;
  const lum = (i: number) => 0.299 * px[3 * i]! + 0.587 * px[3 * i + 1]! + 0.114 * px[3 * i + 2]!;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => lum(a) - lum(b));
  let centres = Array.from({ length: k }, (_, c) => {
    const i = order[Math.floor(((c + 0.5) / k) * n)]!;
    return [px[3 * i]!, px[3 * i + 1]!, px[3 * i + 2]!];
  });
  const label = new Int32Array(n);
  for (let it = 0; it < iterations; it++) {
    const sums = centres.map(() => [0, 0, 0, 0]);
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestD = Number.POSITIVE_INFINITY;
      centres.forEach((c, j) => {
        const d = (px[3 * i]! - c[0]!) ** 2 + (px[3 * i + 1]! - c[1]!) ** 2 + (px[3 * i + 2]! - c[2]!) ** 2;
        if (d < bestD) [best, bestD] = [j, d];
      });
      label[i] = best;
      const s = sums[best]!;
      s[0]! += px[3 * i]!;
      s[1]! += px[3 * i + 1]!;
      s[2]! += px[3 * i + 2]!;
      s[3]! += 1;
    }
    centres = centres.map((c, j) => {
      const s = sums[j]!;
      return s[3]! > 0 ? [s[0]! / s[3]!, s[1]! / s[3]!, s[2]! / s[3]!] : c;
    });
  }
  const brightness = centres.map((c) => 0.299 * c[0]! + 0.587 * c[1]! + 0.114 * c[2]!);
  const rank = new Int32Array(k);
  Array.from({ length: k }, (_, j) => j)
    .sort((a, b) => brightness[a]! - brightness[b]!)
    .forEach((j, r) => {
      rank[j] = r;
    });
  const masks = new Float32Array(n * k);
  for (let i = 0; i < n; i++) masks[i * k + rank[label[i]!]!] = 1;
  return tf.tensor4d(masks, [1, h, w, k]);
}

/** An extractor over models.vgg19Features: ImageNet normalisation, then relu1_1 … relu5_1. */
export function vggExtractor(vgg: tfl.LayersModel): PhotoFeatureExtractor {
  return (images) =>
    tf.tidy(() => {
      const x = tf.div(tf.sub(images, tf.tensor1d(IMAGENET_MEAN)), tf.tensor1d(IMAGENET_STD));
      return vgg.apply(x) as tf.Tensor4D[];
    });
}

async function loadPhoto(name: string, size: number): Promise<tf.Tensor4D> {
  const asset = fileURLToPath(new URL(`./assets/${basename(name)}`, import.meta.url));
  const path = existsSync(name) || isAbsolute(name) ? name : asset;
  const image = await readImage(path);
  const s = size / Math.max(image.width, image.height);
  const small = resizeImage(
    image,
    Math.max(16, Math.round(image.width * s)),
    Math.max(16, Math.round(image.height * s)),
  );
  return imageToTensor(small, { range: [0, 1], channels: 3 });
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string', short: 'o', default: 'output/photo-style.png' },
      size: { type: 'string', default: '96' },
      steps: { type: 'string', default: '100' },
      lr: { type: 'string', default: '0.02' },
      'content-weight': { type: 'string', default: '0.5' },
      lambda: { type: 'string', default: '10000' },
      regions: { type: 'string', default: '3' },
      vgg19: { type: 'string' },
      filters: { type: 'string', default: '8' },
      seed: { type: 'string', default: '1' },
      backend: { type: 'string', default: 'wasm' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const ints = readIntegers('photo-style-transfer', values, { size: 16, steps: 1, regions: 1, filters: 1, seed: 0 });
  if (ints === null) return 1;
  const { size, steps, regions, filters, seed } = ints;
  for (const [key, value, max] of [
    ['size', size, 1024],
    ['regions', regions, 16],
    ['filters', filters, 512],
  ] as const) {
    if (value > max) {
      console.error(`photo-style-transfer: --${key} must be at most ${max}, got ${value}.`);
      return 1;
    }
  }
  const reals: Record<string, number> = {};
  for (const key of ['lr', 'content-weight', 'lambda'] as const) {
    const v = Number(values[key]);
    if (!Number.isFinite(v) || v < 0 || (key === 'lr' && v === 0)) {
      console.error(
        `photo-style-transfer: --${key} must be a ${key === 'lr' ? 'positive' : 'non-negative'} number, got ${JSON.stringify(values[key])}.`,
      );
      return 1;
    }
    reals[key] = v;
  }
  await initBackend(values.backend as BackendName);

  const content = await loadPhoto(positionals[0] ?? 'chelsea.png', size);
  const style = await loadPhoto(positionals[1] ?? 'coffee.png', size);
  let vgg: tfl.LayersModel;
  let what: string;
  if (values.vgg19 !== undefined) {
    vgg = models.vgg19Features();
    // torchvision's vgg19 state dict: keep the 13 convolutions up to relu5_1 (docs/losses.md).
    io.loadTorchStateDict(vgg, readFileSync(values.vgg19), {
      keyMap: (key) => (/^features\.([0-9]|1[0-9]|2[0-8])\./.test(key) ? key : null),
    });
    what = `torchvision's VGG19 from ${basename(values.vgg19)}`;
  } else {
    const f = filters;
    vgg = models.vgg19Features({ filters: [f, 2 * f, 4 * f, 8 * f, 8 * f], seed });
    what = `a VGG19-shaped network with random weights (filters ${f}..${8 * f}, seed ${seed})`;
  }
  const extract = vggExtractor(vgg);
  const contentMasks = colourSegments(content, regions);
  const styleMasks = colourSegments(style, regions);
  const laplacian = ops.mattingLaplacian(content);
  const [, h, w] = content.shape;
  console.log(
    `${w}x${h} content, ${style.shape[2]}x${style.shape[1]} style, ${regions} colour regions, features of ${what}, ${tf.getBackend()} backend`,
  );
  const common = {
    content,
    style,
    contentMasks,
    styleMasks,
    extract,
    contentLayer: 3, // relu4_1 (the paper compares conv4_2)
    steps,
    lr: reals.lr!,
    contentWeight: reals['content-weight']!,
    laplacian,
  };
  const results: tf.Tensor4D[] = [];
  // Stage 1: the segmented style transfer from the content photo; stage 2: with the photorealism
  // term, from stage 1's result (Luan et al.'s two runs).
  for (const stage of [1, 2]) {
    const lambda = stage === 1 ? 0 : reals.lambda!;
    const t0 = performance.now();
    const run = transferPhotoStyle({ ...common, lambda, init: results[0] });
    const cost = tf.tidy(() => laplacian.quadraticForm(run.result).dataSync()[0]!);
    console.log(
      `stage ${stage}, ${stage === 1 ? 'without photorealism' : `with photorealism (lambda ${lambda})`}: loss ${run.first.toPrecision(4)} -> ${run.last.toPrecision(4)} in ${steps} steps (${((performance.now() - t0) / 1000).toFixed(1)} s); photorealism cost ${cost.toPrecision(4)}`,
    );
    results.push(run.result);
  }
  const row = [content, style, ...results].map((t) => tensorToImage(t, { range: [0, 1] }));
  await writePng(values.out!, imageGrid([row], { padding: 2 }));
  console.log(`wrote ${values.out} (content | style | stage 1 | stage 2)`);
  tf.dispose([content, style, contentMasks, styleMasks, ...results]);
  laplacian.dispose();
  vgg.dispose();
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
