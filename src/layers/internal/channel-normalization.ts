/**
 * The part that {@link BatchNormalizationTorch} and {@link InstanceNormalization} share: the
 * optional per-channel affine weights `gamma` (scale) and `beta` (center), epsilon, their
 * validation, build, output shape and config. Each subclass adds its statistics and its call.
 * @internal
 */
import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkBoolean, checkNumber } from '../../core/checks';
import { serializeInitializer, toInitializer, type Initializer, type InitializerArg } from './initializers';
import { checkNhwcShape, knownChannels, singleShape } from './shapes';

/** Arguments every channel normalisation layer accepts besides `center` and `scale`. */
export interface ChannelNormalizationArgs {
  /** Added to the variance before the square root. Default 1e-5 (PyTorch). */
  epsilon?: number;
  /** Initializer of `gamma`. Default 'ones' (PyTorch's affine init). */
  gammaInitializer?: InitializerArg;
  /** Initializer of `beta`. Default 'zeros' (PyTorch). */
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

/** Per-channel affine normalisation over NHWC inputs; subclasses set `static className`. */
export abstract class ChannelNormalization extends tfl.layers.Layer {
  readonly center: boolean;
  readonly scale: boolean;
  readonly epsilon: number;
  readonly gammaInitializer: Initializer;
  readonly betaInitializer: Initializer;
  protected gamma: tfl.LayerVariable | null = null;
  protected beta: tfl.LayerVariable | null = null;

  /** `affineDefault` is the default of both `center` and `scale`. */
  constructor(args: ChannelNormalizationArgs & { center?: boolean; scale?: boolean }, affineDefault: boolean) {
    super({
      name: args.name,
      trainable: args.trainable ?? true,
      inputShape: args.inputShape,
      batchInputShape: args.batchInputShape,
    });
    const owner = (this.constructor as unknown as { className: string }).className;
    this.center = checkBoolean(owner, 'center', args.center ?? affineDefault);
    this.scale = checkBoolean(owner, 'scale', args.scale ?? affineDefault);
    this.epsilon = checkNumber(owner, 'epsilon', args.epsilon ?? 1e-5, { min: 0 });
    this.gammaInitializer = toInitializer(args.gammaInitializer ?? 'ones', owner, 'gammaInitializer');
    this.betaInitializer = toInitializer(args.betaInitializer ?? 'zeros', owner, 'betaInitializer');
  }

  /** The current affine weights (null where disabled) and epsilon, as the normalisation ops take them. */
  protected affineOptions(): { gamma: tf.Tensor1D | null; beta: tf.Tensor1D | null; epsilon: number } {
    return {
      gamma: this.gamma ? (this.gamma.read() as tf.Tensor1D) : null,
      beta: this.beta ? (this.beta.read() as tf.Tensor1D) : null,
      epsilon: this.epsilon,
    };
  }

  /** Adds `gamma` and `beta` (those enabled, in that order) for the input's channels. */
  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = singleShape(inputShape);
    const owner = this.getClassName();
    checkNhwcShape(owner, shape);
    const channels = knownChannels(owner, shape);
    if (this.scale) this.gamma = this.addWeight('gamma', [channels], 'float32', this.gammaInitializer);
    if (this.center) this.beta = this.addWeight('beta', [channels], 'float32', this.betaInitializer);
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return singleShape(inputShape);
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
