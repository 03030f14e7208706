import type * as tfl from '@tensorflow/tfjs-layers';
import { type VGGFeaturesArgs, vggTrunk } from './internal/vgg-trunk';

/** Arguments of {@link vgg16Features} (the same as {@link vgg19Features}'s). */
export type VGG16FeaturesArgs = VGGFeaturesArgs;

/** The five ReLUs {@link vgg16Features} returns: the last of each block, LPIPS's VGG taps. */
export const VGG16_LPIPS_LAYERS = ['relu1_2', 'relu2_2', 'relu3_3', 'relu4_3', 'relu5_3'] as const;

/**
 * torchvision's `vgg16().features` up to relu5_3 (indices 0..29: thirteen 3x3 convolutions with
 * padding 1 and ReLU, 2x2 max pooling between the blocks), returning the last ReLU of each block:
 * relu1_2, relu2_2, relu3_3, relu4_3 and relu5_3. These are the taps of LPIPS's VGG trunk
 * (`lpips.pretrained_networks.vgg16`), and relu1_2 … relu4_3 those of Johnson et al.'s perceptual
 * losses. Simonyan & Zisserman 2015, https://arxiv.org/abs/1409.1556 (configuration 'D').
 * `models.vgg19Features` is the same builder with VGG19's configuration and taps.
 *
 * Input: `[batch, h, w, 3]`, normalised as the weights expect (torchvision's ImageNet mean and
 * std, or LPIPS's ScalingLayer, which `metrics.lpips` applies). Output: five tensors,
 * [h, w, 64], [h/2, w/2, 128], [h/4, w/4, 256], [h/8, w/8, 512], [h/16, w/16, 512] (floored).
 * 14,714,688 parameters.
 *
 * Weights: the convolutions are named `features.0`, `features.2`, …, `features.28`, as in
 * torchvision's state dict, so ImageNet weights load with `io.loadTorchStateDict`, skipping the
 * classifier (save them once with Python:
 * `torch.save(torchvision.models.vgg16(weights='IMAGENET1K_V1').state_dict(), 'vgg16.pth')`).
 *
 * Porting note: the initial weights are drawn as torchvision draws them (He normal over the
 * fan-out), but tfjs-layers truncates the normal at two standard deviations.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models } from 'tfjs-synth';
 * await initBackend();
 * const vgg = models.vgg16Features({ filters: [4, 8, 8, 16, 16], seed: 1 }); // tiny; load torchvision's weights in practice
 * const taps = vgg.predict(tf.zeros([1, 32, 32, 3])) as tf.Tensor[];
 * console.log(taps.map((t) => t.shape)); // [1, 32, 32, 4], [1, 16, 16, 8], [1, 8, 8, 8], [1, 4, 4, 16], [1, 2, 2, 16]
 * // Pretrained: io.loadTorchStateDict(models.vgg16Features(), bytesOfVgg16Pth, { keyMap: (k) => (k.startsWith('classifier.') ? null : k) });
 * ```
 */
export function vgg16Features(args: VGG16FeaturesArgs = {}): tfl.LayersModel {
  // Configuration 'D': 2, 2, 3, 3, 3 convolutions; every block read at its last ReLU.
  return vggTrunk({ owner: 'vgg16Features', name: 'vgg16_features', blockConvs: [2, 2, 3, 3, 3], tap: 'last' }, args);
}
