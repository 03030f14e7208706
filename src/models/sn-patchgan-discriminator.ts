import * as tfl from '@tensorflow/tfjs-layers';
import { spectralNormalization } from '../layers/spectral-normalization';
import { checkInputShape, checkInt, leakyRelu, type Sym } from './internal/networks-common';

/** Arguments of {@link snPatchGANDiscriminator}. */
export interface SNPatchGANDiscriminatorArgs {
  /** Channels of the judged input (DeepFill v2: RGB + mask = 4). Default 4. */
  inputChannels?: number;
  /** Filters of the first convolution (then 2, 4, 4, 4, 4 times as many). Default 64. */
  ndf?: number;
  /** `[height, width]`; it fixes the length of the flattened output. Default [256, 256] (DeepFill's training size). */
  inputShape?: [number, number];
}

/**
 * The SN-PatchGAN discriminator of DeepFill v2: six spectrally normalised 5x5 stride-2 'same'
 * convolutions with `ndf * [1, 2, 4, 4, 4, 4]` filters and a bias, each followed by LeakyReLU 0.2
 * (the last one too), then flattened: every value judges one patch, and the hinge loss is taken
 * over all of them. There is no one-channel head.
 *
 * Input: `[batch, h, w, inputChannels]` (DeepFill: image in [-1, 1] with the mask as 4th channel).
 * Output: `[batch, ceil(h / 64) * ceil(w / 64) * 4 * ndf]` (256x256, ndf 64: 4x4x256 = 4096).
 * Parameters: 5,946,816 trainable for 4 channels and ndf 64 (+ the spectral norm's u and v).
 *
 * Layers are named as DeepFill's variables (`conv1` ... `conv6`, the `SpectralNormalization`
 * wrappers). Spectral normalisation follows `torch.nn.utils.spectral_norm` (one power iteration
 * per training call, u and v stored), as our `SpectralNormalization`.
 *
 * Porting note: DeepFill's convolutions are TensorFlow 'SAME' (on even sizes 1 pixel before and 2
 * after for 5x5 stride 2), which tfjs 'same' reproduces exactly; a PyTorch port with padding 2
 * differs. neuralgym's own spectral norm stores only u, in the (kh*kw*in, out) matrix order, and
 * iterates in inference too; TF checkpoints need converting u, not a rename.
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
 * const d = models.snPatchGANDiscriminator({ ndf: 16, inputShape: [128, 128] });
 * const scores = d.predict(tf.zeros([2, 128, 128, 4])) as tf.Tensor; // [2, 2 * 2 * 64]
 * ```
 */
export function snPatchGANDiscriminator(args: SNPatchGANDiscriminatorArgs = {}): tfl.LayersModel {
  const fn = 'snPatchGANDiscriminator';
  const inputChannels = checkInt(fn, 'inputChannels', args.inputChannels ?? 4, 1);
  const ndf = checkInt(fn, 'ndf', args.ndf ?? 64, 1);
  // Flatten needs known sizes, so the input size is fixed (256x256 unless given).
  const [h, w] = checkInputShape(fn, args.inputShape ?? [256, 256]);
  const input = tfl.input({ shape: [h, w, inputChannels], name: 'input' });
  let x: Sym = input;
  [1, 2, 4, 4, 4, 4].forEach((mult, i) => {
    const conv = tfl.layers.conv2d({ filters: ndf * mult, kernelSize: 5, strides: 2, padding: 'same', name: `conv${i + 1}_conv` });
    x = spectralNormalization({ layer: conv, name: `conv${i + 1}` }).apply(x) as Sym;
    x = leakyRelu(x, `conv${i + 1}_leaky_relu`);
  });
  x = tfl.layers.flatten({ name: 'flatten' }).apply(x) as Sym;
  return tfl.model({ inputs: input, outputs: x, name: 'sn_patchgan_discriminator' });
}
