import type * as tfl from '@tensorflow/tfjs-layers';
import { type VGGFeaturesArgs, vggTrunk } from './internal/vgg-trunk';

/** Arguments of {@link vgg19Features} (the same as {@link vgg16Features}'s). */
export type VGG19FeaturesArgs = VGGFeaturesArgs;

/** torchvision `vgg19().features` indices of the five ReLUs the perceptual loss reads. */
export const VGG19_PERCEPTUAL_LAYERS = ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1'] as const;

/**
 * The feature extractor of the pix2pixHD / SPADE VGG perceptual loss: torchvision's
 * `vgg19().features` up to relu5_1 (indices 0..29: 3x3 convolutions with padding 1 and ReLU,
 * 2x2 max pooling), returning relu1_1, relu2_1, relu3_1, relu4_1 and relu5_1 (`VGG19` of
 * NVlabs/SPADE `models/networks/architecture.py`). Simonyan & Zisserman 2015,
 * https://arxiv.org/abs/1409.1556.
 *
 * Input: `[batch, h, w, 3]`, fed as the upstream losses feed it (images in [-1, 1], no ImageNet
 * normalisation). Output: five tensors, [h, w, 64], [h/2, w/2, 128], [h/4, w/4, 256],
 * [h/8, w/8, 512], [h/16, w/16, 512]. 12,944,960 parameters. `models.vgg16Features` is the
 * same builder with VGG16's configuration and LPIPS's taps.
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
  // Configuration 'E': 2, 2, 4, 4, 4 convolutions; up to relu5_1, the first ReLU of each block.
  return vggTrunk({ owner: 'vgg19Features', name: 'vgg19_features', blockConvs: [2, 2, 4, 4, 4], tap: 'first' }, args);
}
