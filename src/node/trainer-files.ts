import type * as tf from '@tensorflow/tfjs-core';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { TrainerNamedTensor, TrainerState } from '../training/trainer-state';
import { readWeightFiles, writeWeightFiles } from './internal/weight-files';

/** Anything with in-memory trainer state: `training.Pix2PixTrainer`, `CycleGANTrainer`, `InpaintingTrainer`. */
export interface ResumableTrainer {
  getState(): Promise<TrainerState>;
  setState(state: TrainerState): Promise<void>;
}

/** Options of {@link saveTrainer}. */
export interface SaveTrainerOptions {
  /**
   * `'full'` (default): everything needed to resume exactly, optimizer slots and CycleGAN's image
   * pools included. `'weights'`: the model weights (running statistics included), the step and
   * the learning-rate factor only, about a third of the size, for inference or for fine-tuning
   * with fresh optimizer moments.
   */
  contents?: 'full' | 'weights';
}

/** What {@link saveTrainer} wrote. */
export interface SavedTrainerInfo {
  /** `'full'` or `'weights'`, as asked. */
  contents: 'full' | 'weights';
  /** Size on disk of `trainer.bin` plus `trainer.json`, in bytes. */
  bytes: number;
  /** Bytes of model weights (every model's weights, running statistics and spectral-norm vectors included). */
  modelBytes: number;
  /** Bytes of optimizer slots (Adam's iteration counts and both moments); 0 for `'weights'`. */
  optimizerBytes: number;
  /** Bytes of other state (CycleGAN's image pools); 0 for `'weights'`. */
  otherBytes: number;
  /** Number of tensors saved. */
  tensors: number;
}

const FILE = 'trainer';

const tensorBytes = (t: tf.Tensor): number => t.size * (t.dtype === 'bool' ? 1 : 4);
const isModelTensor = (t: TrainerNamedTensor): boolean => t.name.startsWith('model/');

/**
 * Saves a trainer's state ({@link TrainerState}) as `<dir>/trainer.json` + `<dir>/trainer.bin`
 * and returns what it wrote, sizes included.
 *
 * A full save (the default) holds every model weight, every optimizer slot, the step, the
 * learning-rate factor and any RNG / image-pool state, so training resumes exactly with
 * {@link loadTrainer}. Adam keeps two moments per trainable weight, so a full save is about three
 * times the size of the weights: 686 MB for pix2pix's default unet_256 generator (54.4 M
 * parameters) with its 70x70 PatchGAN (2.8 M). `{ contents: 'weights' }` leaves out the
 * optimizer slots and image pools (229 MB for that pair): enough for inference, or to fine-tune
 * from with fresh Adam moments.
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
 * const full = await saveTrainer(trainer, 'checkpoints/run1');                          // resumable
 * const small = await saveTrainer(trainer, 'checkpoints/run1-weights', { contents: 'weights' });
 * console.log(full.bytes, small.bytes); // the weights-only files are about a third of the full ones
 * ```
 * @throws Error naming the argument for a trainer without `getState`, or an unknown `contents`.
 */
export async function saveTrainer(
  trainer: ResumableTrainer,
  dir: string,
  options: SaveTrainerOptions = {},
): Promise<SavedTrainerInfo> {
  if (trainer == null || typeof trainer.getState !== 'function') {
    throw new Error('saveTrainer: trainer must have getState() (a tfjs-synth trainer).');
  }
  if (typeof dir !== 'string' || dir.length === 0)
    throw new Error(`saveTrainer: dir must be a non-empty string, got ${typeof dir === 'string' ? '""' : typeof dir}.`);
  if (options == null || typeof options !== 'object') throw new Error('saveTrainer: options must be an object.');
  const contents = options.contents ?? 'full';
  if (contents !== 'full' && contents !== 'weights') {
    throw new Error(
      `saveTrainer: options.contents must be 'full' or 'weights', got ${JSON.stringify(String(contents)).slice(0, 40)}.`,
    );
  }
  const state = await trainer.getState();
  try {
    const saved = contents === 'full' ? state.tensors : state.tensors.filter(isModelTensor);
    const sum = (ts: TrainerNamedTensor[]) => ts.reduce((n, t) => n + tensorBytes(t.tensor), 0);
    const modelBytes = sum(saved.filter(isModelTensor));
    const optimizerBytes = sum(saved.filter((t) => t.name.startsWith('optimizer/')));
    await writeWeightFiles('saveTrainer', dir, FILE, saved, {
      kind: state.kind,
      version: state.version,
      step: state.step,
      learningRateFactor: state.learningRateFactor,
      contents,
      // Image-pool RNG state and the like belong to the full state only.
      extra: contents === 'full' ? state.extra : {},
    });
    const sizes = await Promise.all(['bin', 'json'].map(async (ext) => (await stat(join(dir, `${FILE}.${ext}`))).size));
    return {
      contents,
      bytes: sizes[0]! + sizes[1]!,
      modelBytes,
      optimizerBytes,
      otherBytes: sum(saved) - modelBytes - optimizerBytes,
      tensors: saved.length,
    };
  } finally {
    for (const { tensor } of state.tensors) tensor.dispose();
  }
}

/**
 * Loads a state written by {@link saveTrainer} into a trainer built with the same architectures
 * (fresh models are fine).
 *
 * - From a full save, the next step continues the saved run exactly.
 * - From a weights-only save (`{ contents: 'weights' }`), the models get the saved weights and
 *   the trainer the saved step and learning-rate factor; its optimizer slots (and CycleGAN's
 *   pools) stay as they are, so a fresh trainer continues with fresh Adam moments.
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
 * @throws Error naming the folder when the files are missing, malformed, or were written for
 * other architectures (the trainer is then left unchanged).
 */
export async function loadTrainer(trainer: ResumableTrainer, dir: string): Promise<void> {
  if (trainer == null || typeof trainer.setState !== 'function' || typeof trainer.getState !== 'function') {
    throw new Error('loadTrainer: trainer must have getState() and setState() (a tfjs-synth trainer).');
  }
  const { tensors, metadata } = await readWeightFiles('loadTrainer', dir, FILE);
  let current: TrainerState | undefined;
  try {
    if (metadata == null || typeof metadata['kind'] !== 'string' || typeof metadata['step'] !== 'number') {
      throw new Error(
        `loadTrainer: ${JSON.stringify(dir)} holds weights but no trainer metadata (was it written by saveTrainer?).`,
      );
    }
    const step = metadata['step'];
    const factor = metadata['learningRateFactor'] ?? 1;
    if (
      !Number.isSafeInteger(step) ||
      step < 0 ||
      typeof factor !== 'number' ||
      !(factor >= 0) ||
      !Number.isFinite(factor)
    ) {
      throw new Error(`loadTrainer: ${JSON.stringify(dir)} has an invalid step or learningRateFactor in its metadata.`);
    }
    // Files from before `contents` existed are full saves.
    const contents = metadata['contents'] ?? 'full';
    if (contents !== 'full' && contents !== 'weights') {
      throw new Error(
        `loadTrainer: ${JSON.stringify(dir)} has an unknown contents field (expected 'full' or 'weights').`,
      );
    }
    let stateTensors: TrainerNamedTensor[] = tensors;
    let extra = (metadata['extra'] as Record<string, unknown> | undefined) ?? {};
    if (contents === 'weights') {
      if (!tensors.every(isModelTensor)) {
        throw new Error(
          `loadTrainer: ${JSON.stringify(dir)} is marked weights-only but holds tensors other than model weights.`,
        );
      }
      // The trainer's own optimizer slots and pools, with the saved model weights.
      current = await trainer.getState();
      stateTensors = [...current.tensors.filter((t) => !isModelTensor(t)), ...tensors];
      extra = current.extra;
    }
    const state: TrainerState = {
      format: 'tfjs-synth-trainer',
      version: 1,
      kind: metadata['kind'],
      step,
      learningRateFactor: factor,
      tensors: stateTensors,
      extra,
    };
    await trainer.setState(state);
  } finally {
    for (const { tensor } of tensors) tensor.dispose();
    if (current) for (const { tensor } of current.tensors) tensor.dispose();
  }
}
