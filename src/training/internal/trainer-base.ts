import type * as tfl from '@tensorflow/tfjs-layers';
import type { TrainerCommonArgs, TrainerProgress } from '../trainer-args';
import type { TrainerNamedTensor, TrainerState } from '../trainer-state';
import { TrainerAdam, applyState, captureState, checkPositive } from './trainer-core';

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
    private readonly kind: string,
    args: TrainerCommonArgs<L>,
    defaultLr: number,
  ) {
    const lr = checkPositive(kind, 'lr', args.lr ?? defaultLr);
    const beta1 = checkPositive(kind, 'beta1', args.beta1 ?? 0.5, true);
    const beta2 = checkPositive(kind, 'beta2', args.beta2 ?? 0.999, true);
    this.optG = new TrainerAdam(lr, beta1, beta2);
    this.optD = new TrainerAdam(lr, beta1, beta2);
    this.onProgress = args.onProgress;
  }

  /** The models whose weights the state holds, by key (the keys name them in the state). */
  protected abstract stateModels(): Record<string, tfl.LayersModel>;

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
    checkPositive(`${this.kind}.setLearningRateFactor`, 'factor', factor, true);
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
    await applyState(`${this.kind}.setState`, this.kind, state, this.stateModels(), this.optimizers());
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
      kind: this.kind,
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
