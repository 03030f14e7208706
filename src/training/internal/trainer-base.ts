import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkFunction } from '../../core/checks';
import type { TrainerCommonArgs, TrainerProgress } from '../trainer-args';
import type { TrainerNamedTensor, TrainerState } from '../trainer-state';
import {
  TrainerAdam,
  applyState,
  captureState,
  checkPositive,
  disposeSnapshot,
  readLosses,
  restoreSnapshot,
  takeSnapshot,
} from './trainer-core';

/**
 * What the body of one training step gets from {@link TrainerBase.runStep}: tensors it keeps
 * until the step ends, gradients over explicit variable lists, and the finite check of losses.
 * @internal
 */
export interface StepFrame {
  /** Number of this step once it succeeds (1 for the first). */
  readonly step: number;
  /** Keeps `t` (also out of an enclosing tidy) until the step ends, then disposes it; returns `t`. */
  keep<T extends tf.Tensor>(t: T): T;
  /** `tf.variableGrads(f, vars)`; the loss and the gradients are kept like {@link keep}. */
  variableGrads(f: () => tf.Scalar, vars: tf.Variable[]): { value: tf.Scalar; grads: tf.NamedTensorMap };
  /**
   * Reads scalar losses as numbers. Throws when one is NaN or infinite, which ends the step with
   * the models and optimizers put back.
   */
  readFinite<K extends string>(losses: Record<K, tf.Tensor>): Promise<Record<K, number>>;
}

/**
 * What the GAN trainers share: one Adam for the generator side and one for the discriminator
 * side, the step counter, the learning-rate factor, and the in-memory state (model weights,
 * optimizer slots, step, factor). Subclasses name their models in {@link stateModels}.
 * @internal
 */
export abstract class TrainerBase<L> {
  protected readonly optG: TrainerAdam;
  protected readonly optD: TrainerAdam;
  protected stepCount = 0;
  private lrFactor = 1;
  /** Called after every successful step (from the constructor's args). */
  readonly onProgress?: (progress: TrainerProgress<L>) => void;

  /**
   * Reads the arguments every trainer shares: Adam's lr (default `defaultLr`, the reference's),
   * beta1 (0.5) and beta2 (0.999), and `onProgress`.
   */
  protected constructor(
    /** The trainer's class name: owner of its error messages and the `kind` of its state. */
    private readonly owner: string,
    args: TrainerCommonArgs<L>,
    defaultLr: number,
    /** Builds each optimizer at a learning rate instead of Adam (e.g. WGAN's RMSprop). */
    createOptimizer?: (lr: number) => tf.Optimizer,
    /** Factors on `lr` for the generator and the discriminator optimizer (GauGAN's TTUR: 0.5, 2). */
    lrMultipliers: readonly [number, number] = [1, 1],
  ) {
    const lr = checkPositive(owner, 'lr', args.lr ?? defaultLr);
    const beta1 = checkPositive(owner, 'beta1', args.beta1 ?? 0.5, true);
    const beta2 = checkPositive(owner, 'beta2', args.beta2 ?? 0.999, true);
    this.optG = new TrainerAdam(lr * lrMultipliers[0], beta1, beta2, createOptimizer);
    this.optD = new TrainerAdam(lr * lrMultipliers[1], beta1, beta2, createOptimizer);
    this.onProgress = args.onProgress === undefined ? undefined : checkFunction(owner, 'onProgress', args.onProgress);
  }

  /** The models whose weights the state holds, by key (the keys name them in the state). */
  protected abstract stateModels(): Record<string, tfl.LayersModel>;

  /**
   * Runs one training step as a transaction. `body` does the updates in the trainer's order and
   * returns the losses. Before it, the weights of {@link stateModels} and both optimizers are
   * snapshotted; if it throws (a non-finite loss included), every kept tensor is disposed, the
   * snapshot is put back and the error rethrown, so a failed step changes nothing. On success
   * the kept tensors and the snapshot are disposed, the step is counted and `onProgress` called.
   */
  protected async runStep(body: (frame: StepFrame) => Promise<L>): Promise<L> {
    const step = this.stepCount + 1;
    const models = Object.values(this.stateModels());
    const optimizers = [this.optG, this.optD];
    const snapshot = await takeSnapshot(models, optimizers);
    const kept: tf.Tensor[] = [];
    const keep = <T extends tf.Tensor>(t: T): T => {
      kept.push(tf.keep(t));
      return t;
    };
    const frame: StepFrame = {
      step,
      keep,
      variableGrads: (f, vars) => {
        const result = tf.variableGrads(f, vars);
        kept.push(result.value, ...Object.values(result.grads));
        return result;
      },
      readFinite: async (losses) => {
        const { values, bad } = await readLosses(losses);
        if (bad !== null) {
          throw new Error(
            `${this.owner}.step: ${bad} is ${values[bad]} at step ${step}; the models were left as before the step.`,
          );
        }
        return values;
      },
    };
    let losses: L;
    try {
      losses = await body(frame);
    } catch (err) {
      tf.dispose(kept);
      await restoreSnapshot(snapshot, models, optimizers);
      throw err;
    }
    tf.dispose(kept);
    disposeSnapshot(snapshot);
    this.stepCount = step;
    this.onProgress?.({ step, losses });
    return losses;
  }

  /** Number of completed steps. */
  get steps(): number {
    return this.stepCount;
  }

  /**
   * Multiplies both learning rates by `factor` from the next step on, e.g. the value of a
   * schedule from `training.linearDecay()` at the start of each epoch like the reference:
   * `trainer.setLearningRateFactor(schedule(epoch))`.
   */
  setLearningRateFactor(factor: number): void {
    checkPositive(`${this.owner}.setLearningRateFactor`, 'factor', factor, true);
    this.lrFactor = factor;
    this.optG.setFactor(factor);
    this.optD.setFactor(factor);
  }

  /** A copy of the full training state (see {@link TrainerState}); dispose it when done. */
  async getState(): Promise<TrainerState> {
    return this.buildState([], {});
  }

  /** Restores a state from {@link getState} (the state's tensors stay owned by the caller). */
  async setState(state: TrainerState): Promise<void> {
    await applyState(`${this.owner}.setState`, this.owner, state, this.stateModels(), this.optimizers());
    this.stepCount = state.step;
    this.setLearningRateFactor(state.learningRateFactor);
  }

  /** Releases the optimizers (the models stay with their owner). */
  dispose(): void {
    this.optG.dispose();
    this.optD.dispose();
  }

  /** The state of the models and optimizers plus what a subclass adds. */
  protected async buildState(tensors: TrainerNamedTensor[], extra: Record<string, unknown>): Promise<TrainerState> {
    return {
      format: 'tfjs-synth-trainer',
      version: 1,
      kind: this.owner,
      step: this.stepCount,
      learningRateFactor: this.lrFactor,
      tensors: [...(await captureState(this.stateModels(), this.optimizers())), ...tensors],
      extra,
    };
  }

  private optimizers(): Record<string, TrainerAdam> {
    return { optimizerG: this.optG, optimizerD: this.optD };
  }
}
