import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ganLoss, l1Loss } from '../losses';
import type { TrainerCommonArgs } from './trainer-args';
import {
  REFERENCE_GAN_MODES,
  applyTraining,
  checkGanMode,
  checkImages,
  checkPositive,
  checkSameBatchAndSize,
  cloneWeights,
  restoreWeights,
  trainableVariables,
  type ReferenceGanMode,
} from './internal/trainer-core';
import { TrainerBase } from './internal/trainer-base';

/** Losses of one {@link Pix2PixTrainer} step (plain numbers, read after the step). */
export interface Pix2PixLosses {
  /** 0.5 * (lossDReal + lossDFake). */
  lossD: number;
  lossDReal: number;
  lossDFake: number;
  /** lossGGan + lambdaL1 * lossGL1. */
  lossG: number;
  lossGGan: number;
  /** mean |G(A) - B| (before the lambdaL1 weight). */
  lossGL1: number;
}

/** Arguments of {@link Pix2PixTrainer}. */
export interface Pix2PixTrainerArgs extends TrainerCommonArgs<Pix2PixLosses> {
  /** Maps A images [n, h, w, cA] to B images [n, h, w, cB] (e.g. `models.unetGenerator()`). */
  generator: tfl.LayersModel;
  /** Conditional discriminator on concat(A, B) along channels, cA + cB inputs (e.g. `models.patchGANDiscriminator({ inputChannels: 6 })`). */
  discriminator: tfl.LayersModel;
  /** Weight of the L1 term in the generator loss. Default 100. */
  lambdaL1?: number;
  /** GAN objective: 'vanilla' (BCE with logits), 'lsgan' (MSE) or 'wgan'. Default 'vanilla'. */
  ganMode?: ReferenceGanMode;
}

const OWNER = 'Pix2PixTrainer';

/**
 * Trains a pix2pix pair (Isola et al. 2017, "Image-to-Image Translation with Conditional
 * Adversarial Networks") with the update order of the reference `Pix2PixModel`:
 *
 * 1. fakeB = G(A) in training mode;
 * 2. D step: lossD = 0.5 * [GAN(D(cat(A, fakeB)) detached, fake) + GAN(D(cat(A, B)), real)];
 * 3. G step, D fixed: lossG = GAN(D(cat(A, G(A))), real) + lambdaL1 * mean|G(A) - B|.
 *
 * Each step uses explicit variable lists: the D step differentiates D's trainable weights only,
 * the G step G's only. Inputs are NHWC; D sees the input first, then the output, on the channel
 * axis (like PyTorch's dim 1).
 *
 * Porting note: the reference computes fake_B once and reuses it for both updates. With tfjs the
 * G gradient needs G's forward inside the gradient closure, so G runs twice per step; the second
 * run's running-statistic updates (BatchNorm) are undone, so the running statistics get exactly
 * one update per step, equal to the reference's. With dropout the two runs draw different masks
 * (the reference's D and G steps share one).
 *
 * State and resuming: `getState()` / `setState()` hold everything in memory (browser-safe); in
 * Node use `saveTrainer(trainer, dir)` / `loadTrainer(trainer, dir)` from `tfjs-synth/node`.
 * A loss that is NaN or infinite makes `step` throw an Error naming the step and the loss, with
 * the models and optimizers put back as they were before that step.
 *
 * Tensors: the trainer owns two Adam optimizers (their slots appear at the first step, after
 * which the tensor count stays constant); `dispose()` releases them (not the models).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models, training } from 'tfjs-synth';
 * await initBackend();
 * const generator = models.unetGenerator({ ngf: 8, numDowns: 6 });
 * const discriminator = models.patchGANDiscriminator({ inputChannels: 6, ndf: 8 });
 * const trainer = new training.Pix2PixTrainer({ generator, discriminator });
 * const a = tf.randomUniform([1, 64, 64, 3], -1, 1) as tf.Tensor4D;
 * const b = tf.randomUniform([1, 64, 64, 3], -1, 1) as tf.Tensor4D;
 * const losses = await trainer.step(a, b); // { lossD, lossDReal, lossDFake, lossG, lossGGan, lossGL1 }
 * ```
 */
export class Pix2PixTrainer extends TrainerBase<Pix2PixLosses> {
  readonly generator: tfl.LayersModel;
  readonly discriminator: tfl.LayersModel;
  readonly lambdaL1: number;
  readonly ganMode: ReferenceGanMode;

  constructor(args: Pix2PixTrainerArgs) {
    if (args == null || args.generator == null || args.discriminator == null) {
      throw new Error(`${OWNER}: generator and discriminator are required.`);
    }
    super(OWNER, args, 2e-4);
    this.generator = args.generator;
    this.discriminator = args.discriminator;
    this.lambdaL1 = checkPositive(OWNER, 'lambdaL1', args.lambdaL1 ?? 100, true);
    this.ganMode = checkGanMode(OWNER, args.ganMode ?? 'vanilla', REFERENCE_GAN_MODES);
  }

  protected stateModels(): Record<string, tfl.LayersModel> {
    return { generator: this.generator, discriminator: this.discriminator };
  }

  /**
   * One training step on a batch of pairs.
   * @param inputA A images [n, h, w, cA].
   * @param targetB B images [n, h, w, cB], same n, h, w.
   */
  async step(inputA: tf.Tensor4D, targetB: tf.Tensor4D): Promise<Pix2PixLosses> {
    const owner = `${OWNER}.step`;
    const a = checkImages(owner, 'inputA', inputA);
    const b = checkImages(owner, 'targetB', targetB);
    checkSameBatchAndSize(owner, 'inputA', a, 'targetB', b);
    const G = this.generator;
    const D = this.discriminator;
    const mode = this.ganMode;
    return this.runStep(async ({ keep, variableGrads, readFinite }) => {
      // 1. fakeB = G(A), training mode: this is the one running-statistics update of G.
      const fakeB = keep(tf.tidy(() => applyTraining(G, a) as tf.Tensor4D));
      // 2. D step. fakeB was computed outside the closure and only D's variables are
      // differentiated, which is PyTorch's fake_AB.detach(). Fake first, then real, like backward_D.
      let lossDFake!: tf.Scalar;
      let lossDReal!: tf.Scalar;
      const dStep = variableGrads(() => {
        const predFake = applyTraining(D, tf.concat([a, fakeB], 3)) as tf.Tensor;
        lossDFake = keep(ganLoss(predFake, false, mode) as tf.Scalar);
        const predReal = applyTraining(D, tf.concat([a, b], 3)) as tf.Tensor;
        lossDReal = keep(ganLoss(predReal, true, mode) as tf.Scalar);
        return tf.mul(tf.add(lossDFake, lossDReal), 0.5) as tf.Scalar;
      }, trainableVariables(D));
      const dLosses = await readFinite({ lossDFake, lossDReal, lossD: dStep.value });
      this.optD.apply(dStep.grads);

      // 3. G step with the updated D (D's variables are not in the list, so D stays fixed).
      const runningStats = cloneWeights(G, false);
      let lossGGan!: tf.Scalar;
      let lossGL1!: tf.Scalar;
      let gStep: { value: tf.Scalar; grads: tf.NamedTensorMap };
      try {
        gStep = variableGrads(() => {
          const fake = applyTraining(G, a) as tf.Tensor4D;
          const pred = applyTraining(D, tf.concat([a, fake], 3)) as tf.Tensor;
          lossGGan = keep(ganLoss(pred, true, mode) as tf.Scalar);
          lossGL1 = keep(l1Loss(fake, b) as tf.Scalar);
          return tf.add(lossGGan, tf.mul(lossGL1, this.lambdaL1)) as tf.Scalar;
        }, trainableVariables(G));
      } finally {
        // Undo this second forward's running-statistics update (see the porting note).
        restoreWeights(G, runningStats, false);
      }
      const gLosses = await readFinite({ lossGGan, lossGL1, lossG: gStep.value });
      this.optG.apply(gStep.grads);
      return { ...dLosses, ...gLosses };
    });
  }
}
