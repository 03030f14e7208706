import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkError, checkNumber, checkOneOf, describeValue } from '../../core/checks';
import { setLearningRateFactor } from '../lr-schedules';
import type { TrainerNamedTensor, TrainerState } from '../trainer-state';
import { LeanAdamOptimizer } from './lean-adam';

/** GAN objectives the pix2pix / CycleGAN recipes accept (the reference GANLoss modes). @internal */
export const REFERENCE_GAN_MODES = ['vanilla', 'lsgan', 'wgan'] as const;
/** @internal */
export type ReferenceGanMode = (typeof REFERENCE_GAN_MODES)[number];

/** Throws unless `mode` is one of `valid`, listing the valid modes. @internal */
export function checkGanMode<T extends string>(owner: string, mode: unknown, valid: readonly T[]): T {
  return checkOneOf(owner, 'ganMode', mode, valid);
}

/** Throws unless `value` is a finite number > 0 (or >= 0 with `allowZero`). @internal */
export function checkPositive(owner: string, arg: string, value: unknown, allowZero = false): number {
  return checkNumber(owner, arg, value, { min: 0, minExclusive: !allowZero });
}

/** Throws unless `x` is a float32 rank-4 tensor. @internal */
export function checkImages(owner: string, name: string, x: unknown): tf.Tensor4D {
  if (!(x instanceof tf.Tensor) || x.isDisposed) throw checkError(owner, name, 'a live tf.Tensor', x);
  if (x.rank !== 4)
    throw new Error(
      `${owner}: ${name} must be NHWC [batch, height, width, channels], got shape [${x.shape.join(', ')}].`,
    );
  if (x.dtype !== 'float32') throw new Error(`${owner}: ${name} must be float32, got ${x.dtype}.`);
  return x as tf.Tensor4D;
}

/** Throws unless `a` and `b` have the same batch size, height and width. @internal */
export function checkSameBatchAndSize(
  owner: string,
  nameA: string,
  a: tf.Tensor4D,
  nameB: string,
  b: tf.Tensor4D,
): void {
  if (a.shape[0] !== b.shape[0] || a.shape[1] !== b.shape[1] || a.shape[2] !== b.shape[2]) {
    throw new Error(
      `${owner}: ${nameA} [${a.shape.join(', ')}] and ${nameB} [${b.shape.join(', ')}] must have the same batch size, height and width.`,
    );
  }
}

/** Runs a model in training mode (dropout on, batch statistics, running-stat / u updates). @internal */
export function applyTraining(model: tfl.LayersModel, x: tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[] {
  return model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[];
}

/** The trainable variables of some models, in a fixed order (the optimizer slot order). @internal */
export function trainableVariables(...models: tfl.LayersModel[]): tf.Variable[] {
  return models.flatMap((m) => m.trainableWeights.map((w) => w.read() as tf.Variable));
}

/** Copies (cheap references in tfjs) of every weight of `model`, trainable or not. @internal */
export function cloneWeights(model: tfl.LayersModel, trainable?: boolean): tf.Tensor[] {
  const ws = trainable === undefined ? model.weights : model.weights.filter((w) => w.trainable === trainable);
  return ws.map((w) => tf.clone(w.read()));
}

/** Writes tensors from {@link cloneWeights} back (same filter), then disposes them. @internal */
export function restoreWeights(model: tfl.LayersModel, values: tf.Tensor[], trainable?: boolean): void {
  const ws = trainable === undefined ? model.weights : model.weights.filter((w) => w.trainable === trainable);
  ws.forEach((w, i) => w.write(values[i]!));
  tf.dispose(values);
}

/**
 * An Adam optimizer owned by a trainer, with a base learning rate scaled by a factor, state
 * capture and replacement.
 *
 * Porting note: epsilon is 1e-8 like `torch.optim.Adam` (tfjs defaults to the backend's 1e-7).
 * @internal
 */
export class TrainerAdam {
  optimizer: tf.AdamOptimizer;
  private factor = 1;
  constructor(
    readonly lr: number,
    readonly beta1: number,
    readonly beta2: number,
  ) {
    this.optimizer = new LeanAdamOptimizer(lr, beta1, beta2, 1e-8);
  }

  setFactor(factor: number): void {
    this.factor = factor;
    // Adam reads its learning rate on every applyGradients, so changing it between steps is enough.
    setLearningRateFactor(this.optimizer, this.lr, factor);
  }

  /** Applies gradients from `tf.variableGrads` (the caller still disposes them). */
  apply(grads: tf.NamedTensorMap): void {
    // applyGradients only reads the gradients; its declared type wants variables.
    this.optimizer.applyGradients(grads as unknown as tf.NamedTensorMap as never);
  }

  /** Copies of `getWeights()` (iteration count first), owned by the caller. */
  async capture(): Promise<TrainerNamedTensor[]> {
    const weights = await this.optimizer.getWeights();
    // getWeights() creates the `iter` scalar fresh (ours now) but returns the live slot variables,
    // which stay with the optimizer: copy those.
    return weights.map((w, i) => ({
      name: w.name,
      tensor: i === 0 && w.name === 'iter' ? w.tensor : tf.clone(w.tensor),
    }));
  }

  /** Replaces the optimizer by one holding `weights` (not consumed: the caller still disposes them). */
  async restore(weights: TrainerNamedTensor[]): Promise<void> {
    const next = new LeanAdamOptimizer(this.lr, this.beta1, this.beta2, 1e-8);
    // setWeights turns each tensor into a new variable sharing its data; the caller keeps ownership
    // of the tensors passed in.
    await next.setWeights(weights);
    this.optimizer.dispose();
    this.optimizer = next;
    this.setFactor(this.factor);
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

/** Everything a step may change, kept so a failed step can be undone. @internal */
export interface StepSnapshot {
  models: tf.Tensor[][];
  optimizers: TrainerNamedTensor[][];
}

/** @internal */
export async function takeSnapshot(models: tfl.LayersModel[], optimizers: TrainerAdam[]): Promise<StepSnapshot> {
  return {
    models: models.map((m) => cloneWeights(m)),
    optimizers: await Promise.all(optimizers.map((o) => o.capture())),
  };
}

/** Puts the snapshot back and disposes it. @internal */
export async function restoreSnapshot(
  snap: StepSnapshot,
  models: tfl.LayersModel[],
  optimizers: TrainerAdam[],
): Promise<void> {
  models.forEach((m, i) => restoreWeights(m, snap.models[i]!));
  for (let i = 0; i < optimizers.length; i++) {
    await optimizers[i]!.restore(snap.optimizers[i]!);
    tf.dispose(snap.optimizers[i]!.map((w) => w.tensor));
  }
}

/** @internal */
export function disposeSnapshot(snap: StepSnapshot): void {
  for (const ws of snap.models) tf.dispose(ws);
  for (const ws of snap.optimizers) tf.dispose(ws.map((w) => w.tensor));
}

/** Reads scalar losses; returns the name of the first non-finite one, or null. @internal */
export async function readLosses<K extends string>(
  losses: Record<K, tf.Tensor>,
): Promise<{ values: Record<K, number>; bad: K | null }> {
  const keys = Object.keys(losses) as K[];
  const data = await Promise.all(keys.map((k) => losses[k].data()));
  const values = {} as Record<K, number>;
  let bad: K | null = null;
  keys.forEach((k, i) => {
    const v = data[i]![0]!;
    values[k] = v;
    if (bad === null && !Number.isFinite(v)) bad = k;
  });
  return { values, bad };
}

/** Builds the tensor list of a {@link TrainerState}. @internal */
export async function captureState(
  models: Record<string, tfl.LayersModel>,
  optimizers: Record<string, TrainerAdam>,
): Promise<TrainerNamedTensor[]> {
  const out: TrainerNamedTensor[] = [];
  for (const [key, model] of Object.entries(models)) {
    model.weights.forEach((w, i) => out.push({ name: `model/${key}/${i}`, tensor: tf.clone(w.read()) }));
  }
  for (const [key, opt] of Object.entries(optimizers)) {
    (await opt.capture()).forEach((w, i) => out.push({ name: `optimizer/${key}/${i}`, tensor: w.tensor }));
  }
  return out;
}

/**
 * Applies the tensor list of a {@link TrainerState} after checking every name, count and shape
 * first (so a mismatching state changes nothing). @internal
 */
export async function applyState(
  owner: string,
  kind: string,
  state: TrainerState,
  models: Record<string, tfl.LayersModel>,
  optimizers: Record<string, TrainerAdam>,
): Promise<void> {
  if (state == null || state.format !== 'tfjs-synth-trainer' || !Array.isArray(state.tensors)) {
    throw new Error(`${owner}: state must be a TrainerState (from getState() or loadTrainer).`);
  }
  if (state.kind !== kind) {
    // A trainer's class name reads bare; anything else (a file's contents) is described, bounded.
    const by = typeof state.kind === 'string' && /^\w{1,40}$/.test(state.kind) ? state.kind : describeValue(state.kind);
    throw new Error(`${owner}: state was written by a ${by}, not a ${kind}.`);
  }
  const byName = new Map(state.tensors.map((t) => [t.name, t.tensor]));
  for (const [key, model] of Object.entries(models)) {
    const n = state.tensors.filter((t) => t.name.startsWith(`model/${key}/`)).length;
    if (n !== model.weights.length) {
      throw new Error(`${owner}: model '${key}' has ${model.weights.length} weights but the state holds ${n}.`);
    }
    model.weights.forEach((w, i) => {
      const t = byName.get(`model/${key}/${i}`);
      if (t == null || t.isDisposed)
        throw new Error(`${owner}: the state lacks weight ${i} of model '${key}' (or it is disposed).`);
      if (!tf.util.arraysEqual(t.shape, w.shape as number[])) {
        throw new Error(
          `${owner}: weight ${i} (${w.originalName}) of model '${key}' has shape [${w.shape.join(', ')}] but the state holds [${t.shape.join(', ')}].`,
        );
      }
    });
  }
  const optWeights: Record<string, TrainerNamedTensor[]> = {};
  for (const key of Object.keys(optimizers)) {
    const prefix = `optimizer/${key}/`;
    const ws = state.tensors.filter((t) => t.name.startsWith(prefix));
    ws.sort((a, b) => Number(a.name.slice(prefix.length)) - Number(b.name.slice(prefix.length)));
    if (ws.length === 0) throw new Error(`${owner}: the state lacks optimizer '${key}'.`);
    // Adam names its slots by position, so the names inside tfjs only need to be unique.
    optWeights[key] = ws.map((w, i) => ({ name: i === 0 ? 'iter' : `${key}/${i}`, tensor: w.tensor }));
  }
  for (const [key, model] of Object.entries(models)) {
    model.weights.forEach((w, i) => w.write(byName.get(`model/${key}/${i}`)!));
  }
  for (const [key, opt] of Object.entries(optimizers)) await opt.restore(optWeights[key]!);
}
