import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkBoolean, checkInteger, checkNumber, checkPositiveInteger, checkSafeIntegerSeed } from '../core/checks';
import type { Kwargs } from './internal/kwargs';
import {
  BlockConv,
  checkSpadeOptions,
  checkTwoNhwcShapes,
  SpadeModule,
  seedStream,
  spadeKernelInitializer,
  twoNhwcInputs,
  type SpadeNorm,
  type SpadeOptions,
} from './internal/spade-core';

/** Arguments of {@link SPADEResnetBlock}. */
export interface SPADEResnetBlockArgs {
  /** Output channels (upstream `fout`). Required. */
  filters: number;
  /** Spectral-normalise conv_0, conv_1 and conv_s (upstream `norm_G` containing 'spectral'). Default true. */
  spectralNorm?: boolean;
  /** Parameter-free norm of the SPADE modules: 'batch' (also 'syncbatch') or 'instance'. Default 'batch'. */
  norm?: SpadeNorm;
  /** Kernel size of the SPADE convolutions, odd. Default 3. */
  kernelSize?: number;
  /** Channels of each SPADE's shared embedding. Default 128. */
  hiddenChannels?: number;
  /** Added to the variance in the SPADE normalisations. Default 1e-5. */
  epsilon?: number;
  /** PyTorch momentum of the running statistics with 'batch'. Default 0.1. */
  momentum?: number;
  /** Spectral norm: power iterations per training call. Default 1. */
  powerIterations?: number;
  /** Spectral norm: floor of the vector norm. Default 1e-12 (torch). */
  spectralEpsilon?: number;
  /**
   * Seed of the kernel initialisation (Glorot normal times 0.02, upstream's `init_weights`) and
   * of the spectral norms' random u and v (an integer, taken modulo 2^32). Default: unseeded.
   */
  seed?: number;
  /** Layer name; name it by the module's state-dict prefix (e.g. `head_0`). Default: generated. */
  name?: string;
}

/**
 * The residual block of the SPADE generator (`SPADEResnetBlock` of NVlabs/SPADE
 * `models/networks/architecture.py`; Park et al. 2019, https://arxiv.org/abs/1903.07291):
 *
 *     dx  = conv_1(lrelu(norm_1(conv_0(lrelu(norm_0(x, seg))), seg)))   (3x3, padding 1)
 *     out = shortcut + dx,  shortcut = conv_s(norm_s(x, seg)) if fin != fout else x
 *
 * with fmiddle = min(fin, fout) channels between conv_0 and conv_1, LeakyReLU 0.2, norm_* the
 * {@link SPADE} modules, conv_s a 1x1 convolution without bias (the learned shortcut, only when
 * the channel count changes), all three convolutions spectral-normalised by default with
 * `torch.nn.utils.spectral_norm`'s semantics (power iteration in training calls only).
 *
 * Input: `[x [batch, h, w, fin], segmap [batch, hs, ws, labels]]`. Output: [batch, h, w, filters].
 *
 * Weights are named by their parameter paths in the PyTorch module, so a block named by the
 * module's prefix (`head_0`, `up_1`, ...) loads its `state_dict` keys strictly with
 * `io.loadTorchStateDict`: `conv_0.weight_orig` (tfjs kernel layout), `conv_0.bias`,
 * `conv_0.weight_u`, `conv_0.weight_v` (without spectral norm `conv_0.weight`), the same for
 * `conv_1` and (no bias) `conv_s`, then `norm_0.*`, `norm_1.*`, `norm_s.*` as in {@link SPADE}.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, ops, SPADEResnetBlock } from 'tfjs-synth';
 * await initBackend();
 * const block = new SPADEResnetBlock({ filters: 8, hiddenChannels: 16 });
 * const x = tf.randomNormal([2, 8, 8, 16]);
 * const segmap = ops.labelMapToOneHot(tf.zeros([2, 32, 32], 'int32'), 3);
 * const y = block.apply([x, segmap], { training: true }) as tf.Tensor; // [2, 8, 8, 8]
 * ```
 */
export class SPADEResnetBlock extends tfl.layers.Layer {
  static className = 'SPADEResnetBlock';
  readonly filters: number;
  readonly spectralNorm: boolean;
  readonly options: SpadeOptions;
  readonly powerIterations: number;
  readonly spectralEpsilon: number;
  readonly seed: number | undefined;
  private parts: {
    conv0: BlockConv;
    conv1: BlockConv;
    convS: BlockConv | null;
    norm0: SpadeModule;
    norm1: SpadeModule;
    normS: SpadeModule | null;
  } | null = null;

  constructor(args: SPADEResnetBlockArgs) {
    const owner = 'SPADEResnetBlock';
    if (args == null || typeof args !== 'object') {
      throw new Error(`${owner}: args must be an object with filters, got ${String(args)}.`);
    }
    super({ name: args.name });
    this.filters = checkPositiveInteger(owner, 'filters', args.filters);
    this.spectralNorm = checkBoolean(owner, 'spectralNorm', args.spectralNorm ?? true);
    this.options = checkSpadeOptions(owner, args);
    this.powerIterations = checkInteger(owner, 'powerIterations', args.powerIterations ?? 1, { min: 1, max: 1000 });
    this.spectralEpsilon = checkNumber(owner, 'spectralEpsilon', args.spectralEpsilon ?? 1e-12, {
      min: 0,
      minExclusive: true,
    });
    this.seed = checkSafeIntegerSeed(owner, 'seed', args.seed);
  }

  /** Whether the block has the learned shortcut (conv_s, norm_s) for `fin` input channels. */
  hasLearnedShortcut(fin: number): boolean {
    return fin !== this.filters;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const [xShape, segShape] = checkTwoNhwcShapes(this.getClassName(), inputShape);
    const fin = xShape[3]!;
    const labels = segShape[3]!;
    const fout = this.filters;
    const fmiddle = Math.min(fin, fout);
    const learned = this.hasLearnedShortcut(fin);
    const nextSeed = seedStream(this.seed);
    const sn = (): { powerIterations: number; epsilon: number; seed: number | undefined } | null =>
      this.spectralNorm
        ? { powerIterations: this.powerIterations, epsilon: this.spectralEpsilon, seed: nextSeed() }
        : null;
    const kernel = () => spadeKernelInitializer(nextSeed());
    // In the PyTorch module's registration order.
    const conv0 = new BlockConv(this, 'conv_0', 3, fin, fmiddle, true, sn(), kernel());
    const conv1 = new BlockConv(this, 'conv_1', 3, fmiddle, fout, true, sn(), kernel());
    const convS = learned ? new BlockConv(this, 'conv_s', 1, fin, fout, false, sn(), kernel()) : null;
    const norm0 = new SpadeModule(this, 'norm_0.', fin, labels, this.options, kernel);
    const norm1 = new SpadeModule(this, 'norm_1.', fmiddle, labels, this.options, kernel);
    const normS = learned ? new SpadeModule(this, 'norm_s.', fin, labels, this.options, kernel) : null;
    this.parts = { conv0, conv1, convS, norm0, norm1, normS };
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [x, seg] = twoNhwcInputs(this.getClassName(), inputs);
      const training = kwargs?.['training'] === true;
      const p = this.parts!;
      const shortcut = p.convS ? p.convS.apply(p.normS!.apply(x, seg, training), training) : x;
      let dx = p.conv0.apply(tf.leakyRelu(p.norm0.apply(x, seg, training), 0.2), training);
      dx = p.conv1.apply(tf.leakyRelu(p.norm1.apply(dx, seg, training), 0.2), training);
      return tf.add(shortcut, dx);
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const [xShape] = checkTwoNhwcShapes(this.getClassName(), inputShape);
    return [xShape[0]!, xShape[1]!, xShape[2]!, this.filters];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      spectralNorm: this.spectralNorm,
      ...this.options,
      powerIterations: this.powerIterations,
      spectralEpsilon: this.spectralEpsilon,
      ...(this.seed !== undefined ? { seed: this.seed } : {}),
    };
  }
}

/**
 * Creates a {@link SPADEResnetBlock} (Park et al. 2019, https://arxiv.org/abs/1903.07291).
 *
 * Input: `[x [batch, h, w, fin], segmap [batch, hs, ws, labels]]`. Output: [batch, h, w, filters].
 *
 * @example
 * ```ts
 * import * as tfl from '@tensorflow/tfjs-layers';
 * import { initBackend, spadeResnetBlock } from 'tfjs-synth';
 * await initBackend();
 * const x = tfl.input({ shape: [8, 8, 64] });
 * const segmap = tfl.input({ shape: [64, 64, 5] });
 * const y = spadeResnetBlock({ filters: 32, name: 'up_0' }).apply([x, segmap]) as tfl.SymbolicTensor; // [null, 8, 8, 32]
 * ```
 */
export function spadeResnetBlock(args: SPADEResnetBlockArgs): SPADEResnetBlock {
  return new SPADEResnetBlock(args);
}
