import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkBoolean, checkError, checkInteger, checkSafeIntegerSeed } from '../core/checks';
import { featureMatchingLoss, ganLoss, generatorLoss, klDivergenceLoss, perceptualLoss } from '../losses';
import type { FeatureMapExtractor } from '../losses/perceptual-loss';
import { groupMultiscaleOutputs } from '../models/group-multiscale-outputs';
import type { TrainerCommonArgs } from './trainer-args';
import {
  applyTraining,
  checkImages,
  checkPositive,
  checkSameBatchAndSize,
  trainableVariables,
} from './internal/trainer-core';
import { TrainerBase } from './internal/trainer-base';

/** Losses of one {@link GauGANTrainer} step (plain numbers, read after the step). */
export interface GauGANLosses {
  /** lossGGan + lossGFeat + lossGVgg + lossKld. */
  lossG: number;
  /** Hinge generator loss, -mean(D(fake)), averaged over the discriminators. */
  lossGGan: number;
  /** lambdaFeat * discriminator feature matching (0 when off). */
  lossGFeat: number;
  /** lambdaVgg * perceptual loss (0 without a feature extractor). */
  lossGVgg: number;
  /** lambdaKld * KL divergence (0 without an encoder). */
  lossKld: number;
  /** lossDFake + lossDReal. */
  lossD: number;
  /** Hinge mean(relu(1 + D(fake))), averaged over the discriminators. */
  lossDFake: number;
  /** Hinge mean(relu(1 - D(real))), averaged over the discriminators. */
  lossDReal: number;
}

/** Arguments of {@link GauGANTrainer}. */
export interface GauGANTrainerArgs extends TrainerCommonArgs<GauGANLosses> {
  /** `models.spadeGenerator(...)`: input segmap (and z with `useVAE`), output image [n, h, w, 3]. */
  generator: tfl.LayersModel;
  /** `models.spadeMultiscaleDiscriminator(...)` on concat(segmap, image), semantic channels + 3 inputs. */
  discriminator: tfl.LayersModel;
  /** Discriminators in `discriminator` (to group its flat outputs). Default 2. */
  numD?: number;
  /**
   * The VAE image encoder (`models.spadeEncoder()`, outputs [mu, logvar]); required when the
   * generator takes z, not allowed otherwise. Trained with the generator.
   */
  encoder?: tfl.LayersModel;
  /**
   * The perceptual loss's feature extractor (upstream: `models.vgg19Features()` with
   * torchvision's ImageNet weights). Default none: no perceptual term (upstream `--no_vgg_loss`).
   */
  featureExtractor?: FeatureMapExtractor;
  /** Weight of the discriminator feature-matching term. Default 10. */
  lambdaFeat?: number;
  /** Weight of the perceptual term. Default 10. */
  lambdaVgg?: number;
  /** Weight of the KL term with an encoder. Default 0.05. */
  lambdaKld?: number;
  /** Use the feature-matching term (upstream `--no_ganFeat_loss` turns it off). Default true. */
  featureMatching?: boolean;
  /**
   * Two time-scale update rule: generator lr / 2, discriminator lr * 2, and Adam betas default
   * (0, 0.9); false: both at lr, betas (0.5, 0.999). Default true (upstream without `--no_TTUR`).
   */
  ttur?: boolean;
  /** Seed of the VAE's reparameterisation noise. Default: unseeded. */
  seed?: number;
}

const OWNER = 'GauGANTrainer';

/**
 * Trains GauGAN (Park et al. 2019, "Semantic Image Synthesis with Spatially-Adaptive
 * Normalization", https://arxiv.org/abs/1903.07291) in the order of NVlabs/SPADE's
 * `Pix2PixTrainer` (`run_generator_one_step`, then `run_discriminator_one_step`):
 *
 * 1. G step: with an encoder, mu, logvar = E(real), z = mu + exp(logvar / 2) * N(0, 1);
 *    fake = G(segmap[, z]); D runs once on the batch [cat(segmap, fake); cat(segmap, real)]
 *    (fake first, as upstream, so batch norm sees both); lossG = hinge -mean(D(fake)) averaged
 *    over the discriminators + lambdaFeat * sum over discriminators and features of
 *    mean|D_k(fake) - D_k(real)| / numD + lambdaVgg * perceptual(fake, real) + lambdaKld * KL;
 *    one Adam step on G's (and E's) variables.
 * 2. D step: fake = G(segmap[, z']) again without gradient (a fresh z' from E), D on the same
 *    concatenated batch; lossD = mean(relu(1 + D(fake))) + mean(relu(1 - D(real))), averaged
 *    over the discriminators; one Adam step on D's variables.
 *
 * All networks run in training mode, so spectral norms iterate and batch norms update in both
 * steps, as upstream. Segmentation maps are one-hot (see `ops.labelMapToOneHot`).
 *
 * State and resuming as every trainer: `getState()` / `setState()`, `saveTrainer` /
 * `loadTrainer` in Node; a non-finite loss throws and leaves everything as before the step.
 *
 * Porting note: upstream's VGG loss needs downloaded ImageNet weights; pass any extractor (or
 * `models.vgg19Features()` loaded as its docs show), or none to train without it. The
 * feature-matching term is SPADE's (each feature weighted lambdaFeat / numD); pix2pixHD's adds a
 * 4 / (nLayers + 1) factor, which is 1 for SPADE's default 4 layers.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models, ops, training } from 'tfjs-synth';
 * await initBackend();
 * const generator = models.spadeGenerator({ semanticChannels: 3, ngf: 2, hiddenChannels: 8, inputShape: [32, 32] });
 * const discriminator = models.spadeMultiscaleDiscriminator({ inputChannels: 6, ndf: 4 });
 * const trainer = new training.GauGANTrainer({ generator, discriminator });
 * const segmap = ops.labelMapToOneHot(tf.randomUniform([2, 32, 32], 0, 3, 'int32'), 3);
 * const image = tf.randomUniform([2, 32, 32, 3], -1, 1) as tf.Tensor4D;
 * const losses = await trainer.step(segmap, image); // { lossG, lossGGan, lossGFeat, ..., lossD }
 * ```
 */
export class GauGANTrainer extends TrainerBase<GauGANLosses> {
  readonly generator: tfl.LayersModel;
  readonly discriminator: tfl.LayersModel;
  readonly encoder: tfl.LayersModel | null;
  readonly featureExtractor: FeatureMapExtractor | null;
  readonly numD: number;
  readonly lambdaFeat: number;
  readonly lambdaVgg: number;
  readonly lambdaKld: number;
  readonly featureMatching: boolean;
  private readonly seedBase: number | undefined;
  private noiseCount = 0;

  constructor(args: GauGANTrainerArgs) {
    if (args == null || args.generator == null || args.discriminator == null) {
      throw new Error(`${OWNER}: generator and discriminator are required.`);
    }
    const ttur = checkBoolean(OWNER, 'ttur', args.ttur ?? true);
    super(
      OWNER,
      { ...args, beta1: args.beta1 ?? (ttur ? 0 : 0.5), beta2: args.beta2 ?? (ttur ? 0.9 : 0.999) },
      2e-4,
      undefined,
      ttur ? [0.5, 2] : [1, 1],
    );
    this.generator = args.generator;
    this.discriminator = args.discriminator;
    this.numD = checkInteger(OWNER, 'numD', args.numD ?? 2, { min: 1, max: 8 });
    const takesZ = this.generator.inputs.length === 2;
    if (this.generator.inputs.length > 2) {
      throw new Error(
        `${OWNER}: the generator must take [segmap] or [segmap, z], got ${this.generator.inputs.length} inputs.`,
      );
    }
    if (takesZ && args.encoder == null) {
      throw new Error(`${OWNER}: the generator takes z (useVAE), so an encoder (models.spadeEncoder()) is required.`);
    }
    if (!takesZ && args.encoder != null) {
      throw new Error(`${OWNER}: an encoder needs a generator built with useVAE: true (inputs [segmap, z]).`);
    }
    this.encoder = args.encoder ?? null;
    if (
      args.featureExtractor != null &&
      typeof args.featureExtractor !== 'function' &&
      !('apply' in args.featureExtractor)
    ) {
      throw checkError(
        OWNER,
        'featureExtractor',
        'a tf.LayersModel or a function returning tensors',
        args.featureExtractor,
      );
    }
    this.featureExtractor = args.featureExtractor ?? null;
    this.lambdaFeat = checkPositive(OWNER, 'lambdaFeat', args.lambdaFeat ?? 10, true);
    this.lambdaVgg = checkPositive(OWNER, 'lambdaVgg', args.lambdaVgg ?? 10, true);
    this.lambdaKld = checkPositive(OWNER, 'lambdaKld', args.lambdaKld ?? 0.05, true);
    this.featureMatching = checkBoolean(OWNER, 'featureMatching', args.featureMatching ?? true);
    this.seedBase = checkSafeIntegerSeed(OWNER, 'seed', args.seed);
  }

  protected stateModels(): Record<string, tfl.LayersModel> {
    return {
      generator: this.generator,
      discriminator: this.discriminator,
      ...(this.encoder ? { encoder: this.encoder } : {}),
    };
  }

  /** z = mu + exp(logvar / 2) * eps, and the KL term (encoder in training mode). */
  private encode(real: tf.Tensor4D): { z: tf.Tensor; kld: tf.Scalar } {
    const [mu, logvar] = applyTraining(this.encoder!, real) as tf.Tensor[];
    const seed = this.seedBase === undefined ? undefined : (this.seedBase + this.noiseCount++) % 4294967296;
    const eps = tf.randomNormal(mu!.shape, 0, 1, 'float32', seed);
    const z = tf.add(tf.mul(eps, tf.exp(tf.mul(logvar!, 0.5))), mu!);
    return { z, kld: klDivergenceLoss(mu!, logvar!) };
  }

  /** D on [cat(seg, fake); cat(seg, real)], split per discriminator into fake and real halves. */
  private discriminate(
    seg: tf.Tensor4D,
    fake: tf.Tensor4D,
    real: tf.Tensor4D,
  ): { fake: tf.Tensor[][]; real: tf.Tensor[][] } {
    const n = seg.shape[0];
    const batch = tf.concat([tf.concat([seg, fake], 3), tf.concat([seg, real], 3)], 0);
    const out = applyTraining(this.discriminator, batch);
    const grouped = groupMultiscaleOutputs(Array.isArray(out) ? out : [out], this.numD);
    const half = (t: tf.Tensor, i: number) => tf.slice(t, [i * n], [n]);
    return { fake: grouped.map((d) => d.map((t) => half(t, 0))), real: grouped.map((d) => d.map((t) => half(t, 1))) };
  }

  /**
   * One generator step then one discriminator step.
   * @param segmap One-hot semantic maps [n, h, w, semanticChannels] (the generator's input size).
   * @param real Real images [n, h, w, 3] in [-1, 1], same n, h, w.
   */
  async step(segmap: tf.Tensor4D, real: tf.Tensor4D): Promise<GauGANLosses> {
    const owner = `${OWNER}.step`;
    const seg = checkImages(owner, 'segmap', segmap);
    const image = checkImages(owner, 'real', real);
    checkSameBatchAndSize(owner, 'segmap', seg, 'real', image);
    const want = this.generator.inputs[0]!.shape;
    if (want[1] !== seg.shape[1] || want[2] !== seg.shape[2] || want[3] !== seg.shape[3]) {
      throw new Error(
        `${owner}: segmap must be [n, ${want[1]}, ${want[2]}, ${want[3]}] (the generator's size and semantic channels), got [${seg.shape.join(', ')}].`,
      );
    }
    if (image.shape[3] !== 3) throw new Error(`${owner}: real must have 3 channels, got ${image.shape[3]}.`);
    const G = this.generator;
    const gVars = trainableVariables(...(this.encoder ? [G, this.encoder] : [G]));
    const dVars = trainableVariables(this.discriminator);
    return this.runStep(async ({ keep, variableGrads, readFinite }) => {
      // 1. Generator (and encoder) step.
      const parts = {} as Record<'lossGGan' | 'lossGFeat' | 'lossGVgg' | 'lossKld', tf.Scalar>;
      const gStep = variableGrads(() => {
        let inputs: tf.Tensor | tf.Tensor[] = seg;
        let kld: tf.Scalar = tf.scalar(0);
        if (this.encoder) {
          const e = this.encode(image);
          inputs = [seg, e.z];
          kld = tf.mul(e.kld, this.lambdaKld) as tf.Scalar;
        }
        const fake = applyTraining(G, inputs) as tf.Tensor4D;
        const pred = this.discriminate(seg, fake, image);
        const gan = tf.div(
          tf.addN(pred.fake.map((d) => generatorLoss(d[d.length - 1]!, 'hinge'))),
          this.numD,
        ) as tf.Scalar;
        const perD = pred.fake[0]!.length - 1;
        // SPADE weights every feature lambdaFeat / numD; featureMatchingLoss's 4 / perD undone.
        const feat =
          this.featureMatching && perD > 0
            ? featureMatchingLoss(pred.fake, pred.real, { weight: (this.lambdaFeat * perD) / 4 })
            : tf.scalar(0);
        const vgg = this.featureExtractor
          ? (tf.mul(perceptualLoss(this.featureExtractor, fake, image), this.lambdaVgg) as tf.Scalar)
          : tf.scalar(0);
        parts.lossGGan = keep(gan);
        parts.lossGFeat = keep(feat);
        parts.lossGVgg = keep(vgg);
        parts.lossKld = keep(kld);
        return tf.addN([gan, feat, vgg, kld]) as tf.Scalar;
      }, gVars);
      const gLosses = await readFinite({ ...parts, lossG: gStep.value });
      this.optG.apply(gStep.grads);

      // 2. Discriminator step; the fake is computed outside the gradient (upstream's no_grad + detach).
      const fake = keep(
        tf.tidy(() => {
          const inputs = this.encoder ? [seg, this.encode(image).z] : seg;
          return applyTraining(G, inputs) as tf.Tensor4D;
        }),
      );
      let lossDFake!: tf.Scalar;
      let lossDReal!: tf.Scalar;
      const dStep = variableGrads(() => {
        const pred = this.discriminate(seg, fake, image);
        lossDFake = keep(
          tf.div(tf.addN(pred.fake.map((d) => ganLoss(d[d.length - 1]!, false, 'hinge'))), this.numD) as tf.Scalar,
        );
        lossDReal = keep(
          tf.div(tf.addN(pred.real.map((d) => ganLoss(d[d.length - 1]!, true, 'hinge'))), this.numD) as tf.Scalar,
        );
        return tf.add(lossDFake, lossDReal) as tf.Scalar;
      }, dVars);
      const dLosses = await readFinite({ lossDFake, lossDReal, lossD: dStep.value });
      this.optD.apply(dStep.grads);
      return { ...gLosses, ...dLosses };
    });
  }
}
