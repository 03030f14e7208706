import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkError, checkPositiveInteger, checkSafeIntegerSeed, describeValue } from '../core/checks';
import { normalizeVector, powerIteration, spectralNormEstimate } from '../ops/power-iteration';
import { stopGradient } from '../ops/stop-gradient';
import { SPECTRAL_NORM_CLASSES, spectralNormMatrixPerm } from '../core/torch-layout';
import type { Kwargs } from './internal/kwargs';

/** Arguments of {@link SpectralNormalization}. */
export interface SpectralNormalizationArgs {
  /**
   * The wrapped layer, of a class in {@link SPECTRAL_NORM_SUPPORTED} (Conv2D, Conv2DTranspose,
   * Dense, GatedConv2D, GatedUpsample2D). Required.
   */
  layer: tfl.layers.Layer;
  /** Power iterations per training call (torch's `n_power_iterations`). Default 1; must be > 0. */
  powerIterations?: number;
  /** Floor of the vector norm in normalize(x) = x / max(||x||, eps). Default 1e-12 (torch). */
  epsilon?: number;
  /** Seed of the random initial `u` and `v` (an integer; `v` uses seed + 1). Default: unseeded. */
  seed?: number;
  /** Layer name. Default: generated. */
  name?: string;
}

/**
 * Class names {@link SpectralNormalization} can wrap: those with a spectral-norm dimension in the
 * PyTorch layout table (core/torch-layout.ts).
 */
export const SPECTRAL_NORM_SUPPORTED: readonly string[] = SPECTRAL_NORM_CLASSES;

interface WithKernel {
  kernel: tfl.LayerVariable | null;
}

/**
 * Spectral normalisation (Miyato et al. 2018, "Spectral Normalization for Generative Adversarial
 * Networks", https://arxiv.org/abs/1802.05957) as a wrapper: the wrapped layer computes with
 * `kernel / sigma`, sigma being a power-iteration estimate of the kernel's largest singular value.
 *
 * Semantics are those of `torch.nn.utils.spectral_norm` (torch 1.13), so PyTorch checkpoints
 * load directly: the weight matrix is the kernel in torch's layout reshaped to (out, -1)
 * (Conv2D: (out, in*kh*kw); Conv2DTranspose: torch's dim 1, the output channels, first; Dense:
 * (out, in)); non-trainable weights `u` [out] and `v` [in*kh*kw] hold torch's `weight_u` and
 * `weight_v` in torch's order. In training (`training: true`) each call runs `powerIterations`
 * of v <- normalize(W^T u), u <- normalize(W v) without gradient and stores u and v; then
 * sigma = u^T W v with the gradient flowing through W only. In inference the stored u and v are
 * used as they are. The wrapped layer's kernel variable itself is never overwritten (the
 * trainable weight stays torch's `weight_orig`).
 * The math is in `src/ops/power-iteration.ts`: {@link powerIteration}, {@link normalizeVector}
 * and {@link spectralNormEstimate} (public as `ops.powerIteration` and friends).
 *
 * Input shape / output shape: those of the wrapped layer.
 *
 * Porting note: tensorflow_addons / Keras 3 overwrite the kernel with W / sigma and store only u
 * in (kh*kw*in, out) order; this wrapper follows PyTorch instead.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import * as tfl from '@tensorflow/tfjs-layers';
 * import { initBackend, spectralNormalization } from 'tfjs-synth';
 * await initBackend();
 * const sn = spectralNormalization({ layer: tfl.layers.conv2d({ filters: 64, kernelSize: 5, strides: 2, padding: 'same' }) });
 * const y = sn.apply(tf.zeros([1, 32, 32, 4]), { training: true }) as tf.Tensor; // [1, 16, 16, 64]
 * ```
 */
export class SpectralNormalization extends tfl.layers.Layer {
  static className = 'SpectralNormalization';
  readonly layer: tfl.layers.Layer;
  readonly powerIterations: number;
  readonly epsilon: number;
  readonly seed: number | undefined;
  private u: tfl.LayerVariable | null = null;
  private v: tfl.LayerVariable | null = null;

  constructor(args: SpectralNormalizationArgs) {
    super({ name: args.name });
    const owner = 'SpectralNormalization';
    if (!(args.layer instanceof tfl.layers.Layer)) {
      throw checkError(owner, 'layer', 'a tfjs-layers Layer', args.layer);
    }
    const className = args.layer.getClassName();
    if (spectralNormMatrixPerm(className) === undefined) {
      throw new Error(
        `${owner}: cannot wrap layer '${args.layer.name}' of class ${className}: it has no supported kernel; ` +
          `supported classes: ${SPECTRAL_NORM_SUPPORTED.join(', ')}.`,
      );
    }
    const dataFormat = (args.layer.getConfig() as { dataFormat?: string }).dataFormat;
    if (dataFormat !== undefined && dataFormat !== 'channelsLast') {
      throw new Error(
        `${owner}: the wrapped layer must use dataFormat 'channelsLast', got ${describeValue(dataFormat)}.`,
      );
    }
    this.powerIterations = checkPositiveInteger(owner, 'powerIterations', args.powerIterations ?? 1);
    const epsilon = args.epsilon ?? 1e-12;
    if (!(epsilon > 0)) throw checkError(owner, 'epsilon', 'positive', epsilon);
    this.seed = checkSafeIntegerSeed(owner, 'seed', args.seed);
    this.layer = args.layer;
    this.epsilon = epsilon;
  }

  /** The wrapped layer's kernel variable (after build). */
  private get kernelVariable(): tfl.LayerVariable {
    const k = (this.layer as unknown as WithKernel).kernel;
    if (!k) throw new Error(`SpectralNormalization: the wrapped layer '${this.layer.name}' has no kernel after build.`);
    return k;
  }

  /** The wrapped kernel's permutation into torch's weight, normalised dimension first. */
  private get matrixPerm(): number[] {
    return spectralNormMatrixPerm(this.layer.getClassName())!;
  }

  /** Reshapes a kernel (tfjs layout) to torch's weight matrix (out, -1). */
  private toMatrix(kernel: tf.Tensor): tf.Tensor2D {
    const perm = this.matrixPerm;
    const t = tf.transpose(kernel, perm);
    return tf.reshape(t, [t.shape[0]!, -1]);
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    if (!this.layer.built) {
      this.layer.build(inputShape);
      this.layer.built = true;
    }
    const kernelShape = this.kernelVariable.shape as number[];
    const perm = this.matrixPerm;
    const h = kernelShape[perm[0]!]!;
    const w = kernelShape.reduce((a, b) => a * b, 1) / h;
    // Random normal then normalised, like torch's registration (no power iteration yet).
    const seedV = this.seed === undefined ? undefined : this.seed + 1;
    this.u = this.addWeight(
      'u',
      [h],
      'float32',
      tfl.initializers.randomNormal({ mean: 0, stddev: 1, seed: this.seed }),
      undefined,
      false,
    );
    this.v = this.addWeight(
      'v',
      [w],
      'float32',
      tfl.initializers.randomNormal({ mean: 0, stddev: 1, seed: seedV }),
      undefined,
      false,
    );
    tf.tidy(() => {
      this.u!.write(normalizeVector(this.u!.read() as tf.Tensor1D, this.epsilon));
      this.v!.write(normalizeVector(this.v!.read() as tf.Tensor1D, this.epsilon));
    });
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    return tf.tidy(() => {
      const kernelVar = this.kernelVariable;
      const kernel = kernelVar.read();
      const w = this.toMatrix(kernel);
      if (kwargs.training === true) {
        const { u, v } = powerIteration(
          stopGradient(w),
          this.u!.read() as tf.Tensor1D,
          this.powerIterations,
          this.epsilon,
        );
        this.u!.write(u);
        this.v!.write(v);
      }
      const sigma = spectralNormEstimate(
        w,
        stopGradient(this.u!.read() as tf.Tensor1D),
        stopGradient(this.v!.read() as tf.Tensor1D),
      );
      const normalized = tf.div(kernel, sigma);
      // The wrapped layer reads its kernel through `kernel.read()`; for the duration of this one
      // synchronous call that read returns W / sigma (an own property shadowing the prototype
      // method), and the `finally` removes it, so nothing outlives the call.
      const shadowed = kernelVar as unknown as { read: () => tf.Tensor };
      shadowed.read = () => normalized;
      try {
        return this.layer.call(inputs, kwargs);
      } finally {
        delete (shadowed as { read?: unknown }).read;
      }
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return this.layer.computeOutputShape(inputShape);
  }

  // Wrapper pattern (tfjs-layers' Wrapper is not exported): the wrapped layer's weights are this
  // layer's weights, so optimizers, save/load and setWeights see them; u and v are appended.
  override get trainable(): boolean {
    return this.layer != null ? this.layer.trainable : false;
  }

  override set trainable(value: boolean) {
    if (this.layer != null) this.layer.trainable = value;
  }

  override get trainableWeights(): tfl.LayerVariable[] {
    return this.layer != null ? this.layer.trainableWeights : [];
  }

  override set trainableWeights(_weights: tfl.LayerVariable[]) {
    // Set by the base constructor before `layer` exists; the wrapped layer owns these weights.
  }

  override get nonTrainableWeights(): tfl.LayerVariable[] {
    const own = [this.u, this.v].filter((x): x is tfl.LayerVariable => x !== null);
    return this.layer != null ? [...this.layer.nonTrainableWeights, ...own] : own;
  }

  override set nonTrainableWeights(_weights: tfl.LayerVariable[]) {
    // See the trainableWeights setter.
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      layer: { className: this.layer.getClassName(), config: this.layer.getConfig() },
      powerIterations: this.powerIterations,
      epsilon: this.epsilon,
      // Omitted when unset: a JSON round trip would turn undefined into null.
      ...(this.seed !== undefined ? { seed: this.seed } : {}),
    };
  }

  /** Rebuilds the wrapped layer from its nested `{ className, config }` through tfjs' registry. */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const nested = config.layer as { className?: string; config?: tf.serialization.ConfigDict } | undefined;
    const entry = nested?.className
      ? tf.serialization.SerializationMap.getMap().classNameMap[nested.className]
      : undefined;
    if (!entry) {
      throw new Error(
        `SpectralNormalization.fromConfig: unknown wrapped layer class ${JSON.stringify(nested?.className)}; ` +
          'call registerLayers() and make sure the class is registered.',
      );
    }
    const [innerCls, innerFromConfig] = entry;
    const layer = innerFromConfig(innerCls, { ...(nested!.config ?? {}) });
    const rest = { ...config };
    delete rest.layer;
    return new cls({ ...rest, layer } as unknown as tf.serialization.ConfigDict);
  }
}

/**
 * Creates a {@link SpectralNormalization} wrapper (Miyato et al. 2018,
 * https://arxiv.org/abs/1802.05957; torch.nn.utils.spectral_norm semantics).
 *
 * Input shape / output shape: those of the wrapped layer.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import * as tfl from '@tensorflow/tfjs-layers';
 * import { initBackend, spectralNormalization } from 'tfjs-synth';
 * await initBackend();
 * const dense = spectralNormalization({ layer: tfl.layers.dense({ units: 8 }), powerIterations: 2 });
 * const y = dense.apply(tf.ones([4, 16]), { training: true }) as tf.Tensor; // [4, 8]
 * ```
 */
export function spectralNormalization(args: SpectralNormalizationArgs): SpectralNormalization {
  return new SpectralNormalization(args);
}
