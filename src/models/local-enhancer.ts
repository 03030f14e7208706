import * as tfl from '@tensorflow/tfjs-layers';
import { checkInteger, checkSafeIntegerSeed } from '../core/checks';
import { avgPool2dExcludePadding } from '../layers/internal/avg-pool2d-exclude-padding';
import { checkInputShape, sizedInput, type Sym, WeightInit } from './internal/networks-common';
import {
  checkHDNorm,
  down,
  reflect,
  resnetBlock,
  stem,
  trunk,
  trunkMinSize,
  up,
  type HDNorm,
} from './internal/pix2pixhd-common';
import { conv, tanh } from './internal/networks-common';

/** Arguments of {@link localEnhancer}. */
export interface LocalEnhancerArgs {
  /** Channels of the input (Cityscapes: 35 labels + 1 edge map = 36). Default 3. */
  inputChannels?: number;
  /** Channels of the output image. Default 3. */
  outputChannels?: number;
  /** Filters of the outermost enhancer; the global generator has `ngf * 2^nLocalEnhancers`. Default 32. */
  ngf?: number;
  /** Downsamplings of the global generator. Default 4 (`--n_downsample_global`). */
  nDownsampleGlobal?: number;
  /** Residual blocks of the global generator. Default 9 (`--n_blocks_global`). */
  nBlocksGlobal?: number;
  /** Local enhancers, each doubling the resolution. Default 1 (`--n_local_enhancers`). */
  nLocalEnhancers?: number;
  /** Residual blocks of each local enhancer. Default 3 (`--n_blocks_local`). */
  nBlocksLocal?: number;
  /** 'instance' (InstanceNorm2d, no affine) or 'batch' (BatchNorm2d). Default 'instance'. */
  norm?: HDNorm;
  /** Fixed `[height, width]` (multiples of 2^(nDownsampleGlobal + nLocalEnhancers)). Default: any such size. */
  inputShape?: [number, number];
  /** Seed of the weight initialisation (an integer, taken modulo 2^32). Default: unseeded. */
  seed?: number;
}

/**
 * pix2pixHD's coarse-to-fine generator (`LocalEnhancer` of NVIDIA/pix2pixHD, `--netG local`):
 * the input is downsampled `nLocalEnhancers` times (3x3 average pooling, stride 2, padding left
 * out); a global generator with `ngf * 2^nLocalEnhancers` filters and without its output layers
 * runs on the coarsest copy; each enhancer n = 1 ... nLocalEnhancers encodes its copy (7x7
 * convolution, one stride-2 convolution), adds the previous output, and refines it with
 * `nBlocksLocal` residual blocks and one transposed convolution; the last one ends with
 * reflection pad 3 + 7x7 convolution + tanh.
 *
 * Input: `[batch, h, w, inputChannels]`, h and w multiples of 2^(nDownsampleGlobal +
 * nLocalEnhancers) (at least twice that with global residual blocks); any other size is an
 * Error naming the sizes that work. Output: `[batch, h, w, outputChannels]` in (-1, 1).
 * Parameters (ngf 32, 1 enhancer, 4 global downsamplings, 9 + 3 blocks, instance norm, 36 -> 3
 * channels: upstream's 1024p configuration): 182,857,059.
 *
 * Layer names follow upstream's state dict: `model.<i>` (the global generator's layers),
 * `model1_1.<i>` (enhancer 1's downsampling), `model1_2.<i>` (its blocks, upsampling and, for the
 * last enhancer, output layers), so `io.loadTorchStateDict` loads upstream checkpoints.
 *
 * Porting note: PyTorch's `AvgPool2d(3, 2, 1, count_include_pad=False)` is the
 * `AvgPool2DExcludePadding` layer (tfjs 'same' pooling places its windows one pixel off).
 *
 * Reference: T.-C. Wang et al., "High-Resolution Image Synthesis and Semantic Manipulation with
 * Conditional GANs", CVPR 2018, https://arxiv.org/abs/1711.11585.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models } from 'tfjs-synth';
 * await initBackend();
 * const g = models.localEnhancer({ ngf: 4, nDownsampleGlobal: 2, nBlocksGlobal: 1, nBlocksLocal: 1 });
 * const y = g.predict(tf.zeros([1, 32, 32, 3])) as tf.Tensor; // [1, 32, 32, 3]
 * ```
 */
export function localEnhancer(args: LocalEnhancerArgs = {}): tfl.LayersModel {
  const owner = 'localEnhancer';
  const inputChannels = checkInteger(owner, 'inputChannels', args.inputChannels ?? 3, { min: 1 });
  const outputChannels = checkInteger(owner, 'outputChannels', args.outputChannels ?? 3, { min: 1 });
  const ngf = checkInteger(owner, 'ngf', args.ngf ?? 32, { min: 1, max: 65536 });
  const nDown = checkInteger(owner, 'nDownsampleGlobal', args.nDownsampleGlobal ?? 4, { min: 0, max: 12 });
  const nBlocks = checkInteger(owner, 'nBlocksGlobal', args.nBlocksGlobal ?? 9, { min: 0, max: 1000 });
  const nLocal = checkInteger(owner, 'nLocalEnhancers', args.nLocalEnhancers ?? 1, { min: 1, max: 6 });
  const nBlocksLocal = checkInteger(owner, 'nBlocksLocal', args.nBlocksLocal ?? 3, { min: 0, max: 1000 });
  const kind = checkHDNorm(owner, args.norm ?? 'instance');
  const dims = checkInputShape(owner, args.inputShape);
  const init = new WeightInit(checkSafeIntegerSeed(owner, 'seed', args.seed));

  const { input, x } = sizedInput(owner, inputChannels, dims, {
    multiple: 2 ** (nDown + nLocal),
    minSize: 2 ** nLocal * trunkMinSize(nDown, nBlocks),
    reason: '2^(nDownsampleGlobal + nLocalEnhancers)',
  });
  // Input pyramid: pyramid[k] is the input downsampled k times.
  const pyramid: Sym[] = [x];
  for (let k = 1; k <= nLocal; k++) {
    pyramid.push(avgPool2dExcludePadding({ name: `downsample_${k}` }).apply(pyramid[k - 1]!) as Sym);
  }
  const ngfGlobal = ngf * 2 ** nLocal;
  let out = trunk(pyramid[nLocal]!, 'model', { ngf: ngfGlobal, nDown, nBlocks, kind, init, head: null });
  for (let n = 1; n <= nLocal; n++) {
    const f = ngf * 2 ** (nLocal - n);
    const a = `model${n}_1`;
    let h = stem(pyramid[nLocal - n]!, a, f, kind, init);
    h = down(h, a, 4, f * 2, kind, init);
    h = tfl.layers.add({ name: `model${n}_sum` }).apply([h, out]) as Sym;
    const b = `model${n}_2`;
    for (let i = 0; i < nBlocksLocal; i++) h = resnetBlock(h, `${b}.${i}`, f * 2, kind, init);
    h = up(h, b, nBlocksLocal, f, kind, init);
    if (n === nLocal) {
      const end = nBlocksLocal + 3;
      h = reflect(h, `${b}.${end}_reflection_pad`, 3);
      h = conv(h, `${b}.${end + 1}`, outputChannels, 7, 1, 'valid', true, init);
      h = tanh(h, `${b}.${end + 2}_tanh`);
    }
    out = h;
  }
  return tfl.model({ inputs: input, outputs: out, name: 'local_enhancer' });
}
