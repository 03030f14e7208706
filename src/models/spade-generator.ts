import * as tfl from '@tensorflow/tfjs-layers';
import { checkBoolean, checkError, checkInteger, checkOneOf, checkSafeIntegerSeed } from '../core/checks';
import { ResizeTorch } from '../layers/internal/resize-torch';
import { seedStream, spadeKernelInitializer, SPADE_NORMS, type SpadeNorm } from '../layers/internal/spade-core';
import { spadeResnetBlock } from '../layers/spade-resnet-block';

/** Upstream's `--num_upsampling_layers`: 5, 6 or 7 doublings of the first feature map. */
export type SPADEUpsampling = 'normal' | 'more' | 'most';

const UPSAMPLINGS: readonly SPADEUpsampling[] = ['normal', 'more', 'most'];
const DOUBLINGS: Record<SPADEUpsampling, number> = { normal: 5, more: 6, most: 7 };

/** Arguments of {@link spadeGenerator}. */
export interface SPADEGeneratorArgs {
  /**
   * Channels of the semantic input (upstream `semantic_nc`): label count, +1 with a don't-care
   * label, +1 with instance edges. Default 184 (COCO-Stuff: 182 labels, don't-care, edges).
   */
  semanticChannels?: number;
  /** Base filters; the blocks have 16, 16, 16, 8, 4, 2, 1 (and 1/2 with 'most') times ngf. Default 64. */
  ngf?: number;
  /**
   * `[height, width]` of the segmentation map and of the generated image. Both must be
   * multiples of 2^n (n = 5, 6, 7 for 'normal', 'more', 'most'). Default [256, 256].
   */
  inputShape?: [number, number];
  /** Upsamplings: 'normal' (5), 'more' (6: one more between the middle blocks), 'most' (7: and up_4). Default 'normal'. */
  numUpsamplingLayers?: SPADEUpsampling;
  /** Parameter-free norm inside SPADE: 'batch' (upstream's default 'spectralspadesyncbatch3x3') or 'instance'. Default 'batch'. */
  norm?: SpadeNorm;
  /** Spectral-normalise the residual blocks' convolutions. Default true. */
  spectralNorm?: boolean;
  /** Kernel size of the SPADE convolutions (odd). Default 3. */
  spadeKernelSize?: number;
  /** Channels of each SPADE's shared embedding (upstream hard-codes 128). Default 128. */
  hiddenChannels?: number;
  /**
   * Start from a latent vector z through a linear layer (upstream `--use_vae`), instead of the
   * segmentation map downsampled and convolved. The model then has two inputs, [segmap, z].
   * Default false.
   */
  useVAE?: boolean;
  /** Length of z with `useVAE`. Default 256. */
  zDim?: number;
  /** Seed of the weight initialisation and of the spectral norms' u and v. Default: unseeded. */
  seed?: number;
}

/**
 * The SPADE (GauGAN) generator (Park et al. 2019, "Semantic Image Synthesis with
 * Spatially-Adaptive Normalization", https://arxiv.org/abs/1903.07291; `SPADEGenerator` of
 * NVlabs/SPADE): a stack of {@link SPADEResnetBlock}s that all see the segmentation map,
 * growing a small feature map to the image size by nearest 2x upsamplings:
 *
 *     x = fc(nearest-resize(segmap, h/2^n x w/2^n))          (3x3 conv to 16 ngf)
 *         or fc(z) reshaped to [h/2^n, w/2^n, 16 ngf]      (useVAE)
 *     head_0, up, G_middle_0, [up if 'more'/'most'], G_middle_1,
 *     up, up_0 (8 ngf), up, up_1 (4 ngf), up, up_2 (2 ngf), up, up_3 (ngf), [up, up_4 (ngf/2) if 'most']
 *     image = tanh(conv_img(lrelu(x, 0.2)))                  (3x3 conv to 3 channels)
 *
 * Input: `segmap [batch, h, w, semanticChannels]` (a one-hot label map, see
 * `ops.labelMapToOneHot`), and with `useVAE` also `z [batch, zDim]` (sample it as N(0, 1), or
 * from `spadeEncoder`'s mu and logvar). Output: `[batch, h, w, 3]` in [-1, 1].
 *
 * Parameters (ngf 64, defaults): 97,480,899 for COCO-Stuff (184 semantic channels),
 * 96,492,483 for ADE20K (151), 93,048,003 for Cityscapes (36); with `useVAE` (COCO, 256x256)
 * 112,626,883; the upstream code's counts. With 'batch' each SPADE adds its running statistics
 * (non-trainable).
 *
 * Layers are named by their state-dict prefix (`fc`, `head_0`, `G_middle_0`, `up_0`, ...,
 * `conv_img`), so `io.loadTorchStateDict` loads upstream checkpoints (`latest_net_G.pth`)
 * strictly, spectral-norm keys included.
 *
 * Porting note: upstream takes `crop_size` and `aspect_ratio` and computes the first map as
 * crop_size / 2^n by round(crop_size / 2^n / aspect_ratio); sizes that are not multiples of 2^n
 * silently give a smaller image there. Here the size is given directly and must divide.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models, ops } from 'tfjs-synth';
 * await initBackend();
 * const g = models.spadeGenerator({ semanticChannels: 4, ngf: 2, hiddenChannels: 8, inputShape: [32, 64] });
 * const segmap = ops.labelMapToOneHot(tf.zeros([1, 32, 64], 'int32'), 4);
 * const image = g.predict(segmap) as tf.Tensor; // [1, 32, 64, 3]
 * ```
 * @throws Error naming the argument for invalid arguments, and listing the sizes that work when
 *   `inputShape` is not a multiple of 2^n.
 */
export function spadeGenerator(args: SPADEGeneratorArgs = {}): tfl.LayersModel {
  const owner = 'spadeGenerator';
  if (args === null || typeof args !== 'object') throw checkError(owner, 'args', 'an object', args);
  const semanticChannels = checkInteger(owner, 'semanticChannels', args.semanticChannels ?? 184, {
    min: 1,
    max: 65536,
  });
  const ngf = checkInteger(owner, 'ngf', args.ngf ?? 64, { min: 1, max: 4096 });
  const upsampling = checkOneOf(owner, 'numUpsamplingLayers', args.numUpsamplingLayers ?? 'normal', UPSAMPLINGS);
  const norm = checkOneOf(owner, 'norm', args.norm ?? 'batch', SPADE_NORMS);
  const spectralNorm = checkBoolean(owner, 'spectralNorm', args.spectralNorm ?? true);
  const spadeKernelSize = checkInteger(owner, 'spadeKernelSize', args.spadeKernelSize ?? 3, { min: 1, max: 15 });
  if (spadeKernelSize % 2 !== 1) throw checkError(owner, 'spadeKernelSize', 'an odd integer', spadeKernelSize);
  const hiddenChannels = checkInteger(owner, 'hiddenChannels', args.hiddenChannels ?? 128, { min: 1, max: 65536 });
  const useVAE = checkBoolean(owner, 'useVAE', args.useVAE ?? false);
  const zDim = checkInteger(owner, 'zDim', args.zDim ?? 256, { min: 1, max: 65536 });
  const seed = checkSafeIntegerSeed(owner, 'seed', args.seed);
  if (upsampling === 'most' && ngf < 2)
    throw checkError(owner, 'ngf', "an integer >= 2 with 'most' (up_4 has ngf / 2 filters)", ngf);
  const n = DOUBLINGS[upsampling];
  const unit = 2 ** n;
  const shape = args.inputShape ?? [256, 256];
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => Number.isInteger(d) && d >= 1 && d <= 65536)) {
    throw checkError(owner, 'inputShape', '[height, width] of positive integers', shape);
  }
  const [height, width] = shape;
  if (height % unit !== 0 || width % unit !== 0) {
    throw new Error(
      `${owner}: inputShape must be multiples of ${unit} (2^${n} upsamplings with numUpsamplingLayers ` +
        `'${upsampling}'), got ${height}x${width}; sizes that work: ${unit}, ${2 * unit}, ${3 * unit}, ... ` +
        `(nearest: ${Math.max(unit, Math.round(height / unit) * unit)}x${Math.max(unit, Math.round(width / unit) * unit)}).`,
    );
  }
  const sh = height / unit;
  const sw = width / unit;
  const nextSeed = seedStream(seed);
  const blockArgs = { norm, spectralNorm, kernelSize: spadeKernelSize, hiddenChannels };
  type Sym = tfl.SymbolicTensor;

  const segmap = tfl.input({ shape: [height, width, semanticChannels], name: 'segmap' });
  const inputs: Sym[] = [segmap];
  let x: Sym;
  if (useVAE) {
    const z = tfl.input({ shape: [zDim], name: 'z' });
    inputs.push(z);
    x = tfl.layers
      .dense({ units: 16 * ngf * sh * sw, name: 'fc', kernelInitializer: spadeKernelInitializer(nextSeed()) })
      .apply(z) as Sym;
    // PyTorch's view(-1, 16 ngf, sh, sw) is channels first.
    x = tfl.layers.reshape({ targetShape: [16 * ngf, sh, sw], name: 'fc_reshape' }).apply(x) as Sym;
    x = tfl.layers.permute({ dims: [2, 3, 1], name: 'fc_to_nhwc' }).apply(x) as Sym;
  } else {
    x = new ResizeTorch({ height: sh, width: sw, name: 'fc_resize' }).apply(segmap) as Sym;
    x = tfl.layers
      .conv2d({
        filters: 16 * ngf,
        kernelSize: 3,
        padding: 'same',
        name: 'fc',
        kernelInitializer: spadeKernelInitializer(nextSeed()),
      })
      .apply(x) as Sym;
  }
  let ups = 0;
  const up = (t: Sym): Sym => {
    ups += 1;
    return tfl.layers.upSampling2d({ size: [2, 2], name: `up_${ups}_upsample` }).apply(t) as Sym;
  };
  const block = (t: Sym, name: string, filters: number): Sym =>
    spadeResnetBlock({ ...blockArgs, filters, name, seed: nextSeed() }).apply([t, segmap]) as Sym;
  x = block(x, 'head_0', 16 * ngf);
  x = up(x);
  x = block(x, 'G_middle_0', 16 * ngf);
  if (upsampling !== 'normal') x = up(x);
  x = block(x, 'G_middle_1', 16 * ngf);
  x = block(up(x), 'up_0', 8 * ngf);
  x = block(up(x), 'up_1', 4 * ngf);
  x = block(up(x), 'up_2', 2 * ngf);
  x = block(up(x), 'up_3', ngf);
  if (upsampling === 'most') x = block(up(x), 'up_4', Math.floor(ngf / 2));
  x = tfl.layers.leakyReLU({ alpha: 0.2, name: 'conv_img_lrelu' }).apply(x) as Sym;
  x = tfl.layers
    .conv2d({
      filters: 3,
      kernelSize: 3,
      padding: 'same',
      name: 'conv_img',
      kernelInitializer: spadeKernelInitializer(nextSeed()),
    })
    .apply(x) as Sym;
  x = tfl.layers.activation({ activation: 'tanh', name: 'tanh' }).apply(x) as Sym;
  return tfl.model({ inputs, outputs: x, name: 'spade_generator' });
}
