import * as tfl from '@tensorflow/tfjs-layers';
import { checkError, checkInteger } from '../core/checks';
import { checkInputShape } from './internal/networks-common';

/** Arguments of {@link vgg19Features}. */
export interface VGG19FeaturesArgs {
  /**
   * Filters of the five blocks. Default [64, 128, 256, 512, 512] (torchvision's VGG19; other
   * widths only for small tests, no pretrained weights exist for them).
   */
  filters?: [number, number, number, number, number];
  /** Fixed `[height, width]`; omit for any size (at least 16). */
  inputShape?: [number, number];
}

/** torchvision `vgg19().features` indices of the five ReLUs the perceptual loss reads. */
export const VGG19_PERCEPTUAL_LAYERS = ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1'] as const;

/** Convolutions per block of VGG19 (configuration 'E'). */
const BLOCK_CONVS = [2, 2, 4, 4, 4];

/**
 * The feature extractor of the pix2pixHD / SPADE VGG perceptual loss: torchvision's
 * `vgg19().features` up to relu5_1 (indices 0..29: 3x3 convolutions with padding 1 and ReLU,
 * 2x2 max pooling), returning relu1_1, relu2_1, relu3_1, relu4_1 and relu5_1 (`VGG19` of
 * NVlabs/SPADE `models/networks/architecture.py`). Simonyan & Zisserman 2015,
 * https://arxiv.org/abs/1409.1556.
 *
 * Input: `[batch, h, w, 3]`, fed as the upstream losses feed it (images in [-1, 1], no ImageNet
 * normalisation). Output: five tensors, [h, w, 64], [h/2, w/2, 128], [h/4, w/4, 256],
 * [h/8, w/8, 512], [h/16, w/16, 512]. 12,944,960 parameters.
 *
 * Weights: the convolutions are named `features.0`, `features.2`, ..., `features.28`, as in
 * torchvision's state dict, so ImageNet weights load with `io.loadTorchStateDict`. Pretrained
 * weights are not downloaded by this package; save them once with Python
 * (`torch.save(torchvision.models.vgg19(weights='IMAGENET1K_V1').state_dict(), 'vgg19.pth')`)
 * and load the keys this model has, skipping the rest (features.30+ and the classifier):
 *
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { initBackend, io, models } from 'tfjs-synth';
 * await initBackend();
 * const vgg = models.vgg19Features();
 * io.loadTorchStateDict(vgg, readFileSync('vgg19.pth'), {
 *   keyMap: (key) => (/^features\.([0-9]|1[0-9]|2[0-8])\./.test(key) ? key : null),
 * });
 * ```
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models } from 'tfjs-synth';
 * await initBackend();
 * const vgg = models.vgg19Features({ filters: [4, 8, 8, 16, 16] });
 * const features = vgg.predict(tf.zeros([1, 32, 32, 3])) as tf.Tensor[]; // relu1_1 .. relu5_1
 * ```
 */
export function vgg19Features(args: VGG19FeaturesArgs = {}): tfl.LayersModel {
  const owner = 'vgg19Features';
  if (args === null || typeof args !== 'object') throw checkError(owner, 'args', 'an object', args);
  const filters = args.filters ?? [64, 128, 256, 512, 512];
  if (!Array.isArray(filters) || filters.length !== 5) {
    throw checkError(owner, 'filters', 'an array of 5 positive integers', filters);
  }
  filters.forEach((f, i) => checkInteger(owner, `filters[${i}]`, f, { min: 1, max: 4096 }));
  const [h, w] = checkInputShape(owner, args.inputShape);
  if ((h !== null && h < 16) || (w !== null && w < 16)) {
    throw checkError(owner, 'inputShape', 'at least [16, 16] (four 2x2 poolings)', args.inputShape);
  }
  type Sym = tfl.SymbolicTensor;
  const input = tfl.input({ shape: [h, w, 3], name: 'image' });
  const outputs: Sym[] = [];
  let x: Sym = input;
  let index = 0;
  BLOCK_CONVS.forEach((convs, block) => {
    if (block > 0) {
      x = tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `features.${index}` }).apply(x) as Sym;
      index += 1;
    }
    // Up to relu5_1: only the first convolution of the last block.
    const count = block === 4 ? 1 : convs;
    for (let c = 0; c < count; c++) {
      x = tfl.layers
        .conv2d({ filters: filters[block]!, kernelSize: 3, padding: 'same', name: `features.${index}` })
        .apply(x) as Sym;
      x = tfl.layers.reLU({ name: `features.${index + 1}` }).apply(x) as Sym;
      if (c === 0) outputs.push(x);
      index += 2;
    }
  });
  return tfl.model({ inputs: input, outputs, name: 'vgg19_features' });
}
