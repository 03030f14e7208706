import * as tfl from '@tensorflow/tfjs-layers';
import { checkInteger, checkSafeIntegerSeed } from '../core/checks';
import { batchNormalizationTorch } from '../layers/batch-normalization-torch';
import { checkDCGANImageSize, checkDCGANWeightCount } from './internal/dcgan-sizes';
import { relu, tanh, WeightInit, type Sym } from './internal/networks-common';

/** Arguments of {@link dcganGenerator}. */
export interface DCGANGeneratorArgs {
  /** Length of the latent vector z. Default 100. */
  nz?: number;
  /** Filters of the last hidden stage (the widest has `ngf * imageSize / 8`). Default 64. */
  ngf?: number;
  /** Channels of the generated image. Default 3. */
  nc?: number;
  /** Height and width of the generated image: 16, 32, 64, 128, 256, 512 or 1024. Default 64. */
  imageSize?: number;
  /**
   * Seed of the weight initialisation (an integer, taken modulo 2^32): the same seed and
   * arguments give the same weights. Default: unseeded (fresh random weights on every call).
   */
  seed?: number;
}

/**
 * The DCGAN generator (Radford et al. 2016), as `netG` of the PyTorch examples' `dcgan/main.py`:
 * a 4x4 transposed convolution from z to `ngf * imageSize / 8` channels at 4x4, then stride-2
 * 4x4 transposed convolutions halving the channels and doubling the size, each followed by
 * BatchNorm and ReLU, and a last stride-2 transposed convolution to `nc` channels with tanh.
 * No convolution has a bias. Initialisation is the reference's `weights_init`: kernels
 * N(0, 0.02), BatchNorm gamma N(1, 0.02), beta 0.
 *
 * Sizes: for `imageSize` s = 2^k the network has k - 3 BatchNorm stages after the first layer
 * (3 for 64: channels 8·ngf, 4·ngf, 2·ngf, ngf), the same generalisation as the WGAN reference
 * code's `DCGAN_G` (a stage is added or removed at the wide end; 64 gives upstream's netG).
 * Layers owning weights are named by their state-dict keys: `main.0`, `main.1` (BatchNorm),
 * `main.3`, `main.4`, ..., the last transposed convolution `main.<3 (k - 2)>` (`main.12` for 64),
 * so `io.loadTorchStateDict` loads a netG checkpoint strictly.
 * Parameters (defaults nz 100, ngf 64, nc 3, 64x64): 3,576,704 trainable (+ 1,920 running statistics).
 *
 * Input: z as `[batch, nz]`. Output: `[batch, imageSize, imageSize, nc]` in [-1, 1].
 *
 * Porting note: upstream feeds z as `[batch, nz, 1, 1]`; here z is `[batch, nz]` (reshaped to
 * 1x1 inside), so the latent helpers of `ops` apply to it directly. The stride-2 k4 p1
 * transposed convolutions are tfjs 'same' (identical for these sizes), the first is 'valid'.
 *
 * Reference: A. Radford, L. Metz, S. Chintala, "Unsupervised Representation Learning with Deep
 * Convolutional Generative Adversarial Networks", ICLR 2016, https://arxiv.org/abs/1511.06434.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models } from 'tfjs-synth';
 * await initBackend();
 * const g = models.dcganGenerator({ nz: 16, ngf: 4, imageSize: 16, seed: 1 });
 * const images = g.predict(tf.randomNormal([2, 16])) as tf.Tensor; // [2, 16, 16, 3]
 * ```
 */
export function dcganGenerator(args: DCGANGeneratorArgs = {}): tfl.LayersModel {
  const owner = 'dcganGenerator';
  if (args === null || typeof args !== 'object') throw new Error(`${owner}: args must be an object or undefined.`);
  const nz = checkInteger(owner, 'nz', args.nz ?? 100, { min: 1, max: 65536 });
  const ngf = checkInteger(owner, 'ngf', args.ngf ?? 64, { min: 1, max: 65536 });
  const nc = checkInteger(owner, 'nc', args.nc ?? 3, { min: 1, max: 4096 });
  const { stages } = checkDCGANImageSize(owner, args.imageSize ?? 64);
  const seed = checkSafeIntegerSeed(owner, 'seed', args.seed);
  let channels = ngf * 2 ** stages;
  let weights = nz * channels * 16 + 4 * channels;
  for (let c = channels; c > ngf; c /= 2) weights += c * (c / 2) * 16 + 2 * c;
  checkDCGANWeightCount(owner, weights + ngf * nc * 16);
  const init = new WeightInit(seed);

  const input = tfl.input({ shape: [nz], name: 'z' });
  let h = tfl.layers.reshape({ targetShape: [1, 1, nz], name: 'z_reshape' }).apply(input) as Sym;
  const convT = (x: Sym, name: string, filters: number, strides: number): Sym =>
    tfl.layers
      .conv2dTranspose({
        name,
        filters,
        kernelSize: 4,
        strides,
        padding: strides === 1 ? 'valid' : 'same',
        useBias: false,
        kernelInitializer: init.kernel(),
      })
      .apply(x) as Sym;
  const bn = (x: Sym, name: string): Sym =>
    batchNormalizationTorch({ name, gammaInitializer: init.gamma() }).apply(x) as Sym;
  h = convT(h, 'main.0', channels, 1);
  h = bn(h, 'main.1');
  h = relu(h, 'main.2_relu');
  let index = 3;
  for (let s = 0; s < stages; s++) {
    channels /= 2;
    h = convT(h, `main.${index}`, channels, 2);
    h = bn(h, `main.${index + 1}`);
    h = relu(h, `main.${index + 2}_relu`);
    index += 3;
  }
  h = convT(h, `main.${index}`, nc, 2);
  h = tanh(h, `main.${index + 1}_tanh`);
  return tfl.model({ inputs: input, outputs: h, name: 'dcgan_generator' });
}
