import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkError } from '../core/checks';
import { batchNormTorchInference, batchNormTorchTraining, runningAverageTorch } from '../ops/batch-norm-torch';
import { ChannelNormalization, type ChannelNormalizationArgs } from './internal/channel-normalization';
import { nhwcInput, singleInput, singleShape } from './internal/shapes';
import type { Kwargs } from './internal/kwargs';

/**
 * Arguments of {@link BatchNormalizationTorch}: `epsilon` (default 1e-5), `gammaInitializer`
 * (default 'ones'), `betaInitializer` (default 'zeros'), `name`, `inputShape`, `batchInputShape`
 * and `trainable` (default true; the running statistics never are), shared with
 * {@link InstanceNormalizationArgs}, plus the following.
 */
export interface BatchNormalizationTorchArgs extends ChannelNormalizationArgs {
  /**
   * Weight of the *new* batch statistic in the running averages (PyTorch convention):
   * `running = (1 - momentum) * running + momentum * batch`. In (0, 1]. Default 0.1.
   */
  momentum?: number;
  /** Add a learned per-channel offset `beta` (PyTorch `bias`). Default true (`affine=True`). */
  center?: boolean;
  /** Multiply by a learned per-channel scale `gamma` (PyTorch `weight`). Default true. */
  scale?: boolean;
}

/**
 * Batch normalisation with PyTorch's `nn.BatchNorm2d` semantics (Ioffe & Szegedy 2015, "Batch
 * Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift",
 * https://arxiv.org/abs/1502.03167), the `--norm batch` option of pix2pix/CycleGAN.
 *
 * - Training (`apply(x, { training: true })`, `model.fit`, `model.apply(x, { training: true })`
 *   in a custom loop): normalise with the batch mean and *biased* variance over (n, h, w), and
 *   update `moving_mean ← 0.9·moving_mean + 0.1·mean`,
 *   `moving_variance ← 0.9·moving_variance + 0.1·unbiased variance` (momentum 0.1).
 * - Inference (default): `(x − moving_mean) / sqrt(moving_variance + 1e-5) · gamma + beta`.
 *
 * Weights, in this order: `gamma` [c], `beta` [c] (trainable, when enabled), `moving_mean` [c],
 * `moving_variance` [c] (non-trainable). They map to PyTorch's `weight`, `bias`, `running_mean`,
 * `running_var`; `num_batches_tracked` is not kept (only PyTorch's `momentum=None` uses it).
 *
 * Input shape: [batch, h, w, c]. Output shape: same as the input.
 *
 * Porting note: tfjs-layers' `batchNormalization` differs in three ways: momentum 0.99 is the
 * weight of the old value, epsilon is 1e-3, and the moving variance averages the biased variance.
 * It also fails in training with `scale: false` or `center: false` (tfjs issue 2868); this layer
 * supports both. Like PyTorch (and unlike Keras), `trainable: false` does not switch to inference:
 * only the `training` flag does.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, BatchNormalizationTorch } from 'tfjs-synth';
 * await initBackend();
 * const bn = new BatchNormalizationTorch();
 * const x = tf.randomNormal([4, 8, 8, 16]);
 * const yTrain = bn.apply(x, { training: true }) as tf.Tensor; // updates moving_mean / moving_variance
 * const yEval = bn.apply(x) as tf.Tensor; // uses them
 * ```
 */
export class BatchNormalizationTorch extends ChannelNormalization {
  static className = 'BatchNormalizationTorch';
  readonly momentum: number;
  protected movingMean: tfl.LayerVariable | null = null;
  protected movingVariance: tfl.LayerVariable | null = null;

  constructor(args: BatchNormalizationTorchArgs = {}) {
    super(args, true);
    const owner = (this.constructor as typeof BatchNormalizationTorch).className;
    this.momentum = args.momentum ?? 0.1;
    if (typeof this.momentum !== 'number' || !(this.momentum > 0 && this.momentum <= 1)) {
      throw checkError(owner, 'momentum', 'in (0, 1] (PyTorch convention, default 0.1)', args.momentum);
    }
  }

  /** Adds `gamma` and `beta` (when enabled), then the running statistics. */
  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    super.build(inputShape);
    const channels = singleShape(inputShape)[3] as number;
    // PyTorch's buffer initial values; the checkpoint importer finds them by these exact names.
    this.movingMean = this.addWeight('moving_mean', [channels], 'float32', tfl.initializers.zeros(), undefined, false);
    this.movingVariance = this.addWeight(
      'moving_variance',
      [channels],
      'float32',
      tfl.initializers.ones(),
      undefined,
      false,
    );
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = nhwcInput(this.getClassName(), singleInput(inputs));
      const affine = this.affineOptions();
      if (kwargs?.['training'] !== true) {
        return batchNormTorchInference(
          x,
          this.movingMean!.read() as tf.Tensor1D,
          this.movingVariance!.read() as tf.Tensor1D,
          affine,
        );
      }
      const { y, mean, unbiasedVariance } = batchNormTorchTraining(x, affine);
      // As tfjs-layers' own BatchNormalization: the running averages are written imperatively
      // during the training call. That works the same under model.fit, optimizer.minimize and
      // tf.variableGrads, since variable writes are not recorded on the gradient tape (so no
      // gradient flows into the running statistics, as with PyTorch buffers).
      tf.tidy(() => {
        this.movingMean!.write(runningAverageTorch(this.movingMean!.read() as tf.Tensor1D, mean, this.momentum));
        this.movingVariance!.write(
          runningAverageTorch(this.movingVariance!.read() as tf.Tensor1D, unbiasedVariance, this.momentum),
        );
      });
      return y;
    });
  }

  // computeOutputShape: the input shape (ChannelNormalization).

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum };
  }
}

/**
 * Creates a {@link BatchNormalizationTorch} layer (PyTorch `nn.BatchNorm2d` semantics; Ioffe &
 * Szegedy 2015, https://arxiv.org/abs/1502.03167).
 *
 * Input shape: [batch, h, w, c]. Output shape: same as the input.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, batchNormalizationTorch } from 'tfjs-synth';
 * await initBackend();
 * const bn = batchNormalizationTorch({ momentum: 0.1, epsilon: 1e-5 });
 * const y = bn.apply(tf.randomNormal([2, 4, 4, 8]), { training: true }) as tf.Tensor; // [2, 4, 4, 8]
 * ```
 */
export function batchNormalizationTorch(args: BatchNormalizationTorchArgs = {}): BatchNormalizationTorch {
  return new BatchNormalizationTorch(args);
}
