import * as tfl from '@tensorflow/tfjs-layers';
import { checkError, checkOneOf, checkSafeIntegerSeed } from '../core/checks';
import { batchNormalizationTorch } from '../layers/batch-normalization-torch';
import { DilatedConv2D } from '../layers/internal/dilated-conv2d';
import { type Sym, WeightInit, sizedInput, zeroPad } from './internal/networks-common';

// Globally and Locally Consistent Image Completion (Iizuka, Simo-Serra and Ishikawa, SIGGRAPH
// 2017), as the PyTorch port otenim/GLCIC-PyTorch builds it (models.py): layer names are the
// port's state-dict prefixes, so its checkpoints load strictly with io.loadTorchStateDict.

/** Arguments of {@link glcicCompletionNetwork}. */
export interface GLCICCompletionNetworkArgs {
  /** `[height, width]` of the input, multiples of 4; omit to accept any multiple of 4. */
  inputShape?: [number, number];
  /**
   * Seed of the weight initialisation (an integer, taken modulo 2^32): the same seed gives the
   * same weights. Default: unseeded (fresh random weights on every call).
   */
  seed?: number;
}

/** Arguments of {@link glcicLocalDiscriminator} and {@link glcicGlobalDiscriminator}. */
export interface GLCICDiscriminatorArgs {
  /**
   * `[height, width]` of the input, multiples of 32 (of 64 for the global 'places2' network): the
   * last linear layer's width depends on it. Default [96, 96] (local) and [160, 160] (global),
   * the port's `--ld_input_size` and `--cn_input_size`.
   */
  inputShape?: [number, number];
  /** Input channels. Default 3. */
  inputChannels?: number;
  /** Seed of the weight initialisation, as {@link GLCICCompletionNetworkArgs.seed}. Default: unseeded. */
  seed?: number;
}

/** Arguments of {@link glcicGlobalDiscriminator}. */
export interface GLCICGlobalDiscriminatorArgs extends GLCICDiscriminatorArgs {
  /**
   * The port's `--arc`: 'celeba' (five strided convolutions, then the linear layer) or 'places2'
   * (a sixth convolution first, as the paper's Places2 network). Default 'celeba'.
   */
  arc?: 'celeba' | 'places2';
}

/** Arguments of {@link glcicContextDiscriminator}. */
export interface GLCICContextDiscriminatorArgs {
  /** `[height, width]` of the local patch, multiples of 32. Default [96, 96]. */
  localShape?: [number, number];
  /** `[height, width]` of the whole image, multiples of 32 (64 for 'places2'). Default [160, 160]. */
  globalShape?: [number, number];
  /** Input channels of both branches. Default 3. */
  inputChannels?: number;
  /** The global branch's architecture, as {@link GLCICGlobalDiscriminatorArgs.arc}. Default 'celeba'. */
  arc?: 'celeba' | 'places2';
  /** Seed of the weight initialisation, as {@link GLCICCompletionNetworkArgs.seed}. Default: unseeded. */
  seed?: number;
}

const ARCS = ['celeba', 'places2'] as const;

/** PyTorch's default initialisation of Conv2d, ConvTranspose2d and Linear: U(±1 / sqrt(fanIn)). */
function torchUniform(init: WeightInit, fanIn: number): ReturnType<typeof tfl.initializers.randomUniform> {
  const bound = 1 / Math.sqrt(fanIn);
  return tfl.initializers.randomUniform({ minval: -bound, maxval: bound, seed: init.nextSeed() });
}

function checkShape(owner: string, arg: string, shape: unknown, multiple: number, fallback: [number, number]) {
  if (shape === undefined) return fallback;
  if (
    !Array.isArray(shape) ||
    shape.length !== 2 ||
    !shape.every(
      (d) => typeof d === 'number' && Number.isInteger(d) && d >= multiple && d % multiple === 0 && d <= 8192,
    )
  ) {
    throw checkError(owner, arg, `[height, width], positive multiples of ${multiple} up to 8192`, shape);
  }
  return [shape[0], shape[1]] as [number, number];
}

function checkChannels(owner: string, channels: unknown): number {
  if (typeof channels !== 'number' || !Number.isInteger(channels) || channels < 1 || channels > 4096) {
    throw checkError(owner, 'inputChannels', 'an integer in [1, 4096]', channels);
  }
  return channels;
}

/** nn.Conv2d(in, out, k, stride, padding, dilation) with bias at PyTorch prefix `name`. */
function torchConv(
  x: Sym,
  name: string,
  inC: number,
  filters: number,
  k: number,
  stride: number,
  pad: number,
  init: WeightInit,
  dilation = 1,
): Sym {
  const fanIn = inC * k * k;
  if (dilation > 1) {
    return new DilatedConv2D({
      name,
      filters,
      kernelSize: k,
      dilationRate: dilation,
      padding: pad,
      kernelInitializer: torchUniform(init, fanIn),
      biasInitializer: torchUniform(init, fanIn),
    }).apply(x) as Sym;
  }
  const padded = pad > 0 ? zeroPad(x, `${name}_pad`, pad) : x;
  return tfl.layers
    .conv2d({
      name,
      filters,
      kernelSize: k,
      strides: stride,
      padding: 'valid',
      useBias: true,
      kernelInitializer: torchUniform(init, fanIn),
      biasInitializer: torchUniform(init, fanIn),
    })
    .apply(padded) as Sym;
}

/** ReLU then BatchNorm after a convolution, in the port's order (the activation before the norm). */
function reluBn(y: Sym, prefix: string, i: number): Sym {
  const a = tfl.layers.reLU({ name: `${prefix}act${i}` }).apply(y) as Sym;
  return batchNormalizationTorch({ name: `${prefix}bn${i}` }).apply(a) as Sym;
}

/** [kernel, stride, dilation, out channels] of conv1..conv12 of the completion network. */
const ENCODER: readonly [number, number, number, number][] = [
  [5, 1, 1, 64],
  [3, 2, 1, 128],
  [3, 1, 1, 128],
  [3, 2, 1, 256],
  [3, 1, 1, 256],
  [3, 1, 1, 256],
  [3, 1, 2, 256],
  [3, 1, 4, 256],
  [3, 1, 8, 256],
  [3, 1, 16, 256],
  [3, 1, 1, 256],
  [3, 1, 1, 256],
];

/**
 * GLCIC's completion network (Iizuka et al. 2017, "Globally and Locally Consistent Image
 * Completion", http://iizuka.cs.tsukuba.ac.jp/projects/completion/): a fully convolutional
 * encoder-decoder, two stride-2 5x5/3x3 convolutions down to a quarter of the size, six 3x3
 * convolutions of which four are dilated (2, 4, 8, 16) for a 307-pixel receptive field, two 4x4
 * stride-2 transposed convolutions back up, and a 3-channel sigmoid output. Every convolution but
 * the last is followed by ReLU and then BatchNorm, the port's order. Layer names are the state-dict
 * prefixes of otenim/GLCIC-PyTorch's `CompletionNetwork` (`conv1`, `bn1`, ..., `deconv13`,
 * ..., `conv17`); 6,072,131 trainable parameters (upstream's count, BatchNorm weights included).
 *
 * Input: [batch, h, w, 4], the image with its holes filled by the training set's mean pixel value
 * followed by the mask (1 = hole), h and w multiples of 4. Output: [batch, h, w, 3] in (0, 1).
 *
 * Porting note: the dilated convolutions are the library's `DilatedConv2D` helper layer (the
 * tfjs Conv2D cannot train with dilation); PyTorch's explicit paddings are ZeroPadding2D layers
 * before 'valid' convolutions. The weights start as PyTorch's defaults (U(±1/sqrt(fan_in))).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models } from 'tfjs-synth';
 * await initBackend();
 * const cn = models.glcicCompletionNetwork({ seed: 1 });
 * const out = cn.predict(tf.zeros([1, 32, 32, 4])) as tf.Tensor; // [1, 32, 32, 3]
 * ```
 * @throws Error naming the argument when inputShape or seed is invalid.
 */
export function glcicCompletionNetwork(args: GLCICCompletionNetworkArgs = {}): tfl.LayersModel {
  const owner = 'glcicCompletionNetwork';
  if (args === null || typeof args !== 'object') throw checkError(owner, 'args', 'an object', args);
  const dims: [number | null, number | null] =
    args.inputShape === undefined ? [null, null] : checkShape(owner, 'inputShape', args.inputShape, 4, [0, 0]);
  const init = new WeightInit(checkSafeIntegerSeed(owner, 'seed', args.seed));
  const { input, x: checked } = sizedInput(owner, 4, dims, {
    multiple: 4,
    reason: 'two stride-2 convolutions and two stride-2 transposed ones',
  });
  let x = checked;
  let inC = 4;
  ENCODER.forEach(([k, s, d, out], i) => {
    const pad = (d * (k - 1)) / 2;
    x = reluBn(torchConv(x, `conv${i + 1}`, inC, out, k, s, pad, init, d), '', i + 1);
    inC = out;
  });
  const deconv = (name: string, filters: number): Sym =>
    tfl.layers
      .conv2dTranspose({
        name,
        filters,
        kernelSize: 4,
        strides: 2,
        padding: 'same', // = PyTorch's padding 1 for kernel 4, stride 2
        useBias: true,
        // torch's fan_in of a ConvTranspose2d weight (in, out, kh, kw) is out * kh * kw.
        kernelInitializer: torchUniform(init, filters * 16),
        biasInitializer: torchUniform(init, filters * 16),
      })
      .apply(x) as Sym;
  x = reluBn(deconv('deconv13', 128), '', 13);
  x = reluBn(torchConv(x, 'conv14', 128, 128, 3, 1, 1, init), '', 14);
  x = reluBn(deconv('deconv15', 64), '', 15);
  x = reluBn(torchConv(x, 'conv16', 64, 32, 3, 1, 1, init), '', 16);
  x = torchConv(x, 'conv17', 32, 3, 3, 1, 1, init);
  x = tfl.layers.activation({ activation: 'sigmoid', name: 'act17' }).apply(x) as Sym;
  return tfl.model({ inputs: input, outputs: x, name: 'glcic_completion' });
}

/**
 * The discriminator trunk: five (six for 'places2') 5x5 stride-2 conv -> ReLU -> BatchNorm
 * blocks, then the channels-first flatten, a linear layer to 1024 and ReLU.
 */
function discriminatorTrunk(
  input: Sym,
  prefix: string,
  shape: [number, number],
  channels: number,
  convs: number,
  init: WeightInit,
): Sym {
  const widths = [64, 128, 256, 512, 512, 512];
  let x = input;
  let inC = channels;
  for (let i = 0; i < convs; i++) {
    const out = widths[i]!;
    x = reluBn(torchConv(x, `${prefix}conv${i + 1}`, inC, out, 5, 2, 2, init), prefix, i + 1);
    inC = out;
  }
  const scale = 2 ** convs;
  const features = inC * (shape[0] / scale) * (shape[1] / scale);
  const n = convs + 1;
  // PyTorch flattens channels-first: permute to [c, h, w] first so the linear weight loads as is.
  x = tfl.layers.permute({ dims: [3, 1, 2], name: `${prefix}nchw${n}` }).apply(x) as Sym;
  x = tfl.layers.flatten({ name: `${prefix}flatten${n}` }).apply(x) as Sym;
  x = tfl.layers
    .dense({
      units: 1024,
      name: `${prefix}linear${n}`,
      kernelInitializer: torchUniform(init, features),
      biasInitializer: torchUniform(init, features),
    })
    .apply(x) as Sym;
  return tfl.layers.reLU({ name: `${prefix}act${n}` }).apply(x) as Sym;
}

function checkArgsObject(owner: string, args: unknown): void {
  if (args === null || typeof args !== 'object') throw checkError(owner, 'args', 'an object', args);
}

/**
 * GLCIC's local discriminator (Iizuka et al. 2017): five 5x5 stride-2 convolutions (64, 128, 256,
 * 512, 512 channels), each followed by ReLU and BatchNorm, then a linear layer to 1024 features
 * and ReLU. It judges the patch around the completed region. Layer names are the state-dict
 * prefixes of otenim/GLCIC-PyTorch's `LocalDiscriminator` (`conv1`, `bn1`, ..., `linear6`);
 * 15,583,232 trainable parameters for the default 96x96 RGB input (upstream's count).
 *
 * Input: [batch, h, w, inputChannels] with `[h, w]` = `inputShape`. Output: [batch, 1024].
 *
 * Porting note: a Permute layer puts the features in PyTorch's channels-first order before the
 * flatten, so `linear6.weight` loads unchanged.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models } from 'tfjs-synth';
 * await initBackend();
 * const ld = models.glcicLocalDiscriminator({ inputShape: [32, 32], seed: 1 });
 * const features = ld.predict(tf.zeros([2, 32, 32, 3])) as tf.Tensor; // [2, 1024]
 * ```
 * @throws Error naming the argument when inputShape, inputChannels or seed is invalid.
 */
export function glcicLocalDiscriminator(args: GLCICDiscriminatorArgs = {}): tfl.LayersModel {
  const owner = 'glcicLocalDiscriminator';
  checkArgsObject(owner, args);
  const shape = checkShape(owner, 'inputShape', args.inputShape, 32, [96, 96]);
  const channels = checkChannels(owner, args.inputChannels ?? 3);
  const init = new WeightInit(checkSafeIntegerSeed(owner, 'seed', args.seed));
  const input = tfl.input({ shape: [shape[0], shape[1], channels], name: 'input' });
  const out = discriminatorTrunk(input, '', shape, channels, 5, init);
  return tfl.model({ inputs: input, outputs: out, name: 'glcic_local_discriminator' });
}

/**
 * GLCIC's global discriminator (Iizuka et al. 2017): as {@link glcicLocalDiscriminator} on the
 * whole image, with a sixth 5x5 stride-2 convolution for `arc: 'places2'`. Layer names are the
 * state-dict prefixes of otenim/GLCIC-PyTorch's `GlobalDiscriminator` (`linear6` for 'celeba',
 * `conv6`, `bn6`, `linear7` for 'places2'); 23,971,840 trainable parameters for the default
 * 160x160 RGB 'celeba' input (upstream's count).
 *
 * Input: [batch, h, w, inputChannels] with `[h, w]` = `inputShape`. Output: [batch, 1024].
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models } from 'tfjs-synth';
 * await initBackend();
 * const gd = models.glcicGlobalDiscriminator({ inputShape: [64, 64], arc: 'places2', seed: 1 });
 * const features = gd.predict(tf.zeros([2, 64, 64, 3])) as tf.Tensor; // [2, 1024]
 * ```
 * @throws Error naming the argument when inputShape, inputChannels, arc or seed is invalid.
 */
export function glcicGlobalDiscriminator(args: GLCICGlobalDiscriminatorArgs = {}): tfl.LayersModel {
  const owner = 'glcicGlobalDiscriminator';
  checkArgsObject(owner, args);
  const arc = checkOneOf(owner, 'arc', args.arc ?? 'celeba', ARCS);
  const shape = checkShape(owner, 'inputShape', args.inputShape, arc === 'places2' ? 64 : 32, [160, 160]);
  const channels = checkChannels(owner, args.inputChannels ?? 3);
  const init = new WeightInit(checkSafeIntegerSeed(owner, 'seed', args.seed));
  const input = tfl.input({ shape: [shape[0], shape[1], channels], name: 'input' });
  const out = discriminatorTrunk(input, '', shape, channels, arc === 'places2' ? 6 : 5, init);
  return tfl.model({ inputs: input, outputs: out, name: 'glcic_global_discriminator' });
}

/**
 * GLCIC's context discriminator (Iizuka et al. 2017): the local and the global discriminator
 * side by side, their 1024 features concatenated and mapped by a linear layer and a sigmoid to
 * the probability that the image is real. Layer names are the state-dict keys of
 * otenim/GLCIC-PyTorch's `ContextDiscriminator` (`model_ld.conv1`, ..., `model_gd.linear6`,
 * `linear1`), so its checkpoints load strictly; 39,557,121 trainable parameters for the default
 * 96x96 local and 160x160 global RGB inputs, 'celeba' (upstream's count).
 *
 * Inputs: `[local [batch, lh, lw, c], global [batch, gh, gw, c]]`. Output: [batch, 1] in (0, 1).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models } from 'tfjs-synth';
 * await initBackend();
 * const cd = models.glcicContextDiscriminator({ localShape: [32, 32], globalShape: [64, 64], seed: 1 });
 * const p = cd.predict([tf.zeros([2, 32, 32, 3]), tf.zeros([2, 64, 64, 3])]) as tf.Tensor; // [2, 1]
 * ```
 * @throws Error naming the argument when localShape, globalShape, inputChannels, arc or seed is invalid.
 */
export function glcicContextDiscriminator(args: GLCICContextDiscriminatorArgs = {}): tfl.LayersModel {
  const owner = 'glcicContextDiscriminator';
  checkArgsObject(owner, args);
  const arc = checkOneOf(owner, 'arc', args.arc ?? 'celeba', ARCS);
  const localShape = checkShape(owner, 'localShape', args.localShape, 32, [96, 96]);
  const globalShape = checkShape(owner, 'globalShape', args.globalShape, arc === 'places2' ? 64 : 32, [160, 160]);
  const channels = checkChannels(owner, args.inputChannels ?? 3);
  const init = new WeightInit(checkSafeIntegerSeed(owner, 'seed', args.seed));
  const local = tfl.input({ shape: [localShape[0], localShape[1], channels], name: 'local' });
  const global = tfl.input({ shape: [globalShape[0], globalShape[1], channels], name: 'global' });
  const ld = discriminatorTrunk(local, 'model_ld.', localShape, channels, 5, init);
  const gd = discriminatorTrunk(global, 'model_gd.', globalShape, channels, arc === 'places2' ? 6 : 5, init);
  let x = tfl.layers.concatenate({ axis: -1, name: 'concat1' }).apply([ld, gd]) as Sym;
  x = tfl.layers
    .dense({
      units: 1,
      name: 'linear1',
      kernelInitializer: torchUniform(init, 2048),
      biasInitializer: torchUniform(init, 2048),
    })
    .apply(x) as Sym;
  x = tfl.layers.activation({ activation: 'sigmoid', name: 'act1' }).apply(x) as Sym;
  return tfl.model({ inputs: [local, global], outputs: x, name: 'glcic_context_discriminator' });
}
