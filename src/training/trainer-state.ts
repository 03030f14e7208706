import type * as tf from '@tensorflow/tfjs-core';

/** A tensor with a name (tfjs-core's `NamedTensor`, which its index does not export). */
export interface TrainerNamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/**
 * Everything a trainer needs to continue exactly where it stopped, held in memory so it works
 * in browsers too: every model weight (trainable ones and running statistics / spectral-norm
 * vectors), every optimizer slot (Adam's iteration count and moments), the step counter, the
 * learning-rate factor and any RNG / image-pool state.
 *
 * The main entry stays browser-safe (nothing under `training` touches the file system); in Node,
 * `saveTrainer(trainer, dir)` / `loadTrainer(trainer, dir)` from `tfjs-synth/node` write and read
 * this state as one weights file plus JSON.
 *
 * Size: 4 bytes per model weight plus 8 per trainable weight (Adam's two moments), so about three
 * times the models' weights; for pix2pix's unet_256 with its PatchGAN, 686 MB. For inference,
 * `saveTrainer(trainer, dir, { contents: 'weights' })` saves the model weights alone (229 MB there).
 *
 * The state owns its tensors (copies, never the live variables): release them with
 * {@link disposeTrainerState} when done. Model topology is not stored: build the same models
 * again and call `trainer.setState(state)`.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models, training } from 'tfjs-synth';
 * await initBackend();
 * const build = () => new training.Pix2PixTrainer({
 *   generator: models.unetGenerator({ ngf: 8, numDowns: 6 }),
 *   discriminator: models.patchGANDiscriminator({ inputChannels: 6, ndf: 8 }),
 * });
 * const trainer = build();
 * const a = tf.randomUniform([1, 64, 64, 3], -1, 1) as tf.Tensor4D;
 * await trainer.step(a, a);
 * const state = await trainer.getState();
 * const freshTrainer = build();                 // same architectures, fresh weights
 * await freshTrainer.setState(state);           // now where trainer is: weights, Adam slots, step 1
 * training.disposeTrainerState(state);
 * ```
 */
export interface TrainerState {
  format: 'tfjs-synth-trainer';
  version: 1;
  /** Class name of the trainer that wrote it (`'Pix2PixTrainer'`, ...); checked on `setState`. */
  kind: string;
  /** Number of completed steps. */
  step: number;
  /** Current learning-rate multiplier (see `setLearningRateFactor`). */
  learningRateFactor: number;
  /**
   * Named tensors: `model/<key>/<index>` for model weights (in `model.weights` order) and
   * `optimizer/<key>/<index>` for `optimizer.getWeights()` entries (index 0 is the iteration count).
   */
  tensors: TrainerNamedTensor[];
  /** JSON-safe extra state (RNG state, image-pool bookkeeping). */
  extra: Record<string, unknown>;
}

/**
 * Disposes the tensors held by a {@link TrainerState} (from `getState()` or `loadTrainer`).
 *
 * @example
 * ```ts
 * import { initBackend, models, training } from 'tfjs-synth';
 * await initBackend();
 * const trainer = new training.Pix2PixTrainer({
 *   generator: models.unetGenerator({ ngf: 8, numDowns: 6 }),
 *   discriminator: models.patchGANDiscriminator({ inputChannels: 6, ndf: 8 }),
 * });
 * const state = await trainer.getState(); // copies of every weight and optimizer slot
 * training.disposeTrainerState(state);
 * ```
 */
export function disposeTrainerState(state: TrainerState): void {
  for (const { tensor } of state.tensors) tensor.dispose();
  state.tensors = [];
}
