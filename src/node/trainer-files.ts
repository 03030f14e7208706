import type { TrainerState } from '../training/trainer-state';
import { readWeightFiles, writeWeightFiles } from './internal/weight-files';

/** Anything with in-memory trainer state: `training.Pix2PixTrainer`, `CycleGANTrainer`, `InpaintingTrainer`. */
export interface ResumableTrainer {
  getState(): Promise<TrainerState>;
  setState(state: TrainerState): Promise<void>;
}

const FILE = 'trainer';

/**
 * Saves a trainer's full state ({@link TrainerState}: model weights incl. running statistics,
 * optimizer slots, step, learning-rate factor, RNG / pool state) as `<dir>/trainer.json` +
 * `<dir>/trainer.bin`, so training can resume exactly with {@link loadTrainer}.
 *
 * Trainers themselves keep their state in memory (`getState` / `setState`) so the main entry
 * stays browser-safe; this Node helper only adds the files. Model topology is not saved: rebuild
 * the same architectures before loading (or save them separately with `saveModel`).
 *
 * @example
 * ```ts
 * import { initBackend, models, training } from 'tfjs-synth';
 * import { saveTrainer } from 'tfjs-synth/node';
 * await initBackend();
 * const trainer = new training.Pix2PixTrainer({
 *   generator: models.unetGenerator({ ngf: 8, numDowns: 6 }),
 *   discriminator: models.patchGANDiscriminator({ inputChannels: 6, ndf: 8 }),
 * });
 * // ... await trainer.step(a, b) ...
 * await saveTrainer(trainer, 'checkpoints/run1');
 * ```
 */
export async function saveTrainer(trainer: ResumableTrainer, dir: string): Promise<void> {
  if (trainer == null || typeof trainer.getState !== 'function') {
    throw new Error('saveTrainer: trainer must have getState() (a tfjs-synth trainer).');
  }
  const state = await trainer.getState();
  try {
    await writeWeightFiles('saveTrainer', dir, FILE, state.tensors, {
      kind: state.kind,
      version: state.version,
      step: state.step,
      learningRateFactor: state.learningRateFactor,
      extra: state.extra,
    });
  } finally {
    for (const { tensor } of state.tensors) tensor.dispose();
  }
}

/**
 * Loads a state written by {@link saveTrainer} into a trainer built with the same architectures
 * (fresh models are fine); its next step continues the saved run.
 *
 * @example
 * ```ts
 * import { initBackend, models, training } from 'tfjs-synth';
 * import { loadTrainer } from 'tfjs-synth/node';
 * await initBackend();
 * const trainer = new training.Pix2PixTrainer({
 *   generator: models.unetGenerator({ ngf: 8, numDowns: 6 }),
 *   discriminator: models.patchGANDiscriminator({ inputChannels: 6, ndf: 8 }),
 * });
 * await loadTrainer(trainer, 'checkpoints/run1');
 * ```
 */
export async function loadTrainer(trainer: ResumableTrainer, dir: string): Promise<void> {
  if (trainer == null || typeof trainer.setState !== 'function') {
    throw new Error('loadTrainer: trainer must have setState() (a tfjs-synth trainer).');
  }
  const { tensors, metadata } = await readWeightFiles('loadTrainer', dir, FILE);
  try {
    if (metadata == null || typeof metadata['kind'] !== 'string' || typeof metadata['step'] !== 'number') {
      throw new Error(`loadTrainer: ${JSON.stringify(dir)} holds weights but no trainer metadata (was it written by saveTrainer?).`);
    }
    const state: TrainerState = {
      format: 'tfjs-synth-trainer',
      version: 1,
      kind: metadata['kind'],
      step: metadata['step'],
      learningRateFactor: typeof metadata['learningRateFactor'] === 'number' ? metadata['learningRateFactor'] : 1,
      tensors,
      extra: (metadata['extra'] as Record<string, unknown> | undefined) ?? {},
    };
    await trainer.setState(state);
  } finally {
    for (const { tensor } of tensors) tensor.dispose();
  }
}
