/**
 * The files the documentation snippets read, made by the test in the snippet's working folder:
 * the user's photos, datasets, checkpoints and PyTorch weights. A fixture is made when the
 * snippet's code matches its pattern; each one is small and matches exactly what the snippet
 * that reads it expects (architecture, shapes, names).
 */
import * as tf from '@tensorflow/tfjs-core';
import jpeg from 'jpeg-js';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { initBackend, io, metrics, models, training } from '../../src/index';
import {
  encodePng,
  readImage,
  resizeImage,
  saveModel,
  saveOptimizer,
  saveTrainer,
  saveVariables,
} from '../../src/node/index';
import type { ImageRGBA } from '../../src/node/index';
import { ROOT } from './snippets';
import { torchSave } from './torch-save';

const ASSETS = join(ROOT, 'examples', 'assets');

async function write(dir: string, path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(join(dir, path)), { recursive: true });
  await writeFile(join(dir, path), bytes);
}

function toJpeg(image: ImageRGBA): Uint8Array {
  return jpeg.encode({ width: image.width, height: image.height, data: Buffer.from(image.data) }, 90).data;
}

/** `image` cropped to `w` x `h` at (x, y). */
function crop(image: ImageRGBA, x: number, y: number, w: number, h: number): ImageRGBA {
  const data = new Uint8Array(w * h * 4);
  for (let r = 0; r < h; r++)
    data.set(image.data.subarray(((y + r) * image.width + x) * 4, ((y + r) * image.width + x + w) * 4), r * w * 4);
  return { width: w, height: h, data };
}

/** Two images side by side (pix2pix's aligned A|B files). */
function sideBySide(a: ImageRGBA, b: ImageRGBA): ImageRGBA {
  const w = a.width + b.width;
  const data = new Uint8Array(w * a.height * 4);
  for (let r = 0; r < a.height; r++) {
    data.set(a.data.subarray(r * a.width * 4, (r + 1) * a.width * 4), r * w * 4);
    data.set(b.data.subarray(r * b.width * 4, (r + 1) * b.width * 4), (r * w + a.width) * 4);
  }
  return { width: w, height: a.height, data };
}

/** A `torch.save(model.state_dict())` of a tfjs-synth model (its weights as PyTorch names them). */
function pthOf(model: Parameters<typeof io.exportTorchStateDict>[0]): Uint8Array {
  return torchSave(io.readSafetensors(io.exportTorchStateDict(model)));
}

export interface Fixture {
  /** What it makes, for messages. */
  name: string;
  /** Made for a snippet whose code matches. */
  when: RegExp;
  make(dir: string): Promise<void>;
}

/** The photo the snippets call photo.png / photo.jpg: examples/assets/chelsea.png, 451x300. */
const PHOTO = join(ASSETS, 'chelsea.png');

export const FIXTURES: readonly Fixture[] = [
  { name: 'photo.png', when: /photo\.png/, make: (dir) => copyFile(PHOTO, join(dir, 'photo.png')) },
  {
    // A texture sample: a 64x64 crop of examples/assets/brick.png.
    name: 'texture.png',
    when: /texture\.png/,
    make: async (dir) =>
      write(dir, 'texture.png', encodePng(crop(await readImage(join(ASSETS, 'brick.png')), 0, 0, 64, 64))),
  },
  {
    name: 'photo.jpg',
    when: /photo\.jpg/,
    make: async (dir) => write(dir, 'photo.jpg', toJpeg(await readImage(PHOTO))),
  },
  {
    // A hole mask for photo.png: a white (fill) 40x30 rectangle on black.
    name: 'mask.png',
    when: /mask\.png/,
    make: async (dir) => {
      const { width, height } = await readImage(PHOTO);
      const data = new Uint8Array(width * height * 4);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const hole = x >= 200 && x < 240 && y >= 120 && y < 150 ? 255 : 0;
          data.set([hole, hole, hole, 255], (y * width + x) * 4);
        }
      }
      await write(dir, 'mask.png', encodePng({ width, height, data }));
    },
  },
  {
    // pix2pix's aligned layout: datasets/facades/train/<n>.jpg, A | B side by side.
    name: 'datasets/facades',
    when: /datasets\/facades/,
    make: async (dir) => {
      const a = await readImage(join(ASSETS, 'brick.png'));
      const b = await readImage(join(ASSETS, 'gravel.png'));
      for (let i = 0; i < 2; i++) {
        const pair = sideBySide(
          resizeImage(crop(a, 64 * i, 0, 128, 128), 64, 64),
          resizeImage(crop(b, 64 * i, 0, 128, 128), 64, 64),
        );
        await write(dir, `datasets/facades/train/${i + 1}.jpg`, toJpeg(pair));
      }
    },
  },
  {
    // CycleGAN's unaligned layout: datasets/horse2zebra/trainA/*.jpg and trainB/*.jpg.
    name: 'datasets/horse2zebra',
    when: /datasets\/horse2zebra/,
    make: async (dir) => {
      const a = await readImage(join(ASSETS, 'chelsea.png'));
      const b = await readImage(join(ASSETS, 'coffee.png'));
      await write(dir, 'datasets/horse2zebra/trainA/1.jpg', toJpeg(resizeImage(crop(a, 0, 0, 300, 300), 64, 64)));
      await write(dir, 'datasets/horse2zebra/trainB/1.jpg', toJpeg(resizeImage(crop(b, 0, 0, 300, 300), 64, 64)));
      await write(dir, 'datasets/horse2zebra/trainB/2.jpg', toJpeg(resizeImage(crop(b, 100, 100, 300, 300), 64, 64)));
    },
  },
  {
    // src/node/load-model.ts: a generator saved with saveModel, taking [1, 256, 256, 3].
    name: 'checkpoints/run1/generator',
    when: /loadModel\(/,
    make: async (dir) => {
      await initBackend('wasm');
      await saveModel(models.unetGenerator({ ngf: 4, seed: 1 }), join(dir, 'checkpoints/run1/generator'));
    },
  },
  {
    // src/node/load-variables.ts and load-optimizer.ts: variables 'params' { w } and 'ema' { w, b },
    // and the Adam optimizer that stepped w.
    name: 'checkpoints/run1 variables and optimizer',
    when: /load(Variables|Optimizer)\(/,
    make: async (dir) => {
      await initBackend('wasm');
      const w = tf.variable(tf.randomNormal([4, 4], 0, 1, 'float32', 1));
      const opt = tf.train.adam(2e-4, 0.5, 0.999);
      opt.minimize(() => tf.sum(tf.square(w)), false, [w]);
      await saveVariables(join(dir, 'checkpoints/run1'), 'params', { w });
      await saveOptimizer(opt, join(dir, 'checkpoints/run1'), 'optimizer_G');
      await saveVariables(join(dir, 'checkpoints/run1'), 'ema', { w: tf.ones([3, 3]), b: tf.zeros([3]) });
    },
  },
  {
    // src/node/trainer-files.ts (loadTrainer): a saved Pix2PixTrainer of the snippet's architectures.
    name: 'checkpoints/run1 trainer',
    when: /loadTrainer\(/,
    make: async (dir) => {
      await initBackend('wasm');
      const trainer = new training.Pix2PixTrainer({
        generator: models.unetGenerator({ ngf: 8, numDowns: 6 }),
        discriminator: models.patchGANDiscriminator({ inputChannels: 6, ndf: 8 }),
      });
      await saveTrainer(trainer, join(dir, 'checkpoints/run1'));
    },
  },
  {
    // README.md and src/io/read-torch-checkpoint.ts: pix2pix unet_256 trained with --ngf 8.
    name: 'latest_net_G.pth',
    when: /latest_net_G\.pth/,
    make: async (dir) => {
      await initBackend('wasm');
      await write(dir, 'latest_net_G.pth', pthOf(models.unetGenerator({ ngf: 8, seed: 1 })));
    },
  },
  {
    // docs/networks.md: a CycleGAN resnet_9blocks generator.
    name: 'latest_net_G_A.pth',
    when: /latest_net_G_A\.pth/,
    make: async (dir) => {
      await initBackend('wasm');
      await write(dir, 'latest_net_G_A.pth', pthOf(models.resnetGenerator({ nBlocks: 9, seed: 1 })));
    },
  },
  {
    // docs/porting-from-pytorch.md: pytorch-AdaIN's decoder.
    name: 'decoder.pth',
    when: /decoder\.pth/,
    make: async (dir) => {
      await initBackend('wasm');
      await write(dir, 'decoder.pth', pthOf(models.adainDecoder()));
    },
  },
  {
    // src/models/vgg19-features.ts: torchvision's vgg19().state_dict() (random weights here), with
    // keys past relu5_1 and a classifier key that the snippet's keyMap skips.
    name: 'vgg19.pth',
    when: /vgg19\.pth/,
    make: async (dir) => {
      await initBackend('wasm');
      const sd = io.readSafetensors(io.exportTorchStateDict(models.vgg19Features()));
      sd.set('features.30.bias', { dtype: 'float32', shape: [512], data: new Float32Array(512) });
      sd.set('classifier.6.bias', { dtype: 'float32', shape: [1000], data: new Float32Array(1000) });
      await write(dir, 'vgg19.pth', torchSave(sd));
    },
  },
  {
    // docs/metrics.md: torchvision's vgg16().state_dict() (random weights here; every features.*
    // key the trunk has, and a classifier key the snippet's keyMap drops).
    name: 'vgg16.pth',
    when: /vgg16\.pth/,
    make: async (dir) => {
      await initBackend('wasm');
      const sd = io.readSafetensors(io.exportTorchStateDict(models.vgg16Features({ seed: 1 })));
      sd.set('classifier.6.bias', { dtype: 'float32', shape: [1000], data: new Float32Array(1000) });
      await write(dir, 'vgg16.pth', torchSave(sd));
    },
  },
  {
    // docs/metrics.md: LPIPS's lpips/weights/v0.1/vgg.pth re-saved (lin0.model.1.weight … lin4).
    name: 'vgg-v0.1.pth',
    when: /vgg-v0\.1\.pth/,
    make: async (dir) => {
      await initBackend('wasm');
      await write(dir, 'vgg-v0.1.pth', pthOf(metrics.lpipsNetwork({ net: 'vgg', seed: 1 }).linear));
    },
  },
  {
    // src/io/read-safetensors.ts: a small CycleGAN generator exported to safetensors.
    name: 'netG.safetensors',
    when: /netG\.safetensors/,
    make: async (dir) => {
      await initBackend('wasm');
      await write(
        dir,
        'netG.safetensors',
        io.exportTorchStateDict(models.resnetGenerator({ ngf: 8, nBlocks: 2, seed: 1 })),
      );
    },
  },
  {
    // src/io/load-torch-state-dict.ts: nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU()).state_dict().
    name: 'net.pth',
    when: /\bnet\.pth/,
    make: async (dir) => {
      const sd: io.StateDict = new Map([
        [
          '0.weight',
          {
            dtype: 'float32',
            shape: [8, 3, 3, 3],
            data: Float32Array.from({ length: 216 }, (_, i) => Math.sin(i) / 4),
          },
        ],
        ['0.bias', { dtype: 'float32', shape: [8], data: new Float32Array(8).fill(0.1) }],
      ]);
      await write(dir, 'net.pth', torchSave(sd));
    },
  },
  {
    // src/io/read-torch-checkpoint.ts: torch.save({'epoch': 5, 'model': net.state_dict()}, 'ckpt.pth').
    name: 'ckpt.pth',
    when: /ckpt\.pth/,
    make: async (dir) => {
      const sd: io.StateDict = new Map([
        ['fc.weight', { dtype: 'float32', shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) }],
      ]);
      await write(dir, 'ckpt.pth', torchSave(sd, { key: 'model', extra: { epoch: 5 } }));
    },
  },
];

/** Makes, in `dir`, every fixture the code needs; returns their names. */
export async function makeFixtures(code: string, dir: string): Promise<string[]> {
  const made: string[] = [];
  for (const f of FIXTURES) {
    if (!f.when.test(code)) continue;
    await f.make(dir);
    made.push(f.name);
  }
  return made;
}
