import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkError, checkInteger, checkOneOf, checkSeed, describeValue } from '../core/checks';
import { createRandom, type Random } from '../core/random';
import { gradientPenalty } from '../losses';
import type { TrainerCommonArgs } from './trainer-args';
import type { TrainerState } from './trainer-state';
import {
  applyTraining,
  checkImages,
  checkPositive,
  cloneWeights,
  restoreWeights,
  trainableVariables,
} from './internal/trainer-core';
import { TrainerBase } from './internal/trainer-base';
import { TorchRmspropOptimizer } from './internal/torch-rmsprop';

/** Objectives of {@link DCGANTrainer}. */
export const DCGAN_LOSSES = ['bce', 'wgan', 'wgan-gp'] as const;
/** Objective of {@link DCGANTrainer}: see {@link DCGANTrainerArgs.loss}. */
export type DCGANLoss = (typeof DCGAN_LOSSES)[number];

/** Losses of one {@link DCGANTrainer} step (plain numbers, read after the step). */
export interface DCGANLosses {
  /** The discriminator's (critic's) loss: lossDReal + lossDFake (+ lossGP for 'wgan-gp'). */
  lossD: number;
  /** 'bce': BCE(D(x), 1); WGAN: -mean D(x). */
  lossDReal: number;
  /** 'bce': BCE(D(G(z)), 0); WGAN: mean D(G(z)). */
  lossDFake: number;
  /** 'wgan-gp' only: the gradient penalty (lambda included); 0 otherwise. */
  lossGP: number;
  /** The generator's loss ('bce': BCE(D(G(z)), 1); WGAN: -mean D(G(z))), or null on a step without a generator update. */
  lossG: number | null;
}

/** Arguments of {@link DCGANTrainer}. */
export interface DCGANTrainerArgs extends TrainerCommonArgs<DCGANLosses> {
  /** Maps z `[n, nz]` to images `[n, s, s, c]` (e.g. `models.dcganGenerator()`). */
  generator: tfl.LayersModel;
  /**
   * Maps images to one value per image: with 'bce' a probability (`models.dcganDiscriminator()`,
   * ending with a sigmoid), with 'wgan' / 'wgan-gp' an unbounded score
   * (`models.dcganDiscriminator({ sigmoid: false })`).
   */
  discriminator: tfl.LayersModel;
  /**
   * - 'bce' (default): the DCGAN reference, BCE on D's probabilities, Adam(2e-4, 0.5, 0.999).
   * - 'wgan' (Arjovsky et al. 2017): critic loss mean D(G(z)) - mean D(x), generator loss
   *   -mean D(G(z)), the critic's weights clipped to [-clipValue, clipValue] after each critic
   *   update, RMSprop (torch's, alpha 0.99, eps 1e-8) with lr 5e-5, nCritic 5.
   * - 'wgan-gp' (Gulrajani et al. 2017): the WGAN losses plus `losses.gradientPenalty`
   *   (lambdaGP), no clipping, Adam(1e-4, 0, 0.9), nCritic 5.
   */
  loss?: DCGANLoss;
  /** Critic updates per generator update. Default 1 for 'bce', 5 for 'wgan' and 'wgan-gp'. */
  nCritic?: number;
  /** 'wgan' only: the clipping bound c (> 0). Default 0.01. */
  clipValue?: number;
  /** 'wgan-gp' only: weight of the gradient penalty. Default 10. */
  lambdaGP?: number;
  /** Seed of the latent noise the trainer draws (an integer in [0, 2^32 - 1]). Default: unseeded. */
  seed?: number;
}

/** Options of {@link DCGANTrainer.step}. */
export interface DCGANStepOptions {
  /** The latent batch `[n, nz]` of this step (same n as the images). Default: drawn from N(0, 1). */
  noise?: tf.Tensor2D;
}

const OWNER = 'DCGANTrainer';

/** Whether one of the model's last two layers is a sigmoid activation. */
function endsWithSigmoid(model: tfl.LayersModel): boolean {
  return model.layers
    .slice(-2)
    .some(
      (l) => l.getClassName() === 'Activation' && (l.getConfig() as { activation?: string }).activation === 'sigmoid',
    );
}

/** torch's BCELoss on probabilities against an all-`target` label: logs clamped at -100, mean. */
function bce(p: tf.Tensor, target: 0 | 1): tf.Scalar {
  const logs = target === 1 ? tf.log(p) : tf.log(tf.sub(1, p));
  return tf.neg(tf.mean(tf.maximum(logs, -100))) as tf.Scalar;
}

/**
 * Trains a DCGAN (Radford et al. 2016) with the update order of the PyTorch examples'
 * `dcgan/main.py`, or a WGAN (Arjovsky et al. 2017) / WGAN-GP (Gulrajani et al. 2017) with the
 * same networks. One `step` is one iteration of the reference's loop over the data:
 *
 * 1. z ~ N(0, 1) `[n, nz]` (or `options.noise`), fake = G(z) in training mode;
 * 2. D step: 'bce': lossD = BCE(D(x), 1) + BCE(D(fake) detached, 0) (real first, as the
 *    reference); WGAN: lossD = -mean D(x) + mean D(fake) (+ the gradient penalty); then with
 *    'wgan' every trainable critic weight is clipped to [-clipValue, clipValue];
 * 3. G step, D fixed, on every `nCritic`-th step (every step for 'bce'): lossG = BCE(D(G(z)), 1)
 *    or -mean D(G(z)), with the step's z.
 *
 * Each step differentiates explicit variable lists (D's trainable weights, then G's).
 *
 * Porting notes: (1) the reference computes G(z) once for both updates; here G runs again inside
 * the generator's gradient closure and, with 'bce', that second run's running-statistic updates
 * are undone, so they equal the reference's. (2) The WGAN reference clamps the critic before
 * each critic update and draws a fresh z for the generator update; here the clipping follows the
 * update (Algorithm 1 of the paper, so the critic seen by the generator is clipped) and the
 * generator update reuses the step's z. (3) The WGAN reference minimises D(x) - D(G(z)) for the
 * critic and D(G(z)) for the generator; the signs here are the paper's (flipped on both sides,
 * the same game). (4) Its schedule of 100 critic updates during the first 25 generator
 * updates is not built in: change `nCritic`-style schedules by calling `step` more often.
 *
 * State and resuming: `getState()` / `setState()` (and `saveTrainer` / `loadTrainer` in Node)
 * hold the models, both optimizers (Adam, or RMSprop for 'wgan') and the step count, which also
 * fixes where the next generator update falls. The noise generator's position is not saved.
 * A non-finite loss makes `step` throw with the models and optimizers put back.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models, training } from 'tfjs-synth';
 * await initBackend();
 * const generator = models.dcganGenerator({ nz: 8, ngf: 4, imageSize: 16, seed: 1 });
 * const discriminator = models.dcganDiscriminator({ ndf: 4, imageSize: 16, seed: 2 });
 * const trainer = new training.DCGANTrainer({ generator, discriminator, seed: 3 });
 * const real = tf.randomUniform([4, 16, 16, 3], -1, 1) as tf.Tensor4D;
 * const losses = await trainer.step(real); // { lossD, lossDReal, lossDFake, lossGP, lossG }
 * ```
 */
export class DCGANTrainer extends TrainerBase<DCGANLosses> {
  readonly generator: tfl.LayersModel;
  readonly discriminator: tfl.LayersModel;
  readonly loss: DCGANLoss;
  readonly nCritic: number;
  readonly clipValue: number;
  readonly lambdaGP: number;
  /** Length of z, read from the generator's input `[batch, nz]`. */
  readonly nz: number;
  private readonly random: Random | undefined;

  constructor(args: DCGANTrainerArgs) {
    if (args === null || typeof args !== 'object') throw checkError(OWNER, 'args', 'an object', args);
    const loss = checkOneOf(OWNER, 'loss', args.loss ?? 'bce', DCGAN_LOSSES);
    const defaults =
      loss === 'wgan'
        ? { lr: 5e-5, beta1: 0.5, beta2: 0.999 }
        : loss === 'wgan-gp'
          ? { lr: 1e-4, beta1: 0, beta2: 0.9 }
          : { lr: 2e-4, beta1: 0.5, beta2: 0.999 };
    super(
      OWNER,
      { ...args, beta1: args.beta1 ?? defaults.beta1, beta2: args.beta2 ?? defaults.beta2 },
      defaults.lr,
      loss === 'wgan' ? (lr) => new TorchRmspropOptimizer(lr) : undefined,
    );
    for (const name of ['generator', 'discriminator'] as const) {
      const m = args[name] as unknown;
      if (
        m == null ||
        typeof (m as tfl.LayersModel).apply !== 'function' ||
        !Array.isArray((m as tfl.LayersModel).trainableWeights)
      ) {
        throw checkError(OWNER, name, 'a tf.LayersModel', m);
      }
    }
    this.generator = args.generator;
    this.discriminator = args.discriminator;
    const zShape = this.generator.inputs[0]?.shape;
    if (this.generator.inputs.length !== 1 || zShape?.length !== 2 || typeof zShape[1] !== 'number') {
      throw new Error(
        `${OWNER}: generator must take one input z of shape [batch, nz] (as models.dcganGenerator), got ${JSON.stringify(zShape ?? null)}.`,
      );
    }
    this.nz = zShape[1];
    const sigmoid = endsWithSigmoid(this.discriminator);
    if (loss === 'bce' && !sigmoid) {
      throw new Error(
        `${OWNER}: loss 'bce' needs a discriminator that ends with a sigmoid (models.dcganDiscriminator()).`,
      );
    }
    if (loss !== 'bce' && sigmoid) {
      throw new Error(
        `${OWNER}: loss '${loss}' needs a critic without a final sigmoid (models.dcganDiscriminator({ sigmoid: false })).`,
      );
    }
    this.loss = loss;
    this.nCritic = checkInteger(OWNER, 'nCritic', args.nCritic ?? (loss === 'bce' ? 1 : 5), { min: 1, max: 1000 });
    this.clipValue = checkPositive(OWNER, 'clipValue', args.clipValue ?? 0.01);
    this.lambdaGP = checkPositive(OWNER, 'lambdaGP', args.lambdaGP ?? 10, true);
    const seed = checkSeed(OWNER, 'seed', args.seed);
    this.random = seed === undefined ? undefined : createRandom(seed);
  }

  protected stateModels(): Record<string, tfl.LayersModel> {
    return { generator: this.generator, discriminator: this.discriminator };
  }

  /** A copy of the training state (see {@link TrainerState}); it records the loss and nCritic. */
  override async getState(): Promise<TrainerState> {
    return this.buildState([], { loss: this.loss, nCritic: this.nCritic });
  }

  /**
   * Restores a state from {@link getState}. The state must come from a trainer with the same
   * loss (the optimizer differs: RMSprop for 'wgan') and nCritic (the step count places the next
   * generator update).
   */
  override async setState(state: TrainerState): Promise<void> {
    const owner = `${OWNER}.setState`;
    const extra = state?.extra;
    if (extra?.['loss'] !== this.loss || extra?.['nCritic'] !== this.nCritic) {
      throw new Error(
        `${owner}: the state was written with loss ${describeValue(extra?.['loss'])} and nCritic ${describeValue(extra?.['nCritic'])}, this trainer has '${this.loss}' and ${this.nCritic}.`,
      );
    }
    await super.setState(state);
  }

  /** Whether the next step updates the generator (after every `nCritic`-th critic update). */
  get nextStepUpdatesGenerator(): boolean {
    return (this.stepCount + 1) % this.nCritic === 0;
  }

  /**
   * One training step: a discriminator (critic) update on a batch of real images, then a
   * generator update on every `nCritic`-th step.
   * @param real Real images `[n, h, w, c]` in [-1, 1], the size the discriminator takes.
   * @param options The step's noise (optional).
   */
  async step(real: tf.Tensor4D, options: DCGANStepOptions = {}): Promise<DCGANLosses> {
    const owner = `${OWNER}.step`;
    const x = checkImages(owner, 'real', real);
    if (options === null || typeof options !== 'object')
      throw checkError(owner, 'options', 'an object or undefined', options);
    const batch = x.shape[0];
    if (batch < 1) throw new Error(`${owner}: real must hold at least one image, got shape [${x.shape.join(', ')}].`);
    if (options.noise !== undefined) {
      const z = options.noise as unknown;
      if (
        !(z instanceof tf.Tensor) ||
        z.isDisposed ||
        z.dtype !== 'float32' ||
        z.rank !== 2 ||
        z.shape[0] !== batch ||
        z.shape[1] !== this.nz
      ) {
        const shape =
          z instanceof tf.Tensor
            ? `shape [${z.shape.join(', ')}] ${z.dtype}${z.isDisposed ? ' (disposed)' : ''}`
            : String(typeof z);
        throw new Error(`${owner}: noise must be a live float32 tensor [${batch}, ${this.nz}], got ${shape}.`);
      }
    }
    const G = this.generator;
    const D = this.discriminator;
    const loss = this.loss;
    const updateG = this.nextStepUpdatesGenerator;
    return this.runStep(async ({ keep, variableGrads, readFinite }) => {
      const z = keep(
        options.noise !== undefined
          ? tf.clone(options.noise)
          : tf.randomNormal([batch, this.nz], 0, 1, 'float32', this.random?.int(0, 4294967295)),
      ) as tf.Tensor2D;
      // 1. fake = G(z) in training mode (the step's one running-statistics update of G for 'bce').
      const fake = keep(tf.tidy(() => applyTraining(G, z) as tf.Tensor4D));
      // 2. D step over D's variables only; fake was computed outside the closure (detached).
      let lossDReal!: tf.Scalar;
      let lossDFake!: tf.Scalar;
      let lossGP!: tf.Scalar;
      const dVars = trainableVariables(D);
      const dStep = variableGrads(() => {
        const predReal = applyTraining(D, x) as tf.Tensor;
        lossDReal = keep(loss === 'bce' ? bce(predReal, 1) : (tf.neg(tf.mean(predReal)) as tf.Scalar));
        const predFake = applyTraining(D, fake) as tf.Tensor;
        lossDFake = keep(loss === 'bce' ? bce(predFake, 0) : (tf.mean(predFake) as tf.Scalar));
        lossGP = keep(
          loss === 'wgan-gp'
            ? gradientPenalty((t) => applyTraining(D, t) as tf.Tensor, x, fake, {
                lambda: this.lambdaGP,
                alpha:
                  this.random === undefined
                    ? undefined
                    : Array.from({ length: batch }, () => this.random!.uniform(0, 1)),
              })
            : tf.scalar(0),
        );
        return tf.add(tf.add(lossDReal, lossDFake), lossGP) as tf.Scalar;
      }, dVars);
      const dLosses = await readFinite({ lossDReal, lossDFake, lossGP, lossD: dStep.value });
      this.optD.apply(dStep.grads);
      if (loss === 'wgan') {
        const c = this.clipValue;
        for (const v of dVars) tf.tidy(() => v.assign(tf.clipByValue(v, -c, c)));
      }
      if (!updateG) return { ...dLosses, lossG: null };

      // 3. G step with the updated D (D's variables are not in the list, so D stays fixed).
      const runningStats = loss === 'bce' ? cloneWeights(G, false) : null;
      let gStep: { value: tf.Scalar; grads: tf.NamedTensorMap };
      try {
        gStep = variableGrads(() => {
          const pred = applyTraining(D, applyTraining(G, z) as tf.Tensor4D) as tf.Tensor;
          return loss === 'bce' ? bce(pred, 1) : (tf.neg(tf.mean(pred)) as tf.Scalar);
        }, trainableVariables(G));
      } finally {
        // Undo the second forward's running-statistics update (see porting note 1).
        if (runningStats !== null) restoreWeights(G, runningStats, false);
      }
      const { lossG } = await readFinite({ lossG: gStep.value });
      this.optG.apply(gStep.grads);
      return { ...dLosses, lossG };
    });
  }
}
