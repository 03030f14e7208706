import * as tfl from '@tensorflow/tfjs-layers';
import { checkError, checkInteger, checkOneOf, checkSafeIntegerSeed } from '../core/checks';
import { ResizeTorch } from '../layers/internal/resize-torch';
import { spadeKernelInitializer, seedStream } from '../layers/internal/spade-core';
import { spectralNormalization } from '../layers/spectral-normalization';
import { checkInputShape, norm as normLayer, zeroPad, WeightInit } from './internal/networks-common';

/** Arguments of {@link spadeEncoder}. */
export interface SPADEEncoderArgs {
  /** Base filters (upstream uses `--ngf`): ngf, 2, 4, 8, 8, 8 times it. Default 64. */
  ngf?: number;
  /** Length of mu and logvar (upstream hard-codes 256, the generator's default `z_dim`). Default 256. */
  zDim?: number;
  /** Norm after the spectral-normalised convolutions (upstream `--norm_E spectral<norm>`). Default 'instance'. */
  norm?: 'instance' | 'batch' | 'none';
  /** Fixed `[height, width]` of the image; omit for any size (it is resized to 256x256). */
  inputShape?: [number, number];
  /** Seed of the weight initialisation and of the spectral norms' u and v. Default: unseeded. */
  seed?: number;
}

/**
 * The image encoder of SPADE's VAE mode (`ConvEncoder` of NVlabs/SPADE
 * `models/networks/encoder.py`; Park et al. 2019, https://arxiv.org/abs/1903.07291): the image,
 * resized to 256x256 (bilinear) unless it is that size, goes through six spectral-normalised 3x3
 * stride-2 convolutions (padding 1, no bias; ngf x [1, 2, 4, 8, 8, 8] filters), each followed by
 * instance norm and LeakyReLU 0.2, to a 4x4 map, flattened in PyTorch's channel-first order,
 * then two linear layers give mu and logvar. Sample z = mu + exp(logvar / 2) * N(0, 1) and feed
 * it to `spadeGenerator({ useVAE: true })`; `losses.klDivergenceLoss(mu, logvar)` is the KL term.
 *
 * Input: `[batch, h, w, 3]` in [-1, 1]. Output: `[mu [batch, zDim], logvar [batch, zDim]]`.
 * Parameters (ngf 64): 10,463,424, the upstream count.
 *
 * Layers are named by their state-dict prefix (`layer1.0` the spectral norm, `layer1.1` the
 * norm, ..., `layer6.0`, `fc_mu`, `fc_var`), so `latest_net_E.pth` loads strictly.
 *
 * Porting note: upstream builds layer6 only for `crop_size >= 256`; without it the flattened size
 * does not match fc_mu (the encoder always works at 256x256), so smaller crops fail there. This
 * port always has layer6.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models } from 'tfjs-synth';
 * await initBackend();
 * const e = models.spadeEncoder({ ngf: 2, zDim: 8 });
 * const [mu, logvar] = e.predict(tf.zeros([1, 64, 64, 3])) as tf.Tensor[]; // [1, 8] each
 * ```
 */
export function spadeEncoder(args: SPADEEncoderArgs = {}): tfl.LayersModel {
  const owner = 'spadeEncoder';
  if (args === null || typeof args !== 'object') throw checkError(owner, 'args', 'an object', args);
  const ngf = checkInteger(owner, 'ngf', args.ngf ?? 64, { min: 1, max: 4096 });
  const zDim = checkInteger(owner, 'zDim', args.zDim ?? 256, { min: 1, max: 65536 });
  const kind = checkOneOf(owner, 'norm', args.norm ?? 'instance', ['batch', 'instance', 'none'] as const);
  const [h, w] = checkInputShape(owner, args.inputShape);
  const nextSeed = seedStream(checkSafeIntegerSeed(owner, 'seed', args.seed));
  const init = new WeightInit(nextSeed());
  type Sym = tfl.SymbolicTensor;
  const input = tfl.input({ shape: [h, w, 3], name: 'image' });
  let x = new ResizeTorch({ height: 256, width: 256, method: 'bilinear', name: 'resize_256' }).apply(input) as Sym;
  const multipliers = [1, 2, 4, 8, 8, 8];
  multipliers.forEach((m, i) => {
    const name = `layer${i + 1}`;
    if (i > 0) x = tfl.layers.leakyReLU({ alpha: 0.2, name: `${name}_lrelu` }).apply(x) as Sym;
    const seq = kind === 'none' ? name : `${name}.0`;
    const conv = tfl.layers.conv2d({
      name: `${seq}_conv`,
      filters: ngf * m,
      kernelSize: 3,
      strides: 2,
      padding: 'valid',
      useBias: kind === 'none',
      kernelInitializer: spadeKernelInitializer(nextSeed()),
    });
    x = spectralNormalization({ layer: conv, name: seq, seed: nextSeed() }).apply(
      zeroPad(x, `${name}_zero_pad`, 1),
    ) as Sym;
    x = normLayer(x, kind, `${name}.1`, init);
  });
  x = tfl.layers.leakyReLU({ alpha: 0.2, name: 'layer6_out_lrelu' }).apply(x) as Sym;
  // PyTorch flattens (C, H, W).
  x = tfl.layers.permute({ dims: [3, 1, 2], name: 'to_nchw' }).apply(x) as Sym;
  x = tfl.layers.flatten({ name: 'flatten' }).apply(x) as Sym;
  const fc = (name: string) =>
    tfl.layers.dense({ units: zDim, name, kernelInitializer: spadeKernelInitializer(nextSeed()) }).apply(x) as Sym;
  return tfl.model({ inputs: input, outputs: [fc('fc_mu'), fc('fc_var')], name: 'spade_encoder' });
}
