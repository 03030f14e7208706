import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { instanceNorm } from '../ops/instance-norm';
import {
  serializeInitializer,
  toInitializer,
  type Initializer,
  type InitializerArg,
} from './internal/initializers';

/** Arguments of {@link InstanceNormalization}. */
export interface InstanceNormalizationArgs {
  /**
   * Add a learned per-channel offset `beta`. Default false, as pix2pix/CycleGAN's
   * `InstanceNorm2d(affine=False)`.
   */
  center?: boolean;
  /** Multiply by a learned per-channel scale `gamma`. Default false (as `affine=False`). */
  scale?: boolean;
  /** Added to the variance before the square root. Default 1e-5 (PyTorch). */
  epsilon?: number;
  /** Initializer of `gamma`. Default 'ones' (PyTorch's affine init). */
  gammaInitializer?: InitializerArg;
  /** Initializer of `beta`. Default 'zeros'. */
  betaInitializer?: InitializerArg;
  /** Layer name. Default: generated. */
  name?: string;
  /** Input shape without the batch dimension, for the first layer of a `tf.sequential` model. Default: none. */
  inputShape?: (number | null)[];
  /** Input shape including the batch dimension (instead of `inputShape`). Default: none. */
  batchInputShape?: (number | null)[];
  /** Whether `gamma`/`beta` are trainable. Default true. */
  trainable?: boolean;
}

/**
 * Instance normalisation (Ulyanov et al. 2016, "Instance Normalization: The Missing Ingredient
 * for Fast Stylization", https://arxiv.org/abs/1607.08022) with PyTorch's `nn.InstanceNorm2d`
 * semantics (`track_running_stats=False`): every sample and channel is normalised by its own mean
 * and biased variance over height and width, in training and inference alike, then optionally
 * scaled by `gamma` and shifted by `beta`. The default norm of CycleGAN and pix2pix generators.
 *
 * Input shape: [batch, h, w, c]. Output shape: same as the input.
 * Weights (only when enabled): `gamma` [c], `beta` [c].
 *
 * Porting note: there is no running statistic, so old CycleGAN checkpoints saved with
 * `track_running_stats=True` load without their `running_mean`/`running_var` (as upstream does).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { InstanceNormalization } from 'tfjs-synth';
 * const norm = new InstanceNormalization();
 * const y = norm.apply(tf.randomNormal([1, 32, 32, 64])) as tf.Tensor; // [1, 32, 32, 64]
 * ```
 */
export class InstanceNormalization extends tfl.layers.Layer {
  static className = 'InstanceNormalization';
  readonly center: boolean;
  readonly scale: boolean;
  readonly epsilon: number;
  readonly gammaInitializer: Initializer;
  readonly betaInitializer: Initializer;
  protected gamma: tfl.LayerVariable | null = null;
  protected beta: tfl.LayerVariable | null = null;

  constructor(args: InstanceNormalizationArgs = {}) {
    super({
      name: args.name,
      trainable: args.trainable ?? true,
      inputShape: args.inputShape,
      batchInputShape: args.batchInputShape,
    });
    const owner = (this.constructor as typeof InstanceNormalization).className;
    this.center = args.center ?? false;
    this.scale = args.scale ?? false;
    for (const [arg, v] of [
      ['center', this.center],
      ['scale', this.scale],
    ] as const) {
      if (typeof v !== 'boolean') throw new Error(`${owner}: ${arg} must be a boolean, got ${JSON.stringify(v)}.`);
    }
    this.epsilon = args.epsilon ?? 1e-5;
    if (typeof this.epsilon !== 'number' || !Number.isFinite(this.epsilon) || this.epsilon < 0) {
      throw new Error(`${owner}: epsilon must be a finite number >= 0, got ${JSON.stringify(args.epsilon)}.`);
    }
    this.gammaInitializer = toInitializer(args.gammaInitializer ?? 'ones', owner, 'gammaInitializer');
    this.betaInitializer = toInitializer(args.betaInitializer ?? 'zeros', owner, 'betaInitializer');
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const owner = this.getClassName();
    if (shape.length !== 4) {
      throw new Error(`${owner}: expected a rank-4 NHWC input, got shape [${shape.map(String).join(', ')}].`);
    }
    const channels = shape[3];
    if (channels === null || channels === undefined) {
      throw new Error(`${owner}: the channel dimension of the input must be known, got shape [${shape.map(String).join(', ')}].`);
    }
    if (this.scale) this.gamma = this.addWeight('gamma', [channels], 'float32', this.gammaInitializer);
    if (this.center) this.beta = this.addWeight('beta', [channels], 'float32', this.betaInitializer);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor;
      if (x.rank !== 4) {
        throw new Error(`${this.getClassName()}: expected a rank-4 NHWC input, got shape [${x.shape.join(', ')}].`);
      }
      return instanceNorm(x as tf.Tensor4D, {
        gamma: this.gamma ? (this.gamma.read() as tf.Tensor1D) : null,
        beta: this.beta ? (this.beta.read() as tf.Tensor1D) : null,
        epsilon: this.epsilon,
      });
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      center: this.center,
      scale: this.scale,
      epsilon: this.epsilon,
      gammaInitializer: serializeInitializer(this.gammaInitializer),
      betaInitializer: serializeInitializer(this.betaInitializer),
    };
  }
}

/**
 * Creates an {@link InstanceNormalization} layer (Ulyanov et al. 2016,
 * https://arxiv.org/abs/1607.08022; PyTorch `nn.InstanceNorm2d` semantics).
 *
 * Input shape: [batch, h, w, c]. Output shape: same as the input.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { instanceNormalization } from 'tfjs-synth';
 * const norm = instanceNormalization({ center: true, scale: true }); // affine, weights gamma and beta
 * const y = norm.apply(tf.randomNormal([2, 8, 8, 16])) as tf.Tensor; // [2, 8, 8, 16]
 * ```
 */
export function instanceNormalization(args: InstanceNormalizationArgs = {}): InstanceNormalization {
  return new InstanceNormalization(args);
}
