import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkSafeIntegerSeed } from '../core/checks';
import type { Kwargs } from './internal/kwargs';
import {
  checkSpadeOptions,
  checkTwoNhwcShapes,
  SpadeModule,
  seedStream,
  spadeKernelInitializer,
  twoNhwcInputs,
  type SpadeNorm,
  type SpadeOptions,
} from './internal/spade-core';

/** Arguments of {@link SPADE}. */
export interface SPADEArgs {
  /**
   * Parameter-free normalisation of x: 'batch' (PyTorch `BatchNorm2d(affine=False)`, upstream's
   * 'batch' and 'syncbatch') or 'instance' (`InstanceNorm2d(affine=False)`). Default 'batch'
   * (the SPADE generator's `spadesyncbatch3x3`).
   */
  norm?: SpadeNorm;
  /** Kernel size of the three convolutions, odd (upstream's `spade<norm>3x3`). Default 3. */
  kernelSize?: number;
  /** Channels of the shared embedding (upstream hard-codes 128). Default 128. */
  hiddenChannels?: number;
  /** Added to the variance in the normalisation. Default 1e-5 (PyTorch). */
  epsilon?: number;
  /** PyTorch momentum of the running statistics with 'batch' (weight of the new value). Default 0.1. */
  momentum?: number;
  /**
   * Seed of the kernel initialisation (an integer, taken modulo 2^32). Kernels are drawn as
   * upstream's `init_weights('xavier', 0.02)` (Glorot normal times 0.02), biases are 0.
   * Default: unseeded.
   */
  seed?: number;
  /** Layer name; name it by the module's state-dict prefix (e.g. `head_0.norm_0`). Default: generated. */
  name?: string;
}

/**
 * Spatially-adaptive denormalisation (Park et al. 2019, "Semantic Image Synthesis with
 * Spatially-Adaptive Normalization", https://arxiv.org/abs/1903.07291; `SPADE` of NVlabs/SPADE
 * `models/networks/normalization.py`): x is normalised without affine parameters (batch or
 * instance norm), then modulated per pixel by gamma and beta computed from the segmentation map:
 *
 *     seg    = nearest-resize(segmap, size of x)
 *     actv   = relu(conv_k(seg))                (mlp_shared, hiddenChannels filters)
 *     output = norm(x) * (1 + conv_k(actv)) + conv_k(actv)   (mlp_gamma, mlp_beta)
 *
 * Input: `[x [batch, h, w, c], segmap [batch, hs, ws, labels]]` (segmap of any size, usually
 * the one-hot label map at full resolution). Output: [batch, h, w, c].
 *
 * Weights are named by their parameter paths in the PyTorch module, so a layer named by the
 * module's prefix loads its `state_dict` keys with `io.loadTorchStateDict`: `mlp_shared.0.weight`
 * [k, k, labels, hidden] (tfjs kernel layout), `mlp_shared.0.bias`, `mlp_gamma.weight`,
 * `mlp_gamma.bias`, `mlp_beta.weight`, `mlp_beta.bias`, and with 'batch' the non-trainable
 * `param_free_norm.running_mean` and `param_free_norm.running_var`. With 'batch', training
 * calls (`{ training: true }`) normalise with batch statistics and update the running ones as
 * PyTorch's BatchNorm2d; inference uses the running ones.
 *
 * Porting note: the resize is PyTorch's `F.interpolate(mode='nearest')` (source index
 * floor(i * in / out)), which tfjs' resizeNearestNeighbor without half-pixel centres equals.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, ops, SPADE } from 'tfjs-synth';
 * await initBackend();
 * const spade = new SPADE({ norm: 'instance', hiddenChannels: 16 });
 * const x = tf.randomNormal([1, 8, 8, 4]);
 * const segmap = ops.labelMapToOneHot(tf.zeros([1, 32, 32], 'int32'), 3);
 * const y = spade.apply([x, segmap]) as tf.Tensor; // [1, 8, 8, 4]
 * ```
 */
export class SPADE extends tfl.layers.Layer {
  static className = 'SPADE';
  readonly options: SpadeOptions;
  readonly seed: number | undefined;
  private module: SpadeModule | null = null;

  constructor(args: SPADEArgs = {}) {
    super({ name: args.name });
    const owner = (this.constructor as typeof SPADE).className;
    this.options = checkSpadeOptions(owner, args);
    this.seed = checkSafeIntegerSeed(owner, 'seed', args.seed);
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const [xShape, segShape] = checkTwoNhwcShapes(this.getClassName(), inputShape);
    const nextSeed = seedStream(this.seed);
    this.module = new SpadeModule(this, '', xShape[3]!, segShape[3]!, this.options, () =>
      spadeKernelInitializer(nextSeed()),
    );
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [x, segmap] = twoNhwcInputs(this.getClassName(), inputs);
      return this.module!.apply(x, segmap, kwargs?.['training'] === true);
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return checkTwoNhwcShapes(this.getClassName(), inputShape)[0];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      ...this.options,
      ...(this.seed !== undefined ? { seed: this.seed } : {}),
    };
  }
}

/**
 * Creates a {@link SPADE} layer (Park et al. 2019, https://arxiv.org/abs/1903.07291).
 *
 * Input: `[x [batch, h, w, c], segmap [batch, hs, ws, labels]]`. Output: [batch, h, w, c].
 *
 * @example
 * ```ts
 * import * as tfl from '@tensorflow/tfjs-layers';
 * import { initBackend, spade } from 'tfjs-synth';
 * await initBackend();
 * const x = tfl.input({ shape: [16, 16, 32] });
 * const segmap = tfl.input({ shape: [64, 64, 5] });
 * const y = spade({ name: 'norm_0' }).apply([x, segmap]) as tfl.SymbolicTensor; // [null, 16, 16, 32]
 * ```
 */
export function spade(args: SPADEArgs = {}): SPADE {
  return new SPADE(args);
}
