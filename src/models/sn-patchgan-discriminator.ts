import * as tfl from '@tensorflow/tfjs-layers';
import { checkError, checkPositiveInteger, checkSafeIntegerSeed } from '../core/checks';
import { spectralNormalization } from '../layers/spectral-normalization';
import { WeightInit } from './internal/networks-common';

/** Arguments of {@link snPatchGANDiscriminator}. */
export interface SNPatchGANDiscriminatorArgs {
  /** Input channels. Default 4: RGB plus the mask, as DeepFill v2 trains it (`gan_with_mask`). */
  inputChannels?: number;
  /** Filters of the first convolution; the others have ndf * [2, 4, 4, 4, 4]. Default 64. */
  ndf?: number;
  /** `[height, width]` of the input; omit to accept any size. */
  inputShape?: [number, number];
  /**
   * Seed of the weight initialisation and of the spectral norms' u and v (an integer, taken modulo 2^32): the same seed and
   * arguments give the same weights. Default: unseeded (fresh random weights on every call).
   */
  seed?: number;
}

/** Filter multipliers of the six convolutions. */
const MULTIPLIERS = [1, 2, 4, 4, 4, 4];

/**
 * DeepFill v2's SN-PatchGAN discriminator (Yu et al. 2019, "Free-Form Image Inpainting with Gated
 * Convolution", https://arxiv.org/abs/1806.03589; `build_sn_patch_gan_discriminator` of
 * generative_inpainting v2.0.0): six spectral-normalised ({@link spectralNormalization}) 5x5
 * stride-2 'same' convolutions with bias, filters ndf * [1, 2, 4, 4, 4, 4], each followed by
 * LeakyReLU 0.2 (the last one too), then flattened: every value is the score of one patch, for
 * the hinge loss. Layer names `conv1`..`conv6` are the TF scopes (`sn_patch_gan/conv1/kernel`).
 * 5,946,816 trainable parameters with 4 input channels and ndf 64 (kernels and biases; the
 * spectral norm's non-trainable u and v vectors come on top).
 *
 * Input: [batch, h, w, inputChannels], e.g. the image concatenated with its mask on the channel
 * axis. Output: [batch, ceil(h / 64) * ceil(w / 64) * 4 * ndf] (4096 values for 256x256).
 *
 * Porting note: the spectral norm follows torch.nn.utils.spectral_norm (power iteration only when
 * called with `training: true`; inference uses the stored u and v), whereas neuralgym's
 * `conv2d_spectral_norm` iterates on every run and stores only u, in (kh*kw*in, out) order, so a
 * TF checkpoint's u needs converting, not just renaming. Padding is TF 'same' exactly (1 before,
 * 2 after for even sizes); a PyTorch port with padding 2 differs.
 *
 * Reference: J. Yu, Z. Lin, J. Yang, X. Shen, X. Lu, T. S. Huang, "Free-Form Image Inpainting with
 * Gated Convolution", ICCV 2019, https://arxiv.org/abs/1806.03589; spectral normalisation:
 * Miyato et al. 2018, https://arxiv.org/abs/1802.05957.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models } from 'tfjs-synth';
 * await initBackend();
 * const discriminator = models.snPatchGANDiscriminator({ ndf: 16 });
 * const scores = discriminator.apply(tf.zeros([2, 64, 64, 4]), { training: true }) as tf.Tensor; // [2, 64]: 1x1 patch x 4 * ndf
 * ```
 * @throws Error naming the argument when inputChannels, ndf or inputShape is invalid.
 */
export function snPatchGANDiscriminator(args: SNPatchGANDiscriminatorArgs = {}): tfl.LayersModel {
  const owner = 'snPatchGANDiscriminator';
  const inputChannels = checkPositiveInteger(owner, 'inputChannels', args.inputChannels ?? 4);
  const ndf = checkPositiveInteger(owner, 'ndf', args.ndf ?? 64);
  if (
    args.inputShape !== undefined &&
    (!Array.isArray(args.inputShape) ||
      args.inputShape.length !== 2 ||
      !args.inputShape.every((d) => Number.isInteger(d) && d > 0))
  ) {
    throw checkError(owner, 'inputShape', '[height, width], positive integers', args.inputShape);
  }
  const [h, w] = args.inputShape ?? [null, null];
  const input = tfl.input({ shape: [h, w, inputChannels], name: 'input' });
  const init = new WeightInit(checkSafeIntegerSeed(owner, 'seed', args.seed));
  let x: tfl.SymbolicTensor = input;
  MULTIPLIERS.forEach((m, i) => {
    const name = `conv${i + 1}`;
    const conv = tfl.layers.conv2d({
      filters: ndf * m,
      kernelSize: 5,
      strides: 2,
      padding: 'same',
      useBias: true,
      name: `${name}_conv`,
      kernelInitializer: tfl.initializers.glorotUniform({ seed: init.nextSeed() }),
    });
    x = spectralNormalization({ layer: conv, name, seed: init.nextSeed() }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.leakyReLU({ alpha: 0.2, name: `${name}_lrelu` }).apply(x) as tfl.SymbolicTensor;
  });
  // NHWC order, so the values come in TF's flatten order. tfjs' Flatten refuses unknown height and
  // width, so then a reshape to [batch, -1] does the same.
  const flatten =
    h === null ? tfl.layers.reshape({ targetShape: [-1], name: 'flatten' }) : tfl.layers.flatten({ name: 'flatten' });
  x = flatten.apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: x, name: 'sn_patch_gan' });
}
