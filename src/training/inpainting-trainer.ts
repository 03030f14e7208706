import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkOptions, describeValue } from '../core/checks';
import { discriminatorLoss, generatorLoss, l1Loss } from '../losses';
import { type CannyEdgesOptions, cannyEdges } from '../ops/canny-edges';
import type { TrainerCommonArgs } from './trainer-args';
import {
  applyTraining,
  checkImages,
  checkPositive,
  checkSameBatchAndSize,
  trainableVariables,
} from './internal/trainer-core';
import { TrainerBase } from './internal/trainer-base';

/** Losses of one {@link InpaintingTrainer} step (plain numbers). */
export interface InpaintingLosses {
  /** 0.5 * mean(relu(1 - D(real))) + 0.5 * mean(relu(1 + D(completed))). */
  lossD: number;
  /** ganAlpha * lossGGan + l1Alpha * (lossL1Coarse + lossL1Fine). */
  lossG: number;
  /** -mean(D(completed)) (hinge generator loss). */
  lossGGan: number;
  /** mean |image - x1| over the whole image. */
  lossL1Coarse: number;
  /** mean |image - x2| over the whole image. */
  lossL1Fine: number;
}

/**
 * Where a guided generator's guides come from in training: 'canny' ({@link cannyEdges} of each
 * training image), a function of the images returning [n, h, w, 1] in [0, 1] (the trainer
 * disposes the result), or 'none' (no guide: the generator takes none).
 */
export type InpaintingGuides = 'none' | 'canny' | ((images: tf.Tensor4D) => tf.Tensor4D | Promise<tf.Tensor4D>);

/** Arguments of {@link InpaintingTrainer}. */
export interface InpaintingTrainerArgs extends TrainerCommonArgs<InpaintingLosses> {
  /**
   * Inputs `[image with holes zeroed [n, h, w, c], mask [n, h, w, 1]]`, outputs `[x1, x2]`
   * (coarse and refined images [n, h, w, c]), e.g. `models.gatedInpaintingGenerator()`. A
   * guided generator (`gatedInpaintingGenerator({ guide: true })`) has a third input, the guide
   * [n, h, w, 1].
   */
  generator: tfl.LayersModel;
  /**
   * Scores concat(image, mask) on the channel axis (c + 1 channels), any output shape, e.g.
   * `models.snPatchGANDiscriminator()`; its spectral-norm vectors update in training mode.
   * With a guided generator, concat(image, mask, guide) (c + 2 channels, the reference's
   * conditional GAN), e.g. `snPatchGANDiscriminator({ inputChannels: 5 })`.
   */
  discriminator: tfl.LayersModel;
  /**
   * The guides of a guided generator: default 'canny' when the generator has a guide input,
   * 'none' otherwise (any other combination is an Error). The guide is masked to the hole
   * (`guide * mask`) as in the reference. A `guides` tensor given to `step` takes precedence.
   */
  guides?: InpaintingGuides;
  /** Options of the 'canny' guides ({@link cannyEdges}; default sigma 1, low 0.1, high 0.2). */
  edgeOptions?: Omit<CannyEdgesOptions, 'signal'>;
  /** Weight of each L1 term (coarse and fine). Default 1. */
  l1Alpha?: number;
  /** Weight of the GAN term in the generator loss. Default 1. */
  ganAlpha?: number;
}

const OWNER = 'InpaintingTrainer';

/**
 * Trains a DeepFill v2 style inpainting network (Yu et al. 2019, "Free-Form Image Inpainting
 * with Gated Convolution") with SN-PatchGAN hinge losses, like `generative_inpainting` v2:
 *
 * - the generator sees `[image * (1 - mask), mask]` (mask 1 = hole) and returns `[x1, x2]`;
 * - user-guided (a generator with a guide input, DeepFill v2's `guided` mode): a guide per
 *   image, by default its {@link cannyEdges} edge map (the paper uses HED edges, whose trained
 *   weights this library does not ship), masked to the hole, is the generator's third input and
 *   D's last channel;
 * - completed = x2 * mask + image * (1 - mask);
 * - D sees concat(image, mask) (real) and concat(completed, mask) (fake), stacked on the batch
 *   axis in one call like the reference;
 * - D step first: lossD = 0.5 * mean(relu(1 - real)) + 0.5 * mean(relu(1 + fake)), fake detached;
 * - then the G step with the updated D: lossG = ganAlpha * -mean(fake) + l1Alpha * (mean|image - x1| + mean|image - x2|).
 *
 * Each step runs the generator and the discriminator once per update, as each `sess.run` of the
 * reference re-runs the graph: D's spectral-norm `u` advances once in the D step and once in the
 * G step.
 *
 * State, resuming (`getState`/`setState`, `saveTrainer`/`loadTrainer` in Node), NaN handling
 * and tensor ownership: as {@link Pix2PixTrainer}.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models, training } from 'tfjs-synth';
 * await initBackend();
 * const trainer = new training.InpaintingTrainer({
 *   generator: models.gatedInpaintingGenerator({ cnum: 8 }),
 *   discriminator: models.snPatchGANDiscriminator({ ndf: 8 }),
 * });
 * const images = tf.randomUniform([2, 64, 64, 3], -1, 1) as tf.Tensor4D;
 * const masks = tf.pad(tf.ones([2, 32, 32, 1]), [[0, 0], [16, 16], [16, 16], [0, 0]]) as tf.Tensor4D;
 * const losses = await trainer.step(images, masks); // { lossD, lossG, lossGGan, lossL1Coarse, lossL1Fine }
 * ```
 *
 * User-guided, with Canny edges of the training images as guides:
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models, training } from 'tfjs-synth';
 * await initBackend();
 * const guided = new training.InpaintingTrainer({
 *   generator: models.gatedInpaintingGenerator({ cnum: 8, guide: true }),
 *   discriminator: models.snPatchGANDiscriminator({ ndf: 8, inputChannels: 5 }),
 *   guides: 'canny',
 * });
 * const images = tf.randomUniform([1, 32, 32, 3], -1, 1) as tf.Tensor4D;
 * const masks = tf.pad(tf.ones([1, 16, 16, 1]), [[0, 0], [8, 8], [8, 8], [0, 0]]) as tf.Tensor4D;
 * await guided.step(images, masks);
 * ```
 * @throws Error naming the argument when guides does not match the generator (a guide for a
 *   generator without a guide input, or none for one with it).
 */
export class InpaintingTrainer extends TrainerBase<InpaintingLosses> {
  readonly generator: tfl.LayersModel;
  readonly discriminator: tfl.LayersModel;
  readonly l1Alpha: number;
  readonly ganAlpha: number;
  /** Where the guides come from ('none' for a generator without a guide input). */
  readonly guides: InpaintingGuides;
  private readonly edgeOptions: Omit<CannyEdgesOptions, 'signal'>;

  constructor(args: InpaintingTrainerArgs) {
    if (args == null || args.generator == null || args.discriminator == null) {
      throw new Error(`${OWNER}: generator and discriminator are required.`);
    }
    const inputs = Array.isArray(args.generator.inputs) ? args.generator.inputs.length : 0;
    if (inputs !== 2 && inputs !== 3) {
      throw new Error(`${OWNER}: generator must take 2 inputs [image, mask] or 3 [image, mask, guide], got ${inputs}.`);
    }
    const guided = inputs === 3;
    const guides = args.guides ?? (guided ? 'canny' : 'none');
    if (guides !== 'none' && guides !== 'canny' && typeof guides !== 'function') {
      throw new Error(`${OWNER}: guides must be 'none', 'canny' or a function, got ${describeValue(guides)}.`);
    }
    if (guided && guides === 'none') {
      throw new Error(
        `${OWNER}: guides is 'none' but the generator takes a guide (3 inputs); use 'canny' or a function.`,
      );
    }
    if (!guided && guides !== 'none') {
      throw new Error(
        `${OWNER}: guides is given but the generator takes no guide (2 inputs [image, mask]); ` +
          'build it with gatedInpaintingGenerator({ guide: true }) or leave guides out.',
      );
    }
    const edgeOptions = checkOptions(OWNER, 'edgeOptions', args.edgeOptions);
    if ('signal' in edgeOptions) throw new Error(`${OWNER}: edgeOptions takes no signal.`);
    super(OWNER, args, 1e-4);
    this.guides = guides;
    this.edgeOptions = { ...edgeOptions };
    this.generator = args.generator;
    this.discriminator = args.discriminator;
    this.l1Alpha = checkPositive(OWNER, 'l1Alpha', args.l1Alpha ?? 1, true);
    this.ganAlpha = checkPositive(OWNER, 'ganAlpha', args.ganAlpha ?? 1, true);
  }

  protected stateModels(): Record<string, tfl.LayersModel> {
    return { generator: this.generator, discriminator: this.discriminator };
  }

  /**
   * One training step.
   * @param images ground truth [n, h, w, c] (DeepFill: RGB in [-1, 1]).
   * @param masks holes [n, h, w, 1], exactly 0 or 1 (1 = hole).
   * @param guides guided generators only: this step's guides [n, h, w, 1] in [0, 1] (e.g. user
   *   sketches), used instead of the trainer's `guides` and masked to the hole.
   */
  async step(images: tf.Tensor4D, masks: tf.Tensor4D, guides?: tf.Tensor4D): Promise<InpaintingLosses> {
    const owner = `${OWNER}.step`;
    const gt = checkImages(owner, 'images', images);
    const mask = checkImages(owner, 'masks', masks);
    checkSameBatchAndSize(owner, 'images', gt, 'masks', mask);
    if (mask.shape[3] !== 1)
      throw new Error(`${owner}: masks must have 1 channel, got shape [${mask.shape.join(', ')}].`);
    if (guides !== undefined) {
      if (this.guides === 'none') {
        throw new Error(`${owner}: guides given but the generator takes no guide (2 inputs [image, mask]).`);
      }
      checkGuides(owner, 'guides', guides, gt);
    }
    const dIn = this.discriminator.inputs[0]?.shape[3];
    const dWant = gt.shape[3] + (this.guides === 'none' ? 1 : 2);
    if (dIn != null && dIn !== dWant) {
      throw new Error(
        `${owner}: discriminator must take ${dWant} channels (${this.guides === 'none' ? 'image, mask' : 'image, mask, guide'}), has ${dIn}.`,
      );
    }
    const nonBinary = tf.tidy(() => tf.sum(tf.abs(tf.mul(mask, tf.sub(mask, 1)))));
    const nb = (await nonBinary.data())[0]!;
    nonBinary.dispose();
    if (nb !== 0) throw new Error(`${owner}: masks must contain only 0 (known) and 1 (hole) values.`);
    const guide = await this.makeGuide(owner, gt, mask, guides);
    try {
      return await this.guidedStep(gt, mask, guide);
    } finally {
      guide?.dispose();
    }
  }

  /** The masked guide of this step, or null without one. */
  private async makeGuide(
    owner: string,
    gt: tf.Tensor4D,
    mask: tf.Tensor4D,
    given: tf.Tensor4D | undefined,
  ): Promise<tf.Tensor4D | null> {
    if (this.guides === 'none') return null;
    let raw: tf.Tensor4D;
    let owned = true;
    if (given !== undefined) {
      raw = given;
      owned = false;
    } else if (this.guides === 'canny') {
      raw = await cannyEdges(gt, this.edgeOptions);
    } else {
      raw = await this.guides(gt);
      try {
        checkGuides(owner, 'the guides function result', raw, gt);
      } catch (e) {
        if (raw instanceof tf.Tensor && raw !== gt && raw !== mask) raw.dispose();
        throw e;
      }
      owned = raw !== gt && raw !== mask;
    }
    const guide = tf.tidy(() => tf.mul(raw, mask)) as tf.Tensor4D;
    if (owned) raw.dispose();
    return guide;
  }

  private async guidedStep(gt: tf.Tensor4D, mask: tf.Tensor4D, guide: tf.Tensor4D | null): Promise<InpaintingLosses> {
    const G = this.generator;
    const D = this.discriminator;
    const n = gt.shape[0];
    // x1, x2 and the completed image from one generator run.
    const forward = () => {
      const incomplete = tf.mul(gt, tf.sub(1, mask));
      const [x1, x2] = applyTraining(
        G,
        guide === null ? [incomplete, mask] : [incomplete, mask, guide],
      ) as tf.Tensor4D[];
      const completed = tf.add(tf.mul(x2!, mask), incomplete) as tf.Tensor4D;
      return { x1: x1!, x2: x2!, completed };
    };
    // One D call on [real; completed] (with the mask as an extra channel), split into halves.
    const judge = (completed: tf.Tensor4D) => {
      const cond = guide === null ? [mask] : [mask, guide];
      const both = tf.concat([tf.concat([gt, ...cond], 3), tf.concat([completed, ...cond], 3)], 0);
      const scores = applyTraining(D, both) as tf.Tensor;
      const [pos, neg] = tf.split(scores, [n, n], 0);
      return { pos: pos!, neg: neg! };
    };
    return this.runStep(async ({ keep, variableGrads, readFinite }) => {
      // D step: the generator output is computed outside the closure (detached).
      const completedForD = keep(tf.tidy(() => forward().completed));
      const dStep = variableGrads(() => {
        const { pos, neg } = judge(completedForD);
        return discriminatorLoss(pos, neg, 'hinge', { scale: 0.5 });
      }, trainableVariables(D));
      const dLosses = await readFinite({ lossD: dStep.value });
      this.optD.apply(dStep.grads);

      // G step against the updated D.
      let lossGGan!: tf.Scalar;
      let lossL1Coarse!: tf.Scalar;
      let lossL1Fine!: tf.Scalar;
      const gStep = variableGrads(() => {
        const { x1, x2, completed } = forward();
        lossGGan = keep(generatorLoss(judge(completed).neg, 'hinge'));
        lossL1Coarse = keep(l1Loss(gt, x1));
        lossL1Fine = keep(l1Loss(gt, x2));
        return tf.add(
          tf.mul(lossGGan, this.ganAlpha),
          tf.mul(tf.add(lossL1Coarse, lossL1Fine), this.l1Alpha),
        ) as tf.Scalar;
      }, trainableVariables(G));
      const gLosses = await readFinite({ lossGGan, lossL1Coarse, lossL1Fine, lossG: gStep.value });
      this.optG.apply(gStep.grads);
      return { ...dLosses, ...gLosses };
    });
  }
}

/** Throws unless `g` is a live float32 [n, h, w, 1] tensor matching the images. */
function checkGuides(owner: string, name: string, g: unknown, images: tf.Tensor4D): void {
  const guide = checkImages(owner, name, g);
  checkSameBatchAndSize(owner, 'images', images, name, guide);
  if (guide.shape[3] !== 1) {
    throw new Error(`${owner}: ${name} must have 1 channel, got shape [${guide.shape.join(', ')}].`);
  }
}
