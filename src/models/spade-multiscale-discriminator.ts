import * as tfl from '@tensorflow/tfjs-layers';
import { checkError, checkInteger, checkOneOf, checkSafeIntegerSeed } from '../core/checks';
import { avgPool2dExcludePadding } from '../layers/internal/avg-pool2d-exclude-padding';
import { spectralNormalization } from '../layers/spectral-normalization';
import { spadeKernelInitializer, seedStream } from '../layers/internal/spade-core';
import { checkInputShape, norm as normLayer, zeroPad, type NetworkNorm, WeightInit } from './internal/networks-common';

/** Arguments of {@link spadeMultiscaleDiscriminator}. */
export interface SPADEMultiscaleDiscriminatorArgs {
  /** Input channels: semantic channels + 3 image channels (upstream `label_nc + output_nc` (+1, +1)). Default 187 (COCO-Stuff). */
  inputChannels?: number;
  /** Filters of the first convolution (doubling, capped at 512). Default 64. */
  ndf?: number;
  /** Convolutions per discriminator before the 1-channel one (upstream `--n_layers_D`). Default 4. */
  nLayers?: number;
  /** Discriminators, each on the input downsampled once more (upstream `--num_D`). Default 2. */
  numD?: number;
  /** Norm after the spectral-normalised convolutions (upstream `--norm_D spectral<norm>`). Default 'instance'. */
  norm?: NetworkNorm;
  /** Fixed `[height, width]`; omit for any size. */
  inputShape?: [number, number];
  /** Seed of the weight initialisation and of the spectral norms' u and v. Default: unseeded. */
  seed?: number;
}

/**
 * The multi-scale PatchGAN discriminator of SPADE / GauGAN (`MultiscaleDiscriminator` with
 * `NLayerDiscriminator` subnetworks of NVlabs/SPADE `models/networks/discriminator.py`; Wang et
 * al. 2018, pix2pixHD; Park et al. 2019, https://arxiv.org/abs/1903.07291). `numD` PatchGANs
 * see the input at full, 1/2, 1/4, ... resolution (3x3 average pooling, stride 2, padding 1,
 * not counting the padding). Each is 4x4 convolutions with padding 2:
 *
 *     model0: conv(ndf, stride 2) + LeakyReLU 0.2
 *     model1..model{nLayers-1}: spectral_norm(conv(min(2 nf, 512), stride 2, the last stride 1), no bias) + norm + LeakyReLU 0.2
 *     model{nLayers}: conv(1, stride 1)            (logits, no sigmoid)
 *
 * Input: `[batch, h, w, inputChannels]`, the semantic map and the image concatenated on channels
 * (map first). Output: a flat list of `numD * (nLayers + 1)` tensors: per discriminator the
 * outputs of model0..model{nLayers}, the last being its prediction. The intermediate ones are
 * the features of the feature-matching loss. {@link groupMultiscaleOutputs} groups them.
 *
 * Parameters (ndf 64, defaults): 5,904,514 with 187 input channels (COCO-Stuff), 5,836,930
 * with 154 (ADE20K), 5,601,410 with 39 (Cityscapes); the upstream code's counts.
 *
 * Layers are named by their state-dict prefix: `discriminator_0.model0.0` (conv),
 * `discriminator_0.model1.0.0` (the spectral norm, weight_orig / weight_u / weight_v),
 * `discriminator_0.model1.0.1` (norm), ..., `discriminator_0.model4.0`, so upstream
 * checkpoints (`latest_net_D.pth`) load strictly with `io.loadTorchStateDict`.
 *
 * Porting note: upstream's `get_nonspade_norm_layer` only works for `spectral*` norms (without
 * 'spectral' it reads an unset variable), so the convolutions are always spectral-normalised
 * here; 'none' keeps their bias and adds no norm layer (`model1.0` is then the spectral norm).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models } from 'tfjs-synth';
 * await initBackend();
 * const d = models.spadeMultiscaleDiscriminator({ inputChannels: 7, ndf: 4 });
 * const outputs = d.predict(tf.zeros([1, 32, 32, 7])) as tf.Tensor[]; // 10 tensors
 * const perD = models.groupMultiscaleOutputs(outputs, 2); // [[5 features], [5 features]]
 * const prediction = perD[0]![4]!; // [1, 5, 5, 1]
 * ```
 */
export function spadeMultiscaleDiscriminator(args: SPADEMultiscaleDiscriminatorArgs = {}): tfl.LayersModel {
  const owner = 'spadeMultiscaleDiscriminator';
  if (args === null || typeof args !== 'object') throw checkError(owner, 'args', 'an object', args);
  const inputChannels = checkInteger(owner, 'inputChannels', args.inputChannels ?? 187, { min: 1, max: 65536 });
  const ndf = checkInteger(owner, 'ndf', args.ndf ?? 64, { min: 1, max: 4096 });
  const nLayers = checkInteger(owner, 'nLayers', args.nLayers ?? 4, { min: 1, max: 16 });
  const numD = checkInteger(owner, 'numD', args.numD ?? 2, { min: 1, max: 8 });
  const kind = checkOneOf(owner, 'norm', args.norm ?? 'instance', ['batch', 'instance', 'none'] as const);
  const [h, w] = checkInputShape(owner, args.inputShape);
  const seed = checkSafeIntegerSeed(owner, 'seed', args.seed);
  const nextSeed = seedStream(seed);
  const init = new WeightInit(nextSeed());
  type Sym = tfl.SymbolicTensor;
  const conv = (name: string, filters: number, stride: number, useBias: boolean) =>
    tfl.layers.conv2d({
      name,
      filters,
      kernelSize: 4,
      strides: stride,
      padding: 'valid',
      useBias,
      kernelInitializer: spadeKernelInitializer(nextSeed()),
    });
  const input = tfl.input({ shape: [h, w, inputChannels], name: 'input' });
  const outputs: Sym[] = [];
  let x: Sym = input;
  for (let d = 0; d < numD; d++) {
    const p = `discriminator_${d}`;
    let nf = ndf;
    let t = conv(`${p}.model0.0`, nf, 2, true).apply(zeroPad(x, `${p}.model0.0_zero_pad`, 2)) as Sym;
    t = tfl.layers.leakyReLU({ alpha: 0.2, name: `${p}.model0.1` }).apply(t) as Sym;
    outputs.push(t);
    for (let n = 1; n < nLayers; n++) {
      nf = Math.min(nf * 2, 512);
      const stride = n === nLayers - 1 ? 1 : 2;
      const seq = kind === 'none' ? `${p}.model${n}.0` : `${p}.model${n}.0.0`;
      const sn = spectralNormalization({
        layer: conv(`${seq}_conv`, nf, stride, kind === 'none'),
        name: seq,
        seed: nextSeed(),
      });
      t = sn.apply(zeroPad(t, `${p}.model${n}.0_zero_pad`, 2)) as Sym;
      t = normLayer(t, kind, `${p}.model${n}.0.1`, init);
      t = tfl.layers.leakyReLU({ alpha: 0.2, name: `${p}.model${n}.1` }).apply(t) as Sym;
      outputs.push(t);
    }
    t = conv(`${p}.model${nLayers}.0`, 1, 1, true).apply(zeroPad(t, `${p}.model${nLayers}.0_zero_pad`, 2)) as Sym;
    outputs.push(t);
    if (d < numD - 1) x = avgPool2dExcludePadding({ name: `downsample_${d}` }).apply(x) as Sym;
  }
  return tfl.model({ inputs: input, outputs, name: 'spade_multiscale_discriminator' });
}
