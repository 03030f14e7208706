import * as tfl from '@tensorflow/tfjs-layers';
import { checkInteger, checkSafeIntegerSeed } from '../core/checks';
import { checkInputShape, sizedInput, WeightInit } from './internal/networks-common';
import { checkHDNorm, trunk, trunkMinSize, type HDNorm } from './internal/pix2pixhd-common';

/** Arguments of {@link globalGenerator}. */
export interface GlobalGeneratorArgs {
  /** Channels of the input (pix2pixHD on Cityscapes: 35 labels + 1 edge map = 36). Default 3. */
  inputChannels?: number;
  /** Channels of the output image. Default 3. */
  outputChannels?: number;
  /** Filters of the first convolution (doubling at each downsampling). Default 64 (`--ngf`). */
  ngf?: number;
  /** Stride-2 convolutions (and transposed convolutions back). Default 4 (`--n_downsample_global`). */
  nDownsampling?: number;
  /** Residual blocks at the lowest resolution. Default 9 (`--n_blocks_global`). */
  nBlocks?: number;
  /** 'instance' (InstanceNorm2d, no affine) or 'batch' (BatchNorm2d). Default 'instance' (`--norm`). */
  norm?: HDNorm;
  /** Fixed `[height, width]` (multiples of 2^nDownsampling). Default: any such size. */
  inputShape?: [number, number];
  /**
   * Seed of the weight initialisation (an integer, taken modulo 2^32): the same seed and
   * arguments give the same weights. Default: unseeded (fresh random weights on every call).
   */
  seed?: number;
}

/**
 * pix2pixHD's global generator (`GlobalGenerator` of NVIDIA/pix2pixHD, `--netG global`):
 * reflection pad 3 + 7x7 convolution, `nDownsampling` 3x3 stride-2 convolutions, `nBlocks`
 * residual blocks, as many 3x3 stride-2 transposed convolutions back, reflection pad 3 + 7x7
 * convolution to `outputChannels`, tanh. Every convolution but the last is followed by norm and
 * ReLU; all convolutions carry a bias (also before BatchNorm, as upstream).
 *
 * Input: `[batch, h, w, inputChannels]`, h and w multiples of 2^nDownsampling (and at least
 * 2^(nDownsampling + 1) when there are residual blocks, whose reflection padding needs 2 pixels).
 * Any other size is an Error naming the sizes that work. Output: `[batch, h, w, outputChannels]`
 * in (-1, 1).
 * Parameters (ngf 64, 4 downsamplings, 9 blocks, instance norm, 36 -> 3 channels, the Cityscapes
 * configuration): 182,546,755.
 *
 * Layers owning weights are named by their PyTorch state-dict prefix (`model.1`, `model.4`, ...,
 * `model.16.conv_block.1`, ...), so `io.loadTorchStateDict` loads upstream `netG` checkpoints.
 * Weights start as upstream's `weights_init`: convolution kernels N(0, 0.02), biases 0,
 * BatchNorm scale N(1, 0.02).
 *
 * Porting notes: the 3x3 stride-2 padding-1 convolutions are an explicit zero padding and a
 * 'valid' convolution (tfjs 'same' pads 0 before, 1 after); `ConvTranspose2d(k3, s2, p1,
 * output_padding=1)` is tfjs' 'valid' transposed convolution without its first row and column.
 *
 * Reference: T.-C. Wang, M.-Y. Liu, J.-Y. Zhu, A. Tao, J. Kautz, B. Catanzaro, "High-Resolution
 * Image Synthesis and Semantic Manipulation with Conditional GANs", CVPR 2018,
 * https://arxiv.org/abs/1711.11585.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models } from 'tfjs-synth';
 * await initBackend();
 * const g = models.globalGenerator({ inputChannels: 4, ngf: 8, nDownsampling: 2, nBlocks: 2 });
 * const y = g.predict(tf.zeros([1, 32, 48, 4])) as tf.Tensor; // [1, 32, 48, 3]
 * ```
 */
export function globalGenerator(args: GlobalGeneratorArgs = {}): tfl.LayersModel {
  const owner = 'globalGenerator';
  const inputChannels = checkInteger(owner, 'inputChannels', args.inputChannels ?? 3, { min: 1 });
  const outputChannels = checkInteger(owner, 'outputChannels', args.outputChannels ?? 3, { min: 1 });
  const ngf = checkInteger(owner, 'ngf', args.ngf ?? 64, { min: 1, max: 65536 });
  const nDown = checkInteger(owner, 'nDownsampling', args.nDownsampling ?? 4, { min: 0, max: 12 });
  const nBlocks = checkInteger(owner, 'nBlocks', args.nBlocks ?? 9, { min: 0, max: 1000 });
  const kind = checkHDNorm(owner, args.norm ?? 'instance');
  const dims = checkInputShape(owner, args.inputShape);
  const init = new WeightInit(checkSafeIntegerSeed(owner, 'seed', args.seed));
  const { input, x } = sizedInput(owner, inputChannels, dims, {
    multiple: 2 ** nDown,
    minSize: trunkMinSize(nDown, nBlocks),
    reason: '2^nDownsampling',
  });
  const y = trunk(x, 'model', { ngf, nDown, nBlocks, kind, init, head: outputChannels });
  return tfl.model({ inputs: input, outputs: y, name: 'global_generator' });
}
