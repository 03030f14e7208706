import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkError, checkInteger, checkNumber, checkPair, checkSeed } from '../core/checks';
import { createRandom, type Random } from '../core/random';
import { TrainerBase } from './internal/trainer-base';
import { applyTraining, checkImages, checkSameBatchAndSize, trainableVariables } from './internal/trainer-core';
import { boxesFromMasks, cropPatches, type PatchBox } from './local-patches';
import type { TrainerCommonArgs } from './trainer-args';

/** Losses of one {@link GLCICTrainer} step (plain numbers; NaN where the phase has none). */
export interface GLCICLosses {
  /** The phase the step ran: 1 (completion network, MSE), 2 (discriminator), 3 (both). */
  phase: 1 | 2 | 3;
  /** mean((output * mask - image * mask)^2) (phases 1 and 3). */
  lossMSE: number;
  /** BCE(D(local, global of the completed image), real) (phase 3). */
  lossGAN: number;
  /** The completion network's loss: lossMSE in phase 1, (lossMSE + alpha * lossGAN) / 2 in phase 3. */
  lossC: number;
  /** (BCE(D(fake), 0) + BCE(D(real), 1)) / 2, times alpha in phase 3 (phases 2 and 3). */
  lossD: number;
}

/** Arguments of {@link GLCICTrainer}. */
export interface GLCICTrainerArgs extends TrainerCommonArgs<GLCICLosses> {
  /** [n, h, w, 4] (image with holes filled by `mpv`, then the mask) -> [n, h, w, 3], e.g. `models.glcicCompletionNetwork()`. */
  completion: tfl.LayersModel;
  /** [local [n, lh, lw, 3], global [n, h, w, 3]] -> [n, 1] probabilities, e.g. `models.glcicContextDiscriminator()`. */
  discriminator: tfl.LayersModel;
  /** `[height, width]` of the local window. Default [96, 96]. */
  localSize?: [number, number];
  /** Mean pixel value filled into the holes, one number per channel. Default [0.5, 0.5, 0.5]. */
  mpv?: [number, number, number];
  /** Weight of the adversarial terms in phase 3. Default 4e-4 (the port's `--alpha`). */
  alpha?: number;
  /** Steps of phase 1 (completion network alone). Default 90000 (`--steps_1`). */
  phase1Steps?: number;
  /** Steps of phase 2 (discriminator alone). Default 10000 (`--steps_2`); phase 3 follows. */
  phase2Steps?: number;
  /** Seed of the local windows. Default: unseeded. */
  seed?: number;
}

const OWNER = 'GLCICTrainer';

/** The smallest normal float32: log of it is -87.3. */
const MIN_NORMAL_FLOAT32 = 1.1754944e-38;

/**
 * Binary cross-entropy of probabilities against a constant target.
 *
 * Porting note: torch's BCELoss clamps log(q) at -100. float32 cannot hold e^-100, so q is floored
 * at the smallest normal float32 instead (log -87.3). The floor also keeps the gradient finite
 * where a saturated discriminator gives q = 0: clamping the log after taking it would give
 * 0 · (1 / 0) = NaN in the backward pass, and NaN weights at the next step.
 */
function bce(p: tf.Tensor, target: 0 | 1): tf.Scalar {
  return tf.tidy(() => {
    const q = target === 1 ? p : tf.sub(1, p);
    return tf.neg(tf.mean(tf.log(tf.maximum(q, MIN_NORMAL_FLOAT32)))) as tf.Scalar;
  });
}

/**
 * Trains GLCIC (Iizuka et al. 2017, "Globally and Locally Consistent Image Completion") with the
 * three-phase schedule of GLCIC-PyTorch's train.py, one call of {@link GLCICTrainer.step} per
 * batch; the phase follows from the step count:
 *
 * 1. steps 1..phase1Steps: the completion network C alone, lossC = mean((C(x) * mask - image * mask)^2);
 * 2. the next phase2Steps: the context discriminator D alone, lossD = (BCE(D(fake), 0) + BCE(D(real), 1)) / 2,
 *    the fake being C's output (detached) with its local window around the holes, the real one the
 *    image with a random window;
 * 3. then both: first D on alpha * lossD, then C on (lossMSE + alpha * BCE(D(fake), 1)) / 2 against the
 *    updated D.
 *
 * C sees `[image * (1 - mask) + mpv * mask, mask]` (mask 1 = hole). D is called on the fake and
 * the real batch separately, as the port does (its BatchNorm sees each batch alone). Both networks
 * use Adadelta (lr 1, rho 0.9, epsilon 1e-6: torch's defaults, the port's optimizer); `lr` scales it.
 *
 * Porting note: C's forward runs once in the D update and again in the C update of phase 3 (the
 * port reuses one), so C's BatchNorm running statistics move twice per phase-3 step. The local
 * windows are drawn per image around its holes ({@link localPatchBoxes}), not one per batch.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import * as tfl from '@tensorflow/tfjs-layers';
 * import { initBackend, training } from 'tfjs-synth';
 * await initBackend();
 * // Tiny stand-ins; models.glcicCompletionNetwork() and models.glcicContextDiscriminator() are the real ones.
 * const completion = tfl.sequential({ layers: [tfl.layers.conv2d({ inputShape: [32, 32, 4], filters: 3, kernelSize: 3, padding: 'same', activation: 'sigmoid' })] });
 * const local = tfl.input({ shape: [16, 16, 3] });
 * const global = tfl.input({ shape: [32, 32, 3] });
 * const flatten = (x: tfl.SymbolicTensor) => tfl.layers.flatten().apply(x) as tfl.SymbolicTensor;
 * const flat = tfl.layers.concatenate().apply([flatten(local), flatten(global)]) as tfl.SymbolicTensor;
 * const discriminator = tfl.model({ inputs: [local, global], outputs: tfl.layers.dense({ units: 1, activation: 'sigmoid' }).apply(flat) as tfl.SymbolicTensor });
 * const trainer = new training.GLCICTrainer({ completion, discriminator, localSize: [16, 16], phase1Steps: 1, phase2Steps: 1, seed: 1 });
 * const images = tf.randomUniform([2, 32, 32, 3]) as tf.Tensor4D;
 * const masks = tf.pad(tf.ones([2, 8, 8, 1]), [[0, 0], [8, 16], [12, 12], [0, 0]]) as tf.Tensor4D;
 * for (let i = 0; i < 3; i++) console.log(await trainer.step(images, masks)); // phases 1, 2, 3
 * ```
 */
export class GLCICTrainer extends TrainerBase<GLCICLosses> {
  readonly completion: tfl.LayersModel;
  readonly discriminator: tfl.LayersModel;
  readonly localSize: [number, number];
  readonly mpv: [number, number, number];
  readonly alpha: number;
  readonly phase1Steps: number;
  readonly phase2Steps: number;
  private readonly random: Random;

  constructor(args: GLCICTrainerArgs) {
    if (args == null || typeof args !== 'object') throw checkError(OWNER, 'args', 'an object', args);
    if (args.completion == null) throw checkError(OWNER, 'completion', 'a tf.LayersModel', args.completion);
    if (args.discriminator == null) throw checkError(OWNER, 'discriminator', 'a tf.LayersModel', args.discriminator);
    // torch's Adadelta: lr 1, rho 0.9, eps 1e-6.
    super(OWNER, args, 1, (lr) => tf.train.adadelta(lr, 0.9, 1e-6));
    this.completion = args.completion;
    this.discriminator = args.discriminator;
    this.localSize = checkPair(OWNER, 'localSize', args.localSize ?? [96, 96], 1);
    const mpv = args.mpv ?? [0.5, 0.5, 0.5];
    if (!Array.isArray(mpv) || mpv.length !== 3 || !mpv.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw checkError(OWNER, 'mpv', 'three finite numbers', mpv);
    }
    this.mpv = [mpv[0], mpv[1], mpv[2]];
    this.alpha = checkNumber(OWNER, 'alpha', args.alpha ?? 4e-4, { min: 0 });
    this.phase1Steps = checkInteger(OWNER, 'phase1Steps', args.phase1Steps ?? 90000, { min: 0 });
    this.phase2Steps = checkInteger(OWNER, 'phase2Steps', args.phase2Steps ?? 10000, { min: 0 });
    this.random = createRandom(checkSeed(OWNER, 'seed', args.seed));
  }

  protected stateModels(): Record<string, tfl.LayersModel> {
    return { completion: this.completion, discriminator: this.discriminator };
  }

  /** The phase the next step runs (1, 2 or 3). */
  get phase(): 1 | 2 | 3 {
    if (this.stepCount < this.phase1Steps) return 1;
    return this.stepCount < this.phase1Steps + this.phase2Steps ? 2 : 3;
  }

  /**
   * One training step of the current {@link phase}.
   * @param images ground truth [n, h, w, 3] in [0, 1].
   * @param masks holes [n, h, w, 1], exactly 0 or 1 (1 = hole), each with a hole and a known pixel,
   *   its holes inside one `localSize` window.
   */
  async step(images: tf.Tensor4D, masks: tf.Tensor4D): Promise<GLCICLosses> {
    const owner = `${OWNER}.step`;
    const gt = checkImages(owner, 'images', images);
    const mask = checkImages(owner, 'masks', masks);
    checkSameBatchAndSize(owner, 'images', gt, 'masks', mask);
    if (gt.shape[3] !== 3)
      throw new Error(`${owner}: images must have 3 channels, got shape [${gt.shape.join(', ')}].`);
    if (mask.shape[3] !== 1)
      throw new Error(`${owner}: masks must have 1 channel, got shape [${mask.shape.join(', ')}].`);
    const [n, h, w] = gt.shape;
    const [lh, lw] = this.localSize;
    if (lh > h || lw > w) {
      throw new Error(`${owner}: images [${h}, ${w}] must be at least localSize [${lh}, ${lw}].`);
    }
    const phase = this.phase;
    const state = this.random.getState();
    let fakeBoxes: PatchBox[];
    try {
      fakeBoxes = boxesFromMasks(owner, await mask.data(), n, h, w, this.localSize, this.random);
    } catch (err) {
      this.random.setState(state);
      throw err;
    }
    const realBoxes = Array.from({ length: n }, () => ({
      y: this.random.int(0, h - lh),
      x: this.random.int(0, w - lw),
    }));
    const C = this.completion;
    const D = this.discriminator;
    const mpv = this.mpv;
    const complete = () =>
      tf.tidy(() => {
        const filled = tf.add(tf.mul(gt, tf.sub(1, mask)), tf.mul(tf.tensor1d(mpv), mask));
        return applyTraining(C, tf.concat([filled, mask], 3)) as tf.Tensor4D;
      });
    const mse = (out: tf.Tensor4D) => tf.mean(tf.square(tf.sub(tf.mul(out, mask), tf.mul(gt, mask)))) as tf.Scalar;
    const judge = (img: tf.Tensor4D, boxes: PatchBox[]) =>
      applyTraining(D, [cropPatches(img, boxes, this.localSize), img]) as tf.Tensor;
    try {
      return await this.runStep(async ({ keep, variableGrads, readFinite }) => {
        const nan = Number.NaN;
        if (phase === 1) {
          const c = variableGrads(() => mse(complete()), trainableVariables(C));
          const { lossC } = await readFinite({ lossC: c.value });
          this.optG.apply(c.grads);
          return { phase, lossMSE: lossC, lossGAN: nan, lossC, lossD: nan };
        }
        const scale = phase === 3 ? this.alpha : 1;
        const fakeForD = keep(tf.tidy(() => complete()));
        const d = variableGrads(
          () =>
            tf.tidy(() =>
              tf.mul(tf.add(bce(judge(fakeForD, fakeBoxes), 0), bce(judge(gt, realBoxes), 1)), scale / 2),
            ) as tf.Scalar,
          trainableVariables(D),
        );
        const { lossD } = await readFinite({ lossD: d.value });
        this.optD.apply(d.grads);
        if (phase === 2) return { phase, lossMSE: nan, lossGAN: nan, lossC: nan, lossD };
        let lossMSE!: tf.Scalar;
        let lossGAN!: tf.Scalar;
        const c = variableGrads(() => {
          const out = complete();
          lossMSE = keep(mse(out));
          lossGAN = keep(bce(judge(out, fakeBoxes), 1));
          return tf.div(tf.add(lossMSE, tf.mul(lossGAN, this.alpha)), 2) as tf.Scalar;
        }, trainableVariables(C));
        const losses = await readFinite({ lossMSE, lossGAN, lossC: c.value });
        this.optG.apply(c.grads);
        return { phase, ...losses, lossD };
      });
    } catch (err) {
      this.random.setState(state);
      throw err;
    }
  }
}
