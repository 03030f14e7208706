import * as tfl from '@tensorflow/tfjs-layers';
import { checkBoolean, checkError, checkOneOf, checkSafeIntegerSeed, describeValue } from '../core/checks';
import { contextualAttention } from '../layers/contextual-attention';
import { gatedConv2d } from '../layers/gated-conv2d';
import { gatedUpsample2d } from '../layers/gated-upsample2d';
import type { GatedActivationName } from '../ops/gated-activation';
import { InpaintingInput } from '../layers/internal/inpainting-input';
import { WeightInit } from './internal/networks-common';
import { MaskComposite } from '../layers/internal/mask-composite';
import { ResizeMaskLike } from '../layers/internal/resize-mask-like';

/** Arguments of {@link gatedInpaintingGenerator}. */
export interface GatedInpaintingGeneratorArgs {
  /**
   * Base width: DeepFill's `cnum`, the convolution channels of the first layer (its gated output
   * has cnum / 2). Default 48 (the published model). Must be a positive multiple of 4, since
   * DeepFill's `conv16` has cnum / 2 convolution channels gated down to cnum / 4.
   */
  cnum?: number;
  /**
   * The contextual-attention layer of the refinement's attention branch. Default true: the TF
   * original's settings (`{ fuse: true, maskResize: 'two-step' }`). An object runs it with
   * those settings overridden; false leaves it out, the branch then goes straight from `pmconv6`
   * to `pmconv9`. The weights are the same either way (attention has none).
   * deepfillv2-pytorch's `networks_tf.py` Generator, whose converted checkpoints are the public
   * trained weights, needs `{ fuse: false, maskResize: 'direct' }` (see docs/networks.md).
   */
  contextualAttention?: boolean | GatedInpaintingAttentionArgs;
  /**
   * User-guided inpainting (DeepFill v2's `guided` mode): the model takes a third input, the
   * guide [batch, h, w, 1] (sketch or edge strokes, 1 = stroke), which enters masked to the hole
   * as one more channel right after the image: `[image * (1 - mask), guide * mask, ones, mask]`,
   * the reference's channel order, so `conv1`'s kernel has 6 input channels instead of 5
   * (5 * 5 * cnum more parameters, 1,200 with cnum 48). Default false: inputs, weights and
   * parameter count exactly as without this option.
   */
  guide?: boolean;
  /** `[height, width]` of the images, multiples of 8; omit to accept any such size. */
  inputShape?: [number, number];
  /**
   * Seed of the weight initialisation (an integer, taken modulo 2^32): the same seed and
   * arguments give the same weights. Default: unseeded (fresh random weights on every call).
   */
  seed?: number;
}

/** Settings of the contextual attention in {@link gatedInpaintingGenerator}. */
export interface GatedInpaintingAttentionArgs {
  /**
   * Fuse neighbouring attention scores (`ContextualAttention`'s `fuse`). Default true, as the TF
   * original; deepfillv2-pytorch's `networks_tf.py` Generator runs with false.
   */
  fuse?: boolean;
  /**
   * How the mask reaches the attention's matching resolution (1/8). Default 'two-step', as the
   * TF original: resized to the features' 1/4 (`resize_mask_like`, layer `mask_s`), then by 1/2
   * inside the attention. 'direct', as deepfillv2-pytorch: the full-resolution mask resized to
   * 1/8 at once. Both are nearest with align_corners=True, but pick different mask pixels
   * (64 -> 8 takes rows 0, 8, 17, 25, 38, 46, 55, 63 in two steps, 0, 9, 18, ..., 63 directly).
   */
  maskResize?: 'two-step' | 'direct';
}

type Sym = tfl.SymbolicTensor;

/** Validates the contextualAttention argument into settings, or null when attention is off. */
function attentionSettings(owner: string, value: unknown): Required<GatedInpaintingAttentionArgs> | null {
  const defaults: Required<GatedInpaintingAttentionArgs> = { fuse: true, maskResize: 'two-step' };
  if (value === undefined || value === true) return defaults;
  if (value === false) return null;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw checkError(owner, 'contextualAttention', 'a boolean or an object { fuse?, maskResize? }', value);
  }
  const args = value as Record<string, unknown>;
  for (const key of Object.keys(args)) {
    if (key !== 'fuse' && key !== 'maskResize') {
      throw new Error(`${owner}: contextualAttention has no option ${describeValue(key)} (fuse, maskResize).`);
    }
  }
  const arg = 'contextualAttention';
  return {
    fuse: args.fuse === undefined ? defaults.fuse : checkBoolean(owner, `${arg}.fuse`, args.fuse),
    maskResize:
      args.maskResize === undefined
        ? defaults.maskResize
        : checkOneOf(owner, `${arg}.maskResize`, args.maskResize, ['two-step', 'direct'] as const),
  };
}

interface GenConvOptions {
  strides?: number;
  rate?: number;
  activation?: GatedActivationName;
}

/**
 * DeepFill v2's generator (Yu et al. 2019, "Free-Form Image Inpainting with Gated Convolution",
 * https://arxiv.org/abs/1806.03589; `InpaintCAModel.build_inpaint_net` of generative_inpainting
 * v2.0.0): a coarse network and a refinement network, both of gated convolutions
 * ({@link gatedConv2d}, ELU features times sigmoid gates, TF 'same' padding), the refinement with
 * a dilated-convolution branch and a contextual-attention branch ({@link contextualAttention}
 * with kernel 3, rate 2, fuse 3, softmax scale 10, on the mask resized to 1/4 resolution,
 * nearest with align_corners=True; see the `contextualAttention` argument) whose outputs are
 * concatenated.
 *
 * The model builds DeepFill's input itself: holes zeroed and two channels appended,
 * `[image * (1 - mask), ones, ones * mask]` (5 channels), as `build_graph_with_losses` and
 * `build_inpaint_net` do. The refinement's input is the coarse result pasted into the holes of
 * that incomplete image. Layer names are the TF variable scopes (`conv1`, `conv2_downsample`,
 * ..., `conv7_atrous`, ..., `xconv1`, ..., `pmconv1`, ..., `pmconv10`, `allconv11`, ...,
 * `allconv17`), so TF checkpoint variables `inpaint_net/<name>/kernel|bias` map by name (the
 * upsampling layers' TF variables sit one scope deeper, `inpaint_net/conv13_upsample/
 * conv13_upsample_conv/kernel`). 4,052,478 parameters with cnum 48.
 *
 * Inputs: `[image [batch, h, w, 3] in [-1, 1], mask [batch, h, w, 1]]`, 1 = hole (binary),
 * h and w multiples of 8 (two stride-2 downsamplings, then attention at rate 2). With
 * `guide: true`, `[image, mask, guide]`, the guide [batch, h, w, 1] in [0, 1] (1 = stroke; only
 * its pixels inside the hole count); 4,053,678 parameters with cnum 48. As in the reference,
 * only the coarse network sees the guide: the refinement starts from the coarse result pasted
 * into the incomplete image.
 * Outputs: `[x1, x2]`, the coarse and the refined image, each [batch, h, w, 3], tanh in [-1, 1].
 * Paste the refined one into the holes with `ops.completeImage`.
 *
 * Porting note: NHWC as in the TF original; convolutions use TF 'same' padding exactly. The
 * original is TensorFlow 1; its trained weights exist as PyTorch checkpoints of the port
 * deepfillv2-pytorch (`model/networks_tf.py`), which this model reproduces within 1e-4 when
 * built with `contextualAttention: { fuse: false, maskResize: 'direct' }` and loaded with
 * `io.loadTorchStateDict(model, bytes, { stateDictKey: 'G', keyMap: 'deepfillv2-pytorch-tf' })`.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models, ops } from 'tfjs-synth';
 * await initBackend();
 * const generator = models.gatedInpaintingGenerator({ cnum: 8 });
 * const image = tf.randomUniform([1, 64, 64, 3], -1, 1);
 * const mask = tf.pad(tf.ones([1, 32, 32, 1]), [[0, 0], [16, 16], [16, 16], [0, 0]]);
 * const [coarse, refined] = generator.predict([image, mask]) as tf.Tensor[]; // [1, 64, 64, 3] each
 * const completed = ops.completeImage(image as tf.Tensor4D, mask as tf.Tensor4D, refined as tf.Tensor4D);
 * ```
 *
 * Guided, with a stroke drawn across the hole:
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models } from 'tfjs-synth';
 * await initBackend();
 * const guided = models.gatedInpaintingGenerator({ cnum: 8, guide: true });
 * const image = tf.randomUniform([1, 64, 64, 3], -1, 1);
 * const mask = tf.pad(tf.ones([1, 32, 32, 1]), [[0, 0], [16, 16], [16, 16], [0, 0]]);
 * const guide = tf.pad(tf.ones([1, 1, 64, 1]), [[0, 0], [32, 31], [0, 0], [0, 0]]); // a horizontal line
 * const [, refined] = guided.predict([image, mask, guide]) as tf.Tensor[];
 * ```
 * @throws Error naming the argument when cnum, contextualAttention, guide or inputShape is invalid, and when
 *   called on images whose height or width is not a multiple of 8 or on a guide of another shape.
 */
export function gatedInpaintingGenerator(args: GatedInpaintingGeneratorArgs = {}): tfl.LayersModel {
  const owner = 'gatedInpaintingGenerator';
  const cnum = args.cnum ?? 48;
  if (!Number.isInteger(cnum) || cnum <= 0 || cnum % 4 !== 0) {
    throw checkError(owner, 'cnum', 'a positive multiple of 4', cnum);
  }
  const attention = attentionSettings(owner, args.contextualAttention);
  const guided = args.guide === undefined ? false : checkBoolean(owner, 'guide', args.guide);
  const [h, w] = args.inputShape ?? [null, null];
  if (
    args.inputShape !== undefined &&
    (!Array.isArray(args.inputShape) ||
      args.inputShape.length !== 2 ||
      !args.inputShape.every((d) => Number.isInteger(d) && d > 0 && d % 8 === 0))
  ) {
    throw checkError(owner, 'inputShape', '[height, width], positive multiples of 8', args.inputShape);
  }

  const init = new WeightInit(checkSafeIntegerSeed(owner, 'seed', args.seed));
  // TF's default for tf.layers.conv2d, as the reference: Glorot uniform, biases 0.
  const kernelInitializer = () => tfl.initializers.glorotUniform({ seed: init.nextSeed() });

  // gen_conv(x, c, k, stride, rate): a TF conv with c channels; gated halves give c / 2 channels,
  // except DeepFill's 3-channel output layers, which are raw (no gating, no activation).
  const genConv = (x: Sym, name: string, c: number, k: number, o: GenConvOptions = {}): Sym =>
    gatedConv2d({
      name,
      filters: c === 3 ? 3 : c / 2,
      kernelSize: k,
      strides: o.strides ?? 1,
      dilationRate: o.rate ?? 1,
      padding: 'same',
      activation: c === 3 ? null : (o.activation ?? 'elu'),
      kernelInitializer: kernelInitializer(),
    }).apply(x) as Sym;
  // gen_deconv: nearest x2, then a 3x3 gen_conv.
  const genDeconv = (x: Sym, name: string, c: number): Sym =>
    gatedUpsample2d({
      name,
      filters: c / 2,
      kernelSize: 3,
      padding: 'same',
      kernelInitializer: kernelInitializer(),
    }).apply(x) as Sym;
  const tanh = (x: Sym, name: string): Sym => tfl.layers.activation({ activation: 'tanh', name }).apply(x) as Sym;

  const image = tfl.input({ shape: [h, w, 3], name: 'image' });
  const mask = tfl.input({ shape: [h, w, 1], name: 'mask' });
  const guide = guided ? tfl.input({ shape: [h, w, 1], name: 'guide' }) : null;
  const modelInputs = guide === null ? [image, mask] : [image, mask, guide];
  const xin = new InpaintingInput({ multiple: 8, owner, guide: guided, name: 'inpaint_input' }).apply(
    modelInputs,
  ) as Sym;

  // Stage 1: coarse network.
  let x = genConv(xin, 'conv1', cnum, 5);
  x = genConv(x, 'conv2_downsample', 2 * cnum, 3, { strides: 2 });
  x = genConv(x, 'conv3', 2 * cnum, 3);
  x = genConv(x, 'conv4_downsample', 4 * cnum, 3, { strides: 2 });
  x = genConv(x, 'conv5', 4 * cnum, 3);
  x = genConv(x, 'conv6', 4 * cnum, 3);
  // The attention's mask: at feature resolution (TF), or the input mask itself ('direct', the
  // attention then resizes it by 8 in one step).
  const maskS =
    attention?.maskResize === 'direct' ? mask : (new ResizeMaskLike({ name: 'mask_s' }).apply([mask, x]) as Sym);
  [2, 4, 8, 16].forEach((rate, i) => {
    x = genConv(x, `conv${7 + i}_atrous`, 4 * cnum, 3, { rate });
  });
  x = genConv(x, 'conv11', 4 * cnum, 3);
  x = genConv(x, 'conv12', 4 * cnum, 3);
  x = genDeconv(x, 'conv13_upsample', 2 * cnum);
  x = genConv(x, 'conv14', 2 * cnum, 3);
  x = genDeconv(x, 'conv15_upsample', cnum);
  x = genConv(x, 'conv16', cnum / 2, 3);
  x = genConv(x, 'conv17', 3, 3);
  const x1 = tanh(x, 'x1');

  // Stage 2: refinement on the coarse result pasted into the incomplete image.
  const xnow = new MaskComposite({ name: 'xnow' }).apply([x1, xin, mask]) as Sym;
  // Dilated-convolution ("hallucination") branch.
  x = genConv(xnow, 'xconv1', cnum, 5);
  x = genConv(x, 'xconv2_downsample', cnum, 3, { strides: 2 });
  x = genConv(x, 'xconv3', 2 * cnum, 3);
  x = genConv(x, 'xconv4_downsample', 2 * cnum, 3, { strides: 2 });
  x = genConv(x, 'xconv5', 4 * cnum, 3);
  x = genConv(x, 'xconv6', 4 * cnum, 3);
  [2, 4, 8, 16].forEach((rate, i) => {
    x = genConv(x, `xconv${7 + i}_atrous`, 4 * cnum, 3, { rate });
  });
  const hallu = x;
  // Contextual-attention branch; pmconv6 uses ReLU as in the reference.
  x = genConv(xnow, 'pmconv1', cnum, 5);
  x = genConv(x, 'pmconv2_downsample', cnum, 3, { strides: 2 });
  x = genConv(x, 'pmconv3', 2 * cnum, 3);
  x = genConv(x, 'pmconv4_downsample', 4 * cnum, 3, { strides: 2 });
  x = genConv(x, 'pmconv5', 4 * cnum, 3);
  x = genConv(x, 'pmconv6', 4 * cnum, 3, { activation: 'relu' });
  if (attention !== null) {
    x = contextualAttention({
      kernelSize: 3,
      rate: 2,
      fuseK: 3,
      softmaxScale: 10,
      fuse: attention.fuse,
      name: 'contextual_attention',
    }).apply([x, x, maskS]) as Sym;
  }
  x = genConv(x, 'pmconv9', 4 * cnum, 3);
  x = genConv(x, 'pmconv10', 4 * cnum, 3);
  x = tfl.layers.concatenate({ axis: 3, name: 'concat' }).apply([hallu, x]) as Sym;
  x = genConv(x, 'allconv11', 4 * cnum, 3);
  x = genConv(x, 'allconv12', 4 * cnum, 3);
  x = genDeconv(x, 'allconv13_upsample', 2 * cnum);
  x = genConv(x, 'allconv14', 2 * cnum, 3);
  x = genDeconv(x, 'allconv15_upsample', cnum);
  x = genConv(x, 'allconv16', cnum / 2, 3);
  x = genConv(x, 'allconv17', 3, 3);
  const x2 = tanh(x, 'x2');

  return tfl.model({ inputs: modelInputs, outputs: [x1, x2], name: 'inpaint_net' });
}
