import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkInteger, describeValue } from '../core/checks';
import { cycleConsistencyLoss, ganLoss, identityLoss } from '../losses';
import { ImagePool } from './image-pool';
import type { TrainerCommonArgs } from './trainer-args';
import type { TrainerState } from './trainer-state';
import {
  REFERENCE_GAN_MODES,
  applyTraining,
  checkGanMode,
  checkImages,
  checkPositive,
  trainableVariables,
  type ReferenceGanMode,
} from './internal/trainer-core';
import { TrainerBase } from './internal/trainer-base';

/** Losses of one {@link CycleGANTrainer} step (plain numbers; names as the reference's). */
export interface CycleGANLosses {
  /** Sum of the six generator terms below. */
  lossG: number;
  /** GAN(dA(gA(A)), real). */
  lossGA: number;
  /** GAN(dB(gB(B)), real). */
  lossGB: number;
  /** lambdaA * mean|gB(gA(A)) - A|. */
  lossCycleA: number;
  /** lambdaB * mean|gA(gB(B)) - B|. */
  lossCycleB: number;
  /** lambdaB * lambdaIdentity * mean|gA(B) - B| (0 when lambdaIdentity is 0). */
  lossIdtA: number;
  /** lambdaA * lambdaIdentity * mean|gB(A) - A| (0 when lambdaIdentity is 0). */
  lossIdtB: number;
  /** 0.5 * (GAN(dA(B), real) + GAN(dA(pooled fake B), fake)). */
  lossDA: number;
  /** 0.5 * (GAN(dB(A), real) + GAN(dB(pooled fake A), fake)). */
  lossDB: number;
}

/** Arguments of {@link CycleGANTrainer}. */
export interface CycleGANTrainerArgs extends TrainerCommonArgs<CycleGANLosses> {
  /** Generator A -> B (e.g. `models.resnetGenerator()`). */
  gA: tfl.LayersModel;
  /** Generator B -> A. */
  gB: tfl.LayersModel;
  /** Discriminator of the B domain (judges real B vs gA(A)). */
  dA: tfl.LayersModel;
  /** Discriminator of the A domain (judges real A vs gB(B)). */
  dB: tfl.LayersModel;
  /** Cycle weight A -> B -> A. Default 10. */
  lambdaA?: number;
  /** Cycle weight B -> A -> B. Default 10. */
  lambdaB?: number;
  /** Identity weight, relative to lambdaA/lambdaB; 0 skips the identity terms. Default 0.5. */
  lambdaIdentity?: number;
  /** GAN objective: 'lsgan' (MSE), 'vanilla' (BCE with logits) or 'wgan'. Default 'lsgan'. */
  ganMode?: ReferenceGanMode;
  /** Size of each fake-image history pool (0 = use the newest fakes). Default 50. */
  poolSize?: number;
  /** Seed of the image pools' random choices. Default: unseeded. */
  seed?: number;
}

const OWNER = 'CycleGANTrainer';

/**
 * Trains CycleGAN (Zhu et al. 2017, "Unpaired Image-to-Image Translation using Cycle-Consistent
 * Adversarial Networks") with the update order of the reference `CycleGANModel.optimize_parameters`:
 *
 * 1. forward: fakeB = gA(A), recA = gB(fakeB), fakeA = gB(B), recB = gA(fakeA) (+ identity gA(B), gB(A));
 * 2. G step (one Adam over gA and gB; the discriminators are not in the variable list):
 *    lossG = GAN(dA(fakeB), real) + GAN(dB(fakeA), real) + cycle terms + identity terms;
 * 3. D step (one Adam over dA and dB): fakes from the two image pools (fakeB into poolB for dA,
 *    fakeA into poolA for dB), each D loss = 0.5 * (GAN(real, real) + GAN(pooled fake, fake)).
 *
 * The fakes used by the D step are the ones of step 1 (before the G update), as in the reference.
 * All networks run in training mode. Inputs are NHWC.
 *
 * State and resuming: `getState()` / `setState()` hold weights, optimizer slots, step and
 * learning-rate factor in memory (browser-safe), and both image pools (stored images and random
 * state), so a resumed run continues exactly; in Node use `saveTrainer` / `loadTrainer` from
 * `tfjs-synth/node`.
 * A NaN/infinite loss throws an Error naming the step and the loss, with models and optimizers
 * as before the step (the pools keep the images of the failed step).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models, training } from 'tfjs-synth';
 * await initBackend();
 * const trainer = new training.CycleGANTrainer({
 *   gA: models.resnetGenerator({ ngf: 8, nBlocks: 2 }),
 *   gB: models.resnetGenerator({ ngf: 8, nBlocks: 2 }),
 *   dA: models.patchGANDiscriminator({ ndf: 8, norm: 'instance' }),
 *   dB: models.patchGANDiscriminator({ ndf: 8, norm: 'instance' }),
 *   seed: 1,
 * });
 * const a = tf.randomUniform([1, 64, 64, 3], -1, 1) as tf.Tensor4D;
 * const b = tf.randomUniform([1, 64, 64, 3], -1, 1) as tf.Tensor4D;
 * const losses = await trainer.step(a, b); // { lossG, lossGA, ..., lossDA, lossDB }
 * ```
 */
export class CycleGANTrainer extends TrainerBase<CycleGANLosses> {
  readonly gA: tfl.LayersModel;
  readonly gB: tfl.LayersModel;
  readonly dA: tfl.LayersModel;
  readonly dB: tfl.LayersModel;
  readonly lambdaA: number;
  readonly lambdaB: number;
  readonly lambdaIdentity: number;
  readonly ganMode: ReferenceGanMode;
  readonly poolSize: number;
  private readonly seed?: number;
  private readonly poolA: ImagePool;
  private readonly poolB: ImagePool;

  constructor(args: CycleGANTrainerArgs) {
    if (args == null || args.gA == null || args.gB == null || args.dA == null || args.dB == null) {
      throw new Error(`${OWNER}: gA, gB, dA and dB are required.`);
    }
    super(OWNER, args, 2e-4);
    this.gA = args.gA;
    this.gB = args.gB;
    this.dA = args.dA;
    this.dB = args.dB;
    this.lambdaA = checkPositive(OWNER, 'lambdaA', args.lambdaA ?? 10, true);
    this.lambdaB = checkPositive(OWNER, 'lambdaB', args.lambdaB ?? 10, true);
    this.lambdaIdentity = checkPositive(OWNER, 'lambdaIdentity', args.lambdaIdentity ?? 0.5, true);
    this.ganMode = checkGanMode(OWNER, args.ganMode ?? 'lsgan', REFERENCE_GAN_MODES);
    this.poolSize = checkInteger(OWNER, 'poolSize', args.poolSize ?? 50, { min: 0 });
    this.seed = args.seed;
    this.poolA = this.makePool(0);
    this.poolB = this.makePool(1);
  }

  private makePool(which: number): ImagePool {
    // Two pools, two streams: derived seeds keep them independent but reproducible.
    return new ImagePool({
      size: this.poolSize,
      ...(this.seed === undefined ? {} : { seed: (this.seed * 2 + which) >>> 0 }),
    });
  }

  /**
   * One training step on unpaired batches.
   * @param realA images of domain A [n, h, w, cA].
   * @param realB images of domain B [m, h', w', cB] (their own batch size and size are allowed:
   * the domains are unpaired).
   */
  async step(realA: tf.Tensor4D, realB: tf.Tensor4D): Promise<CycleGANLosses> {
    const owner = `${OWNER}.step`;
    const a = checkImages(owner, 'realA', realA);
    const b = checkImages(owner, 'realB', realB);
    const { gA, gB, dA, dB, ganMode: mode } = this;
    return this.runStep(async ({ keep, variableGrads, readFinite }) => {
      // 1 + 2: forward and G step (dA, dB run but are not differentiated).
      let fakeB!: tf.Tensor4D;
      let fakeA!: tf.Tensor4D;
      const parts: Record<string, tf.Scalar> = {};
      const gStep = variableGrads(
        () => {
          fakeB = keep(applyTraining(gA, a) as tf.Tensor4D);
          const recA = applyTraining(gB, fakeB) as tf.Tensor4D;
          fakeA = keep(applyTraining(gB, b) as tf.Tensor4D);
          const recB = applyTraining(gA, fakeA) as tf.Tensor4D;
          const terms: tf.Scalar[] = [];
          if (this.lambdaIdentity > 0) {
            parts['lossIdtA'] = keep(
              identityLoss(applyTraining(gA, b) as tf.Tensor, b, this.lambdaB, this.lambdaIdentity),
            );
            parts['lossIdtB'] = keep(
              identityLoss(applyTraining(gB, a) as tf.Tensor, a, this.lambdaA, this.lambdaIdentity),
            );
            terms.push(parts['lossIdtA'], parts['lossIdtB']);
          }
          parts['lossGA'] = keep(ganLoss(applyTraining(dA, fakeB) as tf.Tensor, true, mode));
          parts['lossGB'] = keep(ganLoss(applyTraining(dB, fakeA) as tf.Tensor, true, mode));
          parts['lossCycleA'] = keep(cycleConsistencyLoss(recA, a, this.lambdaA));
          parts['lossCycleB'] = keep(cycleConsistencyLoss(recB, b, this.lambdaB));
          terms.push(parts['lossGA'], parts['lossGB'], parts['lossCycleA'], parts['lossCycleB']);
          return tf.addN(terms) as tf.Scalar;
        },
        trainableVariables(gA, gB),
      );
      const g: Record<string, number> = await readFinite({ ...parts, lossG: gStep.value });
      this.optG.apply(gStep.grads);

      // 3. D step on pooled fakes (the pools store copies; the queried batches are ours).
      const poolFakeB = keep(this.poolB.query(fakeB));
      const poolFakeA = keep(this.poolA.query(fakeA));
      let lossDA!: tf.Scalar;
      let lossDB!: tf.Scalar;
      const dStep = variableGrads(
        () => {
          const realTermA = ganLoss(applyTraining(dA, b) as tf.Tensor, true, mode);
          const fakeTermA = ganLoss(applyTraining(dA, poolFakeB) as tf.Tensor, false, mode);
          lossDA = keep(tf.mul(tf.add(realTermA, fakeTermA), 0.5) as tf.Scalar);
          const realTermB = ganLoss(applyTraining(dB, a) as tf.Tensor, true, mode);
          const fakeTermB = ganLoss(applyTraining(dB, poolFakeA) as tf.Tensor, false, mode);
          lossDB = keep(tf.mul(tf.add(realTermB, fakeTermB), 0.5) as tf.Scalar);
          // One optimizer over both: the gradient of the sum is the two backward passes accumulated.
          return tf.add(lossDA, lossDB) as tf.Scalar;
        },
        trainableVariables(dA, dB),
      );
      const dLosses = await readFinite({ lossDA, lossDB });
      this.optD.apply(dStep.grads);
      return {
        lossG: g['lossG']!,
        lossGA: g['lossGA']!,
        lossGB: g['lossGB']!,
        lossCycleA: g['lossCycleA']!,
        lossCycleB: g['lossCycleB']!,
        lossIdtA: g['lossIdtA'] ?? 0,
        lossIdtB: g['lossIdtB'] ?? 0,
        ...dLosses,
      };
    });
  }

  protected stateModels(): Record<string, tfl.LayersModel> {
    return { gA: this.gA, gB: this.gB, dA: this.dA, dB: this.dB };
  }

  /** A copy of the training state (see {@link TrainerState}), image pools included. */
  override async getState(): Promise<TrainerState> {
    const pools = { A: this.poolA.getState(), B: this.poolB.getState() };
    const poolTensors = Object.entries(pools).flatMap(([key, p]) =>
      p.images.map((tensor, i) => ({ name: `pool/${key}/${i}`, tensor })),
    );
    return this.buildState(poolTensors, {
      poolSize: this.poolSize,
      poolRngState: { A: pools.A.rngState, B: pools.B.rngState },
    });
  }

  /** Restores a state from {@link getState}, image pools included. */
  override async setState(state: TrainerState): Promise<void> {
    const rng = state.extra?.['poolRngState'] as { A: number; B: number } | undefined;
    if (state.extra?.['poolSize'] !== this.poolSize || rng == null) {
      throw new Error(
        `${OWNER}.setState: the state was written with poolSize ${describeValue(state.extra?.['poolSize'])}, this trainer has ${this.poolSize}.`,
      );
    }
    await super.setState(state);
    const poolImages = (key: 'A' | 'B') =>
      state.tensors
        .filter((t) => t.name.startsWith(`pool/${key}/`))
        .sort((a, b) => Number(a.name.split('/')[2]) - Number(b.name.split('/')[2]))
        .map((t) => t.tensor as tf.Tensor3D);
    this.poolA.setState({ images: poolImages('A'), rngState: rng.A });
    this.poolB.setState({ images: poolImages('B'), rngState: rng.B });
  }

  /** Releases the optimizers and pools (the models stay with their owner). */
  override dispose(): void {
    super.dispose();
    this.poolA.dispose();
    this.poolB.dispose();
  }
}
