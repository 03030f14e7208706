import type * as tf from '@tensorflow/tfjs-core';
import { checkInteger, checkNumber, checkOptions } from '../core/checks';

/** A learning-rate schedule: the factor applied to the base learning rate at an epoch. */
export type LrSchedule = (epoch: number) => number;

/** Options of {@link linearDecay} (the reference's option names). */
export interface LinearDecayOptions {
  /** Epochs at the base learning rate. Default 100. */
  nEpochs?: number;
  /** Epochs of linear decay to zero after them. Default 100. */
  nEpochsDecay?: number;
  /** The first epoch's number (raise it when resuming). Default 1. */
  epochCount?: number;
}

/**
 * The 'linear' policy of pix2pix/CycleGAN (`get_scheduler`, a LambdaLR):
 * `factor(epoch) = 1 - max(0, epoch + epochCount - nEpochs) / (nEpochsDecay + 1)`.
 *
 * `epoch` is the scheduler's step count; the reference steps once at the start of every epoch, so
 * with `epochCount = 1` it equals the epoch number (1, 2, ...): factors 1.0 up to epoch 99,
 * 0.990099 at 100, 0.495050 at 150, 0.009901 at 199 and 0 at 200 (the last epoch of the default
 * 100 + 100 trains at learning rate 0, as in the reference). Factors are clamped at 0 afterwards.
 *
 * @example
 * ```ts
 * import { training } from 'tfjs-synth';
 * const factor = training.linearDecay({ nEpochs: 100, nEpochsDecay: 100 });
 * factor(150); // 0.4950495...
 * ```
 */
export function linearDecay(options?: LinearDecayOptions): LrSchedule {
  const owner = 'linearDecay';
  options = checkOptions(owner, 'options', options);
  const nEpochs = options.nEpochs ?? 100;
  const nEpochsDecay = options.nEpochsDecay ?? 100;
  const epochCount = options.epochCount ?? 1;
  checkInteger(owner, 'nEpochs', nEpochs, { min: 0 });
  checkInteger(owner, 'nEpochsDecay', nEpochsDecay, { min: 0 });
  checkInteger(owner, 'epochCount', epochCount, { min: 0 });
  return (epoch: number) => {
    checkNumber(owner, 'epoch', epoch, { min: 0 });
    return Math.max(0, 1 - Math.max(0, epoch + epochCount - nEpochs) / (nEpochsDecay + 1));
  };
}

/** Options of {@link stepDecay}. */
export interface StepDecayOptions {
  /** Epochs between decays (the reference's `lr_decay_iters`). Default 50. */
  stepSize?: number;
  /** Multiplier at each decay. Default 0.1. */
  gamma?: number;
}

/**
 * Step decay, PyTorch `StepLR` in closed form: `factor(epoch) = gamma ** floor(epoch / stepSize)`
 * (the reference's 'step' policy with `lr_decay_iters` 50, gamma 0.1).
 *
 * @example
 * ```ts
 * import { training } from 'tfjs-synth';
 * training.stepDecay({ stepSize: 50, gamma: 0.1 })(120); // 0.01
 * ```
 */
export function stepDecay(options?: StepDecayOptions): LrSchedule {
  const owner = 'stepDecay';
  options = checkOptions(owner, 'options', options);
  const stepSize = options.stepSize ?? 50;
  const gamma = options.gamma ?? 0.1;
  checkInteger(owner, 'stepSize', stepSize, { min: 1 });
  checkNumber(owner, 'gamma', gamma, { min: 0 });
  return (epoch: number) => {
    checkNumber(owner, 'epoch', epoch, { min: 0 });
    return gamma ** Math.floor(epoch / stepSize);
  };
}

/** Options of {@link cosineDecay}. */
export interface CosineDecayOptions {
  /** Half period in epochs (the reference uses `n_epochs`). Required. */
  tMax: number;
  /**
   * Minimum factor. Default 0. Porting note: PyTorch's `eta_min` is an absolute learning rate;
   * here it is a fraction of the base rate (`eta_min / lr`), so schedules stay factors.
   */
  etaMin?: number;
}

/**
 * Cosine annealing, PyTorch `CosineAnnealingLR` in closed form (Loshchilov & Hutter 2017, SGDR):
 * `factor(epoch) = etaMin + (1 - etaMin) * (1 + cos(pi * epoch / tMax)) / 2`
 * (periodic past tMax, as the closed form).
 *
 * @example
 * ```ts
 * import { training } from 'tfjs-synth';
 * training.cosineDecay({ tMax: 100 })(50); // 0.5
 * ```
 */
export function cosineDecay(options: CosineDecayOptions): LrSchedule {
  const owner = 'cosineDecay';
  const { tMax, etaMin = 0 } = checkOptions<Partial<CosineDecayOptions>>(owner, 'options', options);
  checkNumber(owner, 'tMax', tMax, { min: 1 });
  const period = tMax as number;
  checkNumber(owner, 'etaMin', etaMin, { min: 0 });
  return (epoch: number) => {
    checkNumber(owner, 'epoch', epoch, { min: 0 });
    return etaMin + ((1 - etaMin) * (1 + Math.cos((Math.PI * epoch) / period))) / 2;
  };
}

/**
 * Sets a tfjs optimizer's learning rate to `baseLearningRate * factor` between steps, e.g. with
 * a factor from {@link linearDecay}. Returns the new learning rate.
 *
 * Why this works: tfjs optimizers have no public learning-rate setter except SGD/Momentum
 * (`setLearningRate`, which also refreshes a cached scalar, so it is used when present). Adam,
 * Adamax, Adagrad, Adadelta and RMSProp keep it in the `learningRate` field (protected in the
 * typings) and read it on every `applyGradients`, so assigning it changes the next step and
 * leaves the moment estimates untouched; `getConfig()` (and saved optimizers) report the new value.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, training } from 'tfjs-synth';
 * await initBackend();
 * const opt = tf.train.adam(2e-4, 0.5, 0.999);
 * const schedule = training.linearDecay();
 * for (let epoch = 1; epoch <= 200; epoch++) {
 *   training.setLearningRateFactor(opt, 2e-4, schedule(epoch));
 *   // ... train one epoch ...
 * }
 * ```
 */
export function setLearningRateFactor(optimizer: tf.Optimizer, baseLearningRate: number, factor: number): number {
  const owner = 'setLearningRateFactor';
  checkNumber(owner, 'baseLearningRate', baseLearningRate, { min: 0 });
  checkNumber(owner, 'factor', factor, { min: 0 });
  const lr = baseLearningRate * factor;
  const target = optimizer as unknown as { learningRate?: unknown; setLearningRate?: (lr: number) => void };
  if (typeof target.setLearningRate === 'function') {
    target.setLearningRate(lr);
  } else if (typeof target.learningRate === 'number') {
    target.learningRate = lr;
  } else {
    const name = (optimizer as { getClassName?: () => string })?.getClassName?.() ?? typeof optimizer;
    throw new Error(`${owner}: optimizer ${name} has no numeric learningRate to set.`);
  }
  return lr;
}
