import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkBoolean, checkFunction, checkInteger } from '../core/checks';
import { featureMatchingLoss, ganLoss } from '../losses';
import { groupMultiscaleOutputs } from '../models/group-multiscale-outputs';
import { instanceEdges } from '../ops/instance-edges';
import type { TrainerCommonArgs } from './trainer-args';
import {
  applyTraining,
  checkGanMode,
  checkImages,
  checkPositive,
  checkSameBatchAndSize,
  trainableVariables,
} from './internal/trainer-core';
import { TrainerBase } from './internal/trainer-base';

/** Losses of one {@link Pix2PixHDTrainer} step (plain numbers, read after the step). */
export interface Pix2PixHDLosses {
  /** 0.5 * (lossDReal + lossDFake). */
  lossD: number;
  /** GAN loss of the real inputs, summed over the discriminators. */
  lossDReal: number;
  /** GAN loss of the generated images, summed over the discriminators. */
  lossDFake: number;
  /** lossGGan + lossGFeat + lossGPerceptual. */
  lossG: number;
  /** The generator's GAN loss, summed over the discriminators. */
  lossGGan: number;
  /** The discriminator feature-matching loss, with lambdaFeat applied (0 when off). */
  lossGFeat: number;
  /** The perceptual term, with lambdaPerceptual applied (0 without `perceptualLoss`). */
  lossGPerceptual: number;
}

/** GAN objectives of {@link Pix2PixHDTrainer}: upstream's LSGAN default and `--no_lsgan`. */
export type Pix2PixHDGanMode = 'lsgan' | 'vanilla';

/** Arguments of {@link Pix2PixHDTrainer}. */
export interface Pix2PixHDTrainerArgs extends TrainerCommonArgs<Pix2PixHDLosses> {
  /**
   * Maps `concat(label, edges, features)` to images (e.g. `models.globalGenerator()` or
   * `models.localEnhancer()`); edges only with an instance map, features only with an encoder.
   */
  generator: tfl.LayersModel;
  /**
   * A `models.multiscaleDiscriminator` judging `concat(label, edges, image)`, with
   * `getIntermFeat` when the feature-matching loss is on.
   */
  discriminator: tfl.LayersModel;
  /** Discriminators in `discriminator` (its `numD`). Default 2. */
  numD?: number;
  /**
   * Optional instance-feature encoder (`models.instanceFeatureEncoder()`), trained with the
   * generator (upstream `--instance_feat`): its features of the real image join the generator's
   * input. Needs the instance map at every step.
   */
  encoder?: tfl.LayersModel;
  /** GAN objective. Default 'lsgan' (upstream's default). */
  ganMode?: Pix2PixHDGanMode;
  /** Use the discriminator feature-matching loss. Default true (upstream without `--no_ganFeat_loss`). */
  featureMatching?: boolean;
  /** Weight of the feature-matching loss (upstream `--lambda_feat`). Default 10. */
  lambdaFeat?: number;
  /**
   * Optional perceptual loss of (fake, real) images, e.g. a VGG19 feature loss (upstream's
   * `VGGLoss`). Called inside the generator's gradient; must return a scalar.
   */
  perceptualLoss?: (fake: tf.Tensor4D, real: tf.Tensor4D) => tf.Scalar;
  /** Weight of the perceptual loss (upstream multiplies the VGG loss by `--lambda_feat`). Default 10. */
  lambdaPerceptual?: number;
}

const OWNER = 'Pix2PixHDTrainer';

/**
 * Trains a pix2pixHD generator and multiscale discriminator (Wang et al. 2018, "High-Resolution
 * Image Synthesis and Semantic Manipulation with Conditional GANs") as upstream's
 * `Pix2PixHDModel.forward` and `train.py` do:
 *
 * 1. input = concat(label, instanceEdges(instanceMap)) (the edges only with an instance map);
 *    with an encoder, its features of the real image are appended for the generator;
 * 2. fake = G(input) in training mode;
 * 3. lossG = sum_i GAN(D_i(cat(input, fake)), real) + lambdaFeat * featureMatching(D(fake),
 *    D(real)) + lambdaPerceptual * perceptualLoss(fake, real);
 * 4. lossD = 0.5 * sum_i [GAN(D_i(cat(input, fake)) detached, fake) + GAN(D_i(cat(input, real)), real)];
 * 5. both gradients are taken at the weights the step started with, then G (and the encoder)
 *    and D are updated, G first, as upstream (which computes both losses in one forward pass).
 *
 * Inputs are NHWC. The label is whatever the generator expects as label input (upstream: a
 * one-hot label map); the instance map holds integer ids `[n, h, w, 1]` and must match the
 * label's batch size, height and width.
 *
 * Porting notes: upstream's image pool defaults to size 0 (off) and is left out. The
 * discriminator runs four times per step (upstream three), so with `norm: 'batch'` its running
 * statistics get four updates; the default instance norm has none. The vanilla mode takes logits
 * (upstream's `--no_lsgan` adds a sigmoid and BCE).
 *
 * State and resuming as the other trainers (`getState`/`setState`, Node's
 * `saveTrainer`/`loadTrainer`); the encoder is part of the state. A NaN or infinite loss throws
 * and leaves the models and optimizers as before the step.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models, training } from 'tfjs-synth';
 * await initBackend();
 * const generator = models.globalGenerator({ inputChannels: 5, ngf: 4, nDownsampling: 2, nBlocks: 1 });
 * const discriminator = models.multiscaleDiscriminator({ inputChannels: 8, ndf: 4, nLayers: 2 });
 * const trainer = new training.Pix2PixHDTrainer({ generator, discriminator });
 * const label = tf.cast(tf.oneHot(tf.randomUniform([1, 16, 16], 0, 4, 'int32'), 4), 'float32') as tf.Tensor4D;
 * const inst = tf.randomUniform([1, 16, 16, 1], 0, 3, 'int32') as tf.Tensor4D;
 * const real = tf.randomUniform([1, 16, 16, 3], -1, 1) as tf.Tensor4D;
 * const losses = await trainer.step(label, real, inst); // { lossD, lossG, lossGFeat, ... }
 * ```
 */
export class Pix2PixHDTrainer extends TrainerBase<Pix2PixHDLosses> {
  readonly generator: tfl.LayersModel;
  readonly discriminator: tfl.LayersModel;
  readonly encoder: tfl.LayersModel | undefined;
  readonly numD: number;
  readonly ganMode: Pix2PixHDGanMode;
  readonly featureMatching: boolean;
  readonly lambdaFeat: number;
  readonly lambdaPerceptual: number;
  private readonly perceptual: ((fake: tf.Tensor4D, real: tf.Tensor4D) => tf.Scalar) | undefined;

  constructor(args: Pix2PixHDTrainerArgs) {
    if (args == null || args.generator == null || args.discriminator == null) {
      throw new Error(`${OWNER}: generator and discriminator are required.`);
    }
    super(OWNER, args, 2e-4);
    this.generator = args.generator;
    this.discriminator = args.discriminator;
    this.encoder = args.encoder ?? undefined;
    this.numD = checkInteger(OWNER, 'numD', args.numD ?? 2, { min: 1, max: 8 });
    this.ganMode = checkGanMode(OWNER, args.ganMode ?? 'lsgan', ['lsgan', 'vanilla'] as const);
    this.featureMatching = checkBoolean(OWNER, 'featureMatching', args.featureMatching ?? true);
    this.lambdaFeat = checkPositive(OWNER, 'lambdaFeat', args.lambdaFeat ?? 10, true);
    this.lambdaPerceptual = checkPositive(OWNER, 'lambdaPerceptual', args.lambdaPerceptual ?? 10, true);
    this.perceptual =
      args.perceptualLoss === undefined
        ? undefined
        : checkFunction<(fake: tf.Tensor4D, real: tf.Tensor4D) => tf.Scalar>(
            OWNER,
            'perceptualLoss',
            args.perceptualLoss,
            '(fake, real) => tf.Scalar',
          );
    const outputs = this.discriminator.outputs.length;
    if (outputs % this.numD !== 0 || (this.featureMatching && outputs / this.numD < 2)) {
      throw new Error(
        `${OWNER}: discriminator has ${outputs} outputs, which must be numD (${this.numD}) lists of ${this.featureMatching ? 'at least 2 (a multiscaleDiscriminator with getIntermFeat, for featureMatching)' : 'equal length'}.`,
      );
    }
  }

  protected stateModels(): Record<string, tfl.LayersModel> {
    const models: Record<string, tfl.LayersModel> = { generator: this.generator, discriminator: this.discriminator };
    if (this.encoder) models.encoder = this.encoder;
    return models;
  }

  /**
   * One training step on a batch.
   * @param label Label input [n, h, w, cL] (e.g. a one-hot label map), float32.
   * @param real Real images [n, h, w, cI], float32, same n, h, w.
   * @param instanceMap Optional instance ids [n, h, w, 1] (int32 or float32): its boundary map
   *   is appended to the label. Required with an encoder.
   */
  async step(label: tf.Tensor4D, real: tf.Tensor4D, instanceMap?: tf.Tensor4D): Promise<Pix2PixHDLosses> {
    const owner = `${OWNER}.step`;
    const l = checkImages(owner, 'label', label);
    const r = checkImages(owner, 'real', real);
    checkSameBatchAndSize(owner, 'label', l, 'real', r);
    if (instanceMap !== undefined) {
      if (!(instanceMap instanceof tf.Tensor) || instanceMap.isDisposed || instanceMap.rank !== 4) {
        throw new Error(`${owner}: instanceMap must be a live rank-4 tf.Tensor [n, h, w, 1] or undefined.`);
      }
      checkSameBatchAndSize(owner, 'label', l, 'instanceMap', instanceMap);
      if (instanceMap.shape[3] !== 1 || (instanceMap.dtype !== 'int32' && instanceMap.dtype !== 'float32')) {
        throw new Error(
          `${owner}: instanceMap must have 1 channel and dtype int32 or float32, got shape [${instanceMap.shape.join(', ')}] ${instanceMap.dtype}.`,
        );
      }
      if (instanceMap.dtype === 'float32') {
        // Checked here, not inside the gradient closure where the encoder would throw.
        const ids = await instanceMap.data();
        const bad = ids.findIndex((v) => !Number.isInteger(v));
        if (bad >= 0)
          throw new Error(`${owner}: instanceMap must hold integer ids, got ${ids[bad]} at flat index ${bad}.`);
      }
    } else if (this.encoder) {
      throw new Error(`${owner}: instanceMap is required when the trainer has an encoder.`);
    }
    const G = this.generator;
    const D = this.discriminator;
    const E = this.encoder;
    const mode = this.ganMode;
    const numD = this.numD;
    const judge = (x: tf.Tensor, image: tf.Tensor): tf.Tensor[][] =>
      groupMultiscaleOutputs(applyTraining(D, tf.concat([x, image], 3)), numD);
    const ganSum = (preds: tf.Tensor[][], isReal: boolean): tf.Scalar =>
      tf.addN(preds.map((per) => ganLoss(per[per.length - 1]!, isReal, mode))) as tf.Scalar;

    return this.runStep(async ({ keep, variableGrads, readFinite }) => {
      const input = keep(
        tf.tidy(() => (instanceMap === undefined ? tf.clone(l) : tf.concat([l, instanceEdges(instanceMap)], 3))),
      );
      // G step (with the encoder): D's variables are not in the list, so D is not updated here.
      let fake!: tf.Tensor4D;
      let lossGGan!: tf.Scalar;
      let lossGFeat!: tf.Scalar;
      let lossGPerceptual!: tf.Scalar;
      let perceptualError: unknown;
      const gStep = variableGrads(
        () => {
          const gInput = E ? tf.concat([input, applyTraining(E, [r, instanceMap!]) as tf.Tensor], 3) : input;
          fake = keep(applyTraining(G, gInput) as tf.Tensor4D);
          const predFake = judge(input, fake);
          lossGGan = keep(ganSum(predFake, true));
          if (this.featureMatching) {
            // The real features are constants of the generator's loss (featureMatchingLoss detaches them).
            const predReal = judge(input, r);
            lossGFeat = keep(featureMatchingLoss(predFake, predReal, { weight: this.lambdaFeat }));
          } else {
            lossGFeat = keep(tf.scalar(0));
          }
          // A throw inside a gradient closure would leave tfjs' tape tensors behind, so a failing or
          // malformed perceptual loss is recorded here and thrown after the closure.
          let p: unknown = null;
          if (this.perceptual) {
            try {
              p = this.perceptual(fake, r);
            } catch (err) {
              perceptualError = err;
            }
            if (perceptualError === undefined && !(p instanceof tf.Tensor && p.rank === 0 && p.dtype === 'float32')) {
              perceptualError = new Error(`${owner}: perceptualLoss must return a float32 scalar tf.Tensor.`);
            }
          }
          lossGPerceptual = keep(
            p !== null && perceptualError === undefined
              ? (tf.mul(p as tf.Scalar, this.lambdaPerceptual) as tf.Scalar)
              : tf.scalar(0),
          );
          return tf.addN([lossGGan, lossGFeat, lossGPerceptual]) as tf.Scalar;
        },
        trainableVariables(...(E ? [G, E] : [G])),
      );
      if (perceptualError !== undefined) throw perceptualError;
      // D step at the same D weights; `fake` is a constant here (upstream's fake_image.detach()).
      let lossDFake!: tf.Scalar;
      let lossDReal!: tf.Scalar;
      const dStep = variableGrads(() => {
        lossDFake = keep(ganSum(judge(input, fake), false));
        lossDReal = keep(ganSum(judge(input, r), true));
        return tf.mul(tf.add(lossDFake, lossDReal), 0.5) as tf.Scalar;
      }, trainableVariables(D));
      const gLosses = await readFinite({ lossGGan, lossGFeat, lossGPerceptual, lossG: gStep.value });
      const dLosses = await readFinite({ lossDFake, lossDReal, lossD: dStep.value });
      this.optG.apply(gStep.grads);
      this.optD.apply(dStep.grads);
      return { ...dLosses, ...gLosses };
    });
  }
}
