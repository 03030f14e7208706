/**
 * Runs a pretrained PyTorch CycleGAN generator in TensorFlow.js: loads a checkpoint of
 * pytorch-CycleGAN-and-pix2pix (`latest_net_G_A.pth`, or a `.safetensors` export) into
 * `models.resnetGenerator` with `io.loadTorchStateDict`, and translates one PNG/JPEG.
 *
 *   npx tsx examples/cyclegan-from-pytorch.ts horse2zebra.pth horse.jpg -o zebra.png
 *   npx tsx examples/cyclegan-from-pytorch.ts --help
 *
 * Pretrained generators: in https://github.com/junyanz/pytorch-CycleGAN-and-pix2pix run
 * `bash ./scripts/download_cyclegan_model.sh horse2zebra` (also monet2photo, style_vangogh, ...);
 * it saves `checkpoints/horse2zebra_pretrained/latest_net_G.pth`.
 * The number of residual blocks and `ngf` are read from the checkpoint's keys and shapes.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, io, models, type BackendName } from '../src/index';
import { imageToTensor, readImage, resizeImage, tensorToImage, writePng } from '../src/node/index';
import { readIntegers } from './cli-args';

const WHERE = `Get a checkpoint: clone https://github.com/junyanz/pytorch-CycleGAN-and-pix2pix and run
  bash ./scripts/download_cyclegan_model.sh horse2zebra
which writes checkpoints/horse2zebra_pretrained/latest_net_G.pth (other names: monet2photo, style_vangogh, ...).`;

const HELP = `Usage: npx tsx examples/cyclegan-from-pytorch.ts <checkpoint.pth|.safetensors> <image> [options]

Translates <image> (PNG or JPEG) with a CycleGAN ResNet generator trained in PyTorch.

Options:
  -o, --out <file>        output PNG (default output/translated.png)
  --size <n>              longer side of the network input, rounded to a multiple of 4 (default 256)
  --norm <instance|batch|none>  the generator's normalisation (default instance, as upstream CycleGAN)
  --backend <wasm|cpu>    TensorFlow.js backend (default wasm)
  -h, --help              this text

${WHERE}`;

/** ngf and the residual block count of a ResnetGenerator state dict (upstream key layout). */
function inferArchitecture(dict: io.StateDict): {
  ngf: number;
  nBlocks: number;
  inputChannels: number;
  outputChannels: number;
} {
  const first = dict.get('model.1.weight') ?? dict.get('module.model.1.weight');
  if (!first)
    throw new Error(
      `cyclegan-from-pytorch: no 'model.1.weight' in the checkpoint; is it a ResnetGenerator state dict?`,
    );
  const blocks = new Set<string>();
  let lastIndex = -1;
  for (const key of dict.keys()) {
    const m = /^(?:module\.)?model\.(\d+)\.(conv_block\.)?/.exec(key);
    if (!m) continue;
    if (m[2]) blocks.add(m[1]!);
    lastIndex = Math.max(lastIndex, Number(m[1]));
  }
  const last = dict.get(`model.${lastIndex}.weight`) ?? dict.get(`module.model.${lastIndex}.weight`);
  return {
    ngf: first.shape[0]!,
    inputChannels: first.shape[1]!,
    nBlocks: blocks.size,
    outputChannels: last?.shape[0] ?? 3,
  };
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string', short: 'o', default: 'output/translated.png' },
      size: { type: 'string', default: '256' },
      norm: { type: 'string', default: 'instance' },
      backend: { type: 'string', default: 'wasm' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length === 0) {
    console.error(`cyclegan-from-pytorch: no checkpoint given. ${WHERE}`);
    return 1;
  }
  if (positionals.length !== 2) {
    console.error(`cyclegan-from-pytorch: expected a checkpoint path and an image path.\n\n${HELP}`);
    return 1;
  }
  const [checkpointPath, imagePath] = positionals as [string, string];
  const norm = values.norm;
  if (norm !== 'instance' && norm !== 'batch' && norm !== 'none') {
    console.error(`cyclegan-from-pytorch: --norm must be instance, batch or none, got ${JSON.stringify(norm)}.`);
    return 1;
  }
  const ints = readIntegers('cyclegan-from-pytorch', values, { size: 8 });
  if (ints === null) return 1;
  const { size } = ints;
  await initBackend(values.backend as BackendName);

  const bytes = new Uint8Array(await readFile(checkpointPath));
  const dict = checkpointPath.endsWith('.safetensors') ? io.readSafetensors(bytes) : io.readTorchCheckpoint(bytes);
  const arch = inferArchitecture(dict);
  console.log(
    `checkpoint: ngf ${arch.ngf}, ${arch.nBlocks} residual blocks, ${arch.inputChannels} -> ${arch.outputChannels} channels`,
  );
  const generator = models.resnetGenerator({ ...arch, norm });
  // Strict: every key must land in a layer and every layer weight must be in the file.
  const report = io.loadTorchStateDict(generator, dict);
  console.log(`loaded ${report.loaded.length} tensors`);

  // The generator needs sides that are multiples of 4 (two stride-2 stages).
  const image = await readImage(imagePath);
  const scale = size / Math.max(image.width, image.height);
  const w = Math.max(8, 4 * Math.round((image.width * scale) / 4));
  const h = Math.max(8, 4 * Math.round((image.height * scale) / 4));
  const resized = resizeImage(image, w, h);

  const t0 = performance.now();
  const output = tf.tidy(
    () => generator.predict(imageToTensor(resized, { channels: arch.inputChannels as 1 | 3 })) as tf.Tensor4D,
  );
  const translated = tensorToImage(output);
  output.dispose();
  console.log(`${w}x${h} translated in ${((performance.now() - t0) / 1000).toFixed(2)} s on ${tf.getBackend()}`);
  await writePng(values.out, translated);
  console.log(`wrote ${values.out}`);
  generator.dispose();
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
