import * as tf from '@tensorflow/tfjs-core';
import { checkNumber } from '../core/checks';
import { checkTensor, checkAxis } from './internal/check-tensor';
import { normalizeByMoments } from './internal/normalize-moments';

/** Options of {@link batchNormTorchTraining} and {@link batchNormTorchInference}. */
export interface BatchNormTorchOptions {
  /** Per-channel scale [c], or null for none. Default null. */
  gamma?: tf.Tensor1D | null;
  /** Per-channel offset [c], or null for none. Default null. */
  beta?: tf.Tensor1D | null;
  /** Added to the variance before the square root. Default 1e-5 (PyTorch's BatchNorm2d). */
  epsilon?: number;
}

/** Result of {@link batchNormTorchTraining}. */
export interface BatchNormTorchTrainingResult {
  /** The normalised batch, [n, h, w, c]. */
  y: tf.Tensor4D;
  /** Batch mean per channel, [c]. */
  mean: tf.Tensor1D;
  /** Biased batch variance per channel (what the batch is normalised with), [c]. */
  variance: tf.Tensor1D;
  /** Unbiased batch variance per channel, `variance * m / (m - 1)` with m = n*h*w (what PyTorch's running variance averages), [c]. */
  unbiasedVariance: tf.Tensor1D;
}

function checkInputs(
  owner: string,
  x: tf.Tensor,
  options: BatchNormTorchOptions,
  extra: [string, tf.Tensor][] = [],
): number {
  if (x.rank !== 4) {
    throw new Error(`${owner}: expected a rank-4 NHWC input, got shape [${x.shape.join(', ')}].`);
  }
  const epsilon = checkNumber(owner, 'epsilon', options.epsilon ?? 1e-5, { min: 0 });
  const channels = x.shape[3]!;
  const perChannel: [string, tf.Tensor | null | undefined][] = [
    ['gamma', options.gamma],
    ['beta', options.beta],
    ...extra,
  ];
  for (const [arg, t] of perChannel) {
    if (t && (t.rank !== 1 || t.shape[0] !== channels)) {
      throw new Error(`${owner}: ${arg} must have shape [${channels}], got [${t.shape.join(', ')}].`);
    }
  }
  return epsilon;
}

function affine(y: tf.Tensor4D, options: BatchNormTorchOptions): tf.Tensor4D {
  let out = y;
  if (options.gamma) out = tf.mul(out, options.gamma);
  if (options.beta) out = tf.add(out, options.beta);
  return out;
}

/**
 * Training-mode batch normalisation with PyTorch's `nn.BatchNorm2d` semantics (Ioffe & Szegedy
 * 2015, "Batch Normalization", https://arxiv.org/abs/1502.03167): normalise with the batch mean
 * and *biased* variance over (n, h, w), then scale and shift. Also returns the statistics that
 * the running averages need, including the *unbiased* variance PyTorch averages.
 *
 * Input shape: x [n, h, w, c] with n*h*w > 1 (PyTorch refuses a single value per channel too).
 * Output shape: y [n, h, w, c]; mean, variance, unbiasedVariance [c].
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, ops } from 'tfjs-synth';
 * await initBackend();
 * const { y, mean, unbiasedVariance } = ops.batchNormTorchTraining(tf.randomNormal([4, 8, 8, 16]));
 * ```
 */
export function batchNormTorchTraining(
  x: tf.Tensor4D,
  options: BatchNormTorchOptions = {},
): BatchNormTorchTrainingResult {
  const owner = 'batchNormTorchTraining';
  const epsilon = checkInputs(owner, x, options);
  const [n, h, w] = x.shape;
  const count = n * h * w;
  if (count < 2) {
    throw new Error(
      `${owner}: expected more than 1 value per channel in training, got input shape [${x.shape.join(', ')}].`,
    );
  }
  return tf.tidy(() => {
    // One op with a hand-written gradient: the composed ops kept ~10 activation-sized tensors per
    // layer alive through the backward pass (see ops/internal/normalize-moments).
    const stats = normalizeByMoments(x, [0, 1, 2], epsilon, options.gamma, options.beta);
    const channels = x.shape[3];
    const mean = tf.reshape(stats.mean, [channels]) as tf.Tensor1D;
    const variance = tf.reshape(stats.variance, [channels]) as tf.Tensor1D;
    const unbiasedVariance = tf.mul(variance, count / (count - 1)) as tf.Tensor1D;
    return { y: stats.y, mean, variance, unbiasedVariance };
  });
}

/**
 * Inference-mode batch normalisation with PyTorch's `nn.BatchNorm2d` semantics:
 * `(x - runningMean) / sqrt(runningVariance + epsilon) * gamma + beta`.
 *
 * Input shape: x [n, h, w, c]; runningMean, runningVariance [c]. Output shape: [n, h, w, c].
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, ops } from 'tfjs-synth';
 * await initBackend();
 * const y = ops.batchNormTorchInference(tf.randomNormal([1, 4, 4, 2]), tf.zeros([2]), tf.ones([2]));
 * ```
 */
export function batchNormTorchInference(
  x: tf.Tensor4D,
  runningMean: tf.Tensor1D,
  runningVariance: tf.Tensor1D,
  options: BatchNormTorchOptions = {},
): tf.Tensor4D {
  const owner = 'batchNormTorchInference';
  const epsilon = checkInputs(owner, x, options, [
    ['runningMean', runningMean],
    ['runningVariance', runningVariance],
  ]);
  return tf.tidy(() => affine(tf.mul(tf.sub(x, runningMean), tf.rsqrt(tf.add(runningVariance, epsilon))), options));
}

/**
 * One step of PyTorch's running average: `(1 - momentum) * running + momentum * batch`.
 *
 * Porting note: PyTorch's `momentum` (default 0.1) is the weight of the *new* value; Keras/tfjs'
 * BatchNormalization `momentum` (default 0.99) is the weight of the *old* one.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, ops } from 'tfjs-synth';
 * await initBackend();
 * ops.runningAverageTorch(tf.zeros([2]), tf.ones([2]), 0.1); // [0.1, 0.1]
 * ```
 * @throws Error when running and batch are not rank-1 tensors of one length, or momentum is
 *   not a finite number in [0, 1].
 */
export function runningAverageTorch(running: tf.Tensor1D, batch: tf.Tensor1D, momentum: number): tf.Tensor1D {
  const owner = 'runningAverageTorch';
  checkTensor(owner, 'running', running, 1, '[c]');
  checkTensor(owner, 'batch', batch, 1, '[c]');
  checkAxis(owner, 'batch', batch, 0, running.shape[0], "values (running's length)");
  checkNumber(owner, 'momentum', momentum, { min: 0, max: 1 });
  return tf.tidy(() => tf.add(tf.mul(running, 1 - momentum), tf.mul(batch, momentum)));
}
