/**
 * Editing a photo with a generative image prior (D. Bau, H. Strobelt, W. Peebles, J. Wulff,
 * B. Zhou, J.-Y. Zhu, A. Torralba, "Semantic Photo Manipulation with a Generative Image Prior",
 * SIGGRAPH 2019): invert the photo into a generator ({@link invertGenerator}), adapt the last
 * layers of a copy of the generator to that one photo ({@link adaptGenerator}), then edit by
 * setting or scaling units (channels) of an intermediate layer inside a mask ({@link editUnits}).
 *
 * Works with any tfjs-layers generator with one input (the latent) and one image output
 * `[n, h, w, c]`: `models.dcganGenerator`, or a functional model of your own.
 *
 * Porting note: the paper's inversion uses a trained encoder plus per-layer optimisation and its
 * adaptation adds a small per-image perturbation to the layers after the edited one; here the
 * latent is optimised directly (starting from an encoder's guess when one is given) and the
 * chosen layers of a copy are fine-tuned with an optional pull towards their original weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  checkAbortSignal,
  checkError,
  checkFunction,
  checkInteger,
  checkNumber,
  checkOneOf,
  checkOptions,
  checkSeed,
  type AbortSignalLike,
} from '../core/checks';

/** Most optimisation steps one call accepts. */
export const MAX_PRIOR_STEPS = 100_000;

/** A reconstruction loss: `'l2'` (mean squared error) or a function `(output, target) => scalar`. */
export type PriorLoss = 'l2' | ((output: tf.Tensor4D, target: tf.Tensor4D) => tf.Scalar);

/** Options of {@link invertGenerator}. */
export interface InvertGeneratorOptions {
  /** Adam steps on the latent, in [0, 100000] (default 300). */
  steps?: number;
  /** Adam learning rate, > 0 (default 0.05). */
  lr?: number;
  /**
   * Starting latent `[n, ...latentShape]`. Default: the encoder's output, else a draw from
   * N(0, 1) seeded by `seed` (not zeros: for a ReLU generator without biases, such as DCGAN's,
   * z = 0 gives all-zero activations and zero gradients, a point the optimiser never leaves).
   */
  init?: tf.Tensor;
  /** Seed of the default N(0, 1) start, an integer in [0, 2^32 - 1] (default unseeded). */
  seed?: number;
  /** A model mapping the image to a starting latent (the paper's encoder); not with `init`. */
  encoder?: tfl.LayersModel;
  /** Reconstruction loss (default 'l2'). A function must return a scalar and be differentiable. */
  loss?: PriorLoss;
  /** Checked between steps; an aborted run rejects with the signal's reason and keeps nothing. */
  signal?: AbortSignal;
  /** Called after every step with the step number (1-based) and that step's loss. */
  onStep?: (step: number, loss: number) => void;
}

/** Result of {@link invertGenerator}; the caller disposes both tensors. */
export interface InvertGeneratorResult {
  /** The optimised latent, `[n, ...latentShape]`. */
  latent: tf.Tensor;
  /** `generator(latent)` in inference mode, `[n, h, w, c]`. */
  reconstruction: tf.Tensor4D;
  /** The loss of `reconstruction` against the image. */
  loss: number;
}

/** Options of {@link adaptGenerator}. */
export interface AdaptGeneratorOptions {
  /**
   * Names of the layers whose trainable weights are tuned (default: the last two layers that own
   * trainable weights). Every other weight of the copy keeps the original value.
   */
  layers?: readonly string[];
  /** Adam steps, in [0, 100000] (default 100). */
  steps?: number;
  /** Adam learning rate, > 0 (default 1e-3). */
  lr?: number;
  /** Weight of `sum ||W - W0||^2` over the tuned weights, >= 0 (default 0): keeps the copy near the original. */
  anchor?: number;
  /** Reconstruction loss (default 'l2'). */
  loss?: PriorLoss;
  /** Checked between steps; an aborted run rejects with the signal's reason and keeps nothing. */
  signal?: AbortSignal;
  /** Called after every step with the step number (1-based) and that step's loss. */
  onStep?: (step: number, loss: number) => void;
}

/** Result of {@link adaptGenerator}. */
export interface AdaptGeneratorResult {
  /** A copy of the generator with the chosen layers tuned; the caller disposes it. */
  generator: tfl.LayersModel;
  /** Names of the tuned layers. */
  layers: string[];
  /** The reconstruction loss of the copy after the last step. */
  loss: number;
}

/** Options of {@link editUnits}; exactly one of `value` and `scale`. */
export interface EditUnitsOptions {
  /** Name of the intermediate layer whose output is edited (an NHWC feature map). */
  layer: string;
  /** Channel indices of that output to edit: 1 to the channel count of them, distinct. */
  units: readonly number[];
  /** Set the units to this value (one number, or one per unit). */
  value?: number | readonly number[];
  /** Multiply the units by this factor (one number, or one per unit). */
  scale?: number | readonly number[];
  /**
   * Where to edit: `[h, w]`, `[1, h, w, 1]` or `[n, h, w, 1]`, values in [0, 1] (soft masks blend),
   * any size (resized bilinearly to the layer). Default: everywhere.
   */
  mask?: tf.Tensor;
}

type Sym = tfl.SymbolicTensor;
interface NodeLike {
  inputTensors: Sym[];
}

/** Checks a generator: a LayersModel with one input and one rank-4 output. */
function checkGenerator(owner: string, arg: string, value: unknown): tfl.LayersModel {
  const m = value as tfl.LayersModel | null;
  if (
    m === null ||
    typeof m !== 'object' ||
    !Array.isArray(m.inputs) ||
    !Array.isArray(m.outputs) ||
    !Array.isArray(m.layers) ||
    typeof m.getLayer !== 'function'
  ) {
    throw checkError(owner, arg, 'a tfjs-layers LayersModel', value);
  }
  if (m.inputs.length !== 1 || m.outputs.length !== 1 || m.outputs[0]!.shape.length !== 4) {
    throw new Error(
      `${owner}: ${arg} must have one input and one output [n, h, w, c], got ${m.inputs.length} input(s) and ${m.outputs.length} output(s).`,
    );
  }
  return m;
}

function checkImage(owner: string, generator: tfl.LayersModel, value: unknown): tf.Tensor4D {
  if (!(value instanceof tf.Tensor)) throw checkError(owner, 'image', 'a tf.Tensor', value);
  const [, h, w, c] = generator.outputs[0]!.shape;
  if (
    value.rank !== 4 ||
    value.dtype !== 'float32' ||
    value.shape[1] !== h ||
    value.shape[2] !== w ||
    value.shape[3] !== c
  ) {
    throw new Error(
      `${owner}: image must be float32 [n, ${h}, ${w}, ${c}] (the generator's output), got ${value.dtype} [${value.shape.join(', ')}].`,
    );
  }
  if (value.shape[0] < 1 || value.shape[0] > 4096)
    throw checkError(owner, 'image batch', 'in [1, 4096]', value.shape[0]);
  return value as tf.Tensor4D;
}

function checkLatent(owner: string, arg: string, generator: tfl.LayersModel, value: unknown, n?: number): tf.Tensor {
  if (!(value instanceof tf.Tensor)) throw checkError(owner, arg, 'a tf.Tensor', value);
  const want = generator.inputs[0]!.shape.slice(1);
  const ok =
    value.dtype === 'float32' &&
    value.rank === want.length + 1 &&
    want.every((d, i) => d === null || d === value.shape[i + 1]) &&
    (n === undefined || value.shape[0] === n) &&
    value.shape[0]! >= 1;
  if (!ok) {
    throw new Error(
      `${owner}: ${arg} must be float32 [${n ?? 'n'}, ${want.join(', ')}] (the generator's input), got ${value.dtype} [${value.shape.join(', ')}].`,
    );
  }
  return value;
}

function checkLoss(owner: string, value: unknown): (a: tf.Tensor4D, b: tf.Tensor4D) => tf.Scalar {
  if (value === undefined || value === 'l2') return (a, b) => tf.mean(tf.squaredDifference(a, b)) as tf.Scalar;
  if (typeof value === 'string') checkOneOf(owner, 'loss', value, ['l2']);
  const fn = checkFunction<(a: tf.Tensor4D, b: tf.Tensor4D) => tf.Scalar>(
    owner,
    'loss',
    value,
    "'l2' or (output, target) => scalar",
  );
  return (a, b) => {
    const s = fn(a, b);
    if (!(s instanceof tf.Tensor) || s.rank !== 0) throw new Error(`${owner}: loss must return a scalar tensor.`);
    return s;
  };
}

function checkSteps(owner: string, value: unknown, fallback: number): number {
  return checkInteger(owner, 'steps', value ?? fallback, { min: 0, max: MAX_PRIOR_STEPS });
}

function checkOnStep(owner: string, value: unknown): ((step: number, loss: number) => void) | undefined {
  return value === undefined
    ? undefined
    : checkFunction<(step: number, loss: number) => void>(owner, 'onStep', value, '(step, loss) => void');
}

/**
 * Disposes a tfjs optimizer completely: `AdamOptimizer.dispose` of tfjs-core 4.x leaves the
 * base class's iteration counter behind.
 */
function disposeOptimizer(optimizer: tf.Optimizer): void {
  optimizer.dispose();
  tf.Optimizer.prototype.dispose.call(optimizer);
}

function throwIfAborted(signal: AbortSignalLike | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new Error('The operation was aborted.');
}

async function readLoss(owner: string, loss: tf.Scalar, step: number): Promise<number> {
  const v = (await loss.data())[0]!;
  if (!Number.isFinite(v)) throw new Error(`${owner}: the loss is not finite at step ${step} (${v}); lower lr.`);
  return v;
}

/**
 * Runs `model` on `input` in inference mode, layer by layer over its graph, replacing the output
 * of `editLayer` by `edit(output)` (Bau et al.'s split at an intermediate layer, without building
 * sub-models, so the user's layers gain no new graph nodes). Returns the model's output.
 */
function runGraph(
  model: tfl.LayersModel,
  input: tf.Tensor,
  editLayer?: string,
  edit?: (x: tf.Tensor) => tf.Tensor,
): tf.Tensor {
  const values = new Map<number, tf.Tensor>();
  values.set(model.inputs[0]!.id, input);
  const target = model.outputs[0]!;
  // Iterative post-order over the symbolic graph: the model's layers, each node evaluated once.
  const stack: Array<{ t: Sym; expanded: boolean }> = [{ t: target, expanded: false }];
  let guard = 0;
  while (stack.length > 0) {
    if (++guard > 10_000_000) throw new Error('runGraph: graph too large.');
    const top = stack[stack.length - 1]!;
    if (values.has(top.t.id)) {
      stack.pop();
      continue;
    }
    const node = (top.t.sourceLayer as unknown as { inboundNodes: NodeLike[] }).inboundNodes[top.t.nodeIndex]!;
    if (!top.expanded) {
      top.expanded = true;
      for (const x of node.inputTensors) if (!values.has(x.id)) stack.push({ t: x, expanded: false });
      continue;
    }
    stack.pop();
    const layer = top.t.sourceLayer as tfl.layers.Layer;
    const ins = node.inputTensors.map((x) => {
      const v = values.get(x.id);
      if (v === undefined) throw new Error(`runGraph: layer ${layer.name} has an input outside the model.`);
      return v;
    });
    let outs = layer.apply(ins.length === 1 ? ins[0]! : ins, { training: false }) as tf.Tensor | tf.Tensor[];
    if (!Array.isArray(outs)) outs = [outs];
    if (editLayer !== undefined && layer.name === editLayer) outs = outs.map((o) => edit!(o));
    // The node's output tensors: the symbolic tensors of the same layer and node index.
    const syms = (node as unknown as { outputTensors: Sym[] }).outputTensors;
    syms.forEach((s, i) => values.set(s.id, outs[i]!));
  }
  return values.get(target.id)!;
}

/**
 * GAN inversion: finds a latent whose image under `generator` (inference mode) is closest to
 * `image` under `loss`, by Adam on the latent alone (the generator is not changed). Starts from
 * `init`, from `encoder(image)`, or from a seeded N(0, 1) draw.
 *
 * Input: `image` float32 `[n, h, w, c]` in the generator's output range (for DCGAN [-1, 1]).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models, training } from 'tfjs-synth';
 * await initBackend('cpu');
 * const g = models.dcganGenerator({ nz: 8, ngf: 4, imageSize: 16, seed: 1 });
 * const target = g.predict(tf.randomNormal([1, 8], 0, 1, 'float32', 2)) as tf.Tensor4D;
 * const { latent, reconstruction, loss } = await training.invertGenerator(g, target, { steps: 50, seed: 3 });
 * console.log(loss); // mean squared error of the reconstruction
 * ```
 */
export async function invertGenerator(
  generator: tfl.LayersModel,
  image: tf.Tensor4D,
  options?: InvertGeneratorOptions,
): Promise<InvertGeneratorResult> {
  const owner = 'invertGenerator';
  const g = checkGenerator(owner, 'generator', generator);
  const target = checkImage(owner, g, image);
  const o = checkOptions(owner, 'options', options);
  const steps = checkSteps(owner, o.steps, 300);
  const lr = checkNumber(owner, 'lr', o.lr ?? 0.05, { min: 0, minExclusive: true, max: 1e6 });
  const loss = checkLoss(owner, o.loss);
  const signal = checkAbortSignal(owner, 'signal', o.signal);
  const onStep = checkOnStep(owner, o.onStep);
  const seed = checkSeed(owner, 'seed', o.seed);
  if (o.init !== undefined && o.encoder !== undefined) throw new Error(`${owner}: pass init or encoder, not both.`);
  const n = target.shape[0];
  if (o.init !== undefined) checkLatent(owner, 'init', g, o.init, n);
  if (o.encoder !== undefined) {
    const e = o.encoder as unknown as tfl.LayersModel | null;
    if (e === null || typeof e !== 'object' || typeof e.predict !== 'function') {
      throw checkError(owner, 'encoder', 'a tfjs-layers LayersModel', o.encoder);
    }
  }
  const latentShape = g.inputs[0]!.shape.slice(1);
  if (latentShape.some((d) => d === null)) throw new Error(`${owner}: generator input must have a fixed shape.`);
  throwIfAborted(signal);

  let start: tf.Tensor;
  if (o.init !== undefined) start = tf.clone(o.init);
  else if (o.encoder !== undefined) {
    start = tf.tidy(() => o.encoder!.predict(target) as tf.Tensor);
    try {
      checkLatent(owner, 'encoder output', g, start, n);
    } catch (e) {
      start.dispose();
      throw e;
    }
  } else start = tf.randomNormal([n, ...(latentShape as number[])], 0, 1, 'float32', seed);
  const z = tf.variable(start, true);
  start.dispose();
  const optimizer = tf.train.adam(lr);
  try {
    let last = Number.NaN;
    for (let step = 1; step <= steps; step++) {
      throwIfAborted(signal);
      const cost = optimizer.minimize(() => loss(runGraph(g, z) as tf.Tensor4D, target), true, [z])!;
      try {
        last = await readLoss(owner, cost, step);
      } finally {
        cost.dispose();
      }
      onStep?.(step, last);
    }
    throwIfAborted(signal);
    const reconstruction = tf.tidy(() => runGraph(g, z) as tf.Tensor4D);
    const final = tf.tidy(() => loss(reconstruction, target));
    const value = (await final.data())[0]!;
    final.dispose();
    return { latent: tf.clone(z), reconstruction, loss: value };
  } finally {
    disposeOptimizer(optimizer);
    z.dispose();
  }
}

/** Copies a LayersModel (architecture and every weight). Custom layers must be registered. */
function cloneModel(owner: string, model: tfl.LayersModel): tfl.LayersModel {
  let copy: tfl.LayersModel;
  try {
    copy = tfl.LayersModel.fromConfig(
      tfl.LayersModel,
      model.getConfig() as unknown as tf.serialization.ConfigDict,
    ) as tfl.LayersModel;
  } catch (e) {
    throw new Error(
      `${owner}: could not copy the generator (${(e as Error).message.slice(0, 200)}); call initBackend() or registerLayers() first.`,
    );
  }
  copy.setWeights(model.getWeights());
  return copy;
}

/**
 * Image-specific adaptation: fine-tunes the trainable weights of the chosen `layers` of a **copy**
 * of `generator` so that `copy(latent)` reconstructs `image` better (the user's generator is never
 * changed). Run it after {@link invertGenerator} with its latent; then edit the copy with
 * {@link editUnits}. BatchNorm layers run in inference mode (their moving statistics are kept).
 *
 * Custom layer classes must be registered (initBackend does) so that the copy can be built.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models, training } from 'tfjs-synth';
 * await initBackend('cpu');
 * const g = models.dcganGenerator({ nz: 8, ngf: 4, imageSize: 16, seed: 1 });
 * const photo = tf.randomUniform([1, 16, 16, 3], -1, 1) as tf.Tensor4D;
 * const inv = await training.invertGenerator(g, photo, { steps: 50, seed: 3 });
 * const adapted = await training.adaptGenerator(g, inv.latent, photo, { steps: 20 });
 * console.log(inv.loss, adapted.loss); // the adapted copy reconstructs the photo better
 * adapted.generator.dispose();
 * ```
 */
export async function adaptGenerator(
  generator: tfl.LayersModel,
  latent: tf.Tensor,
  image: tf.Tensor4D,
  options?: AdaptGeneratorOptions,
): Promise<AdaptGeneratorResult> {
  const owner = 'adaptGenerator';
  const g = checkGenerator(owner, 'generator', generator);
  const target = checkImage(owner, g, image);
  const z = checkLatent(owner, 'latent', g, latent, target.shape[0]);
  const o = checkOptions(owner, 'options', options);
  const steps = checkSteps(owner, o.steps, 100);
  const lr = checkNumber(owner, 'lr', o.lr ?? 1e-3, { min: 0, minExclusive: true, max: 1e6 });
  const anchor = checkNumber(owner, 'anchor', o.anchor ?? 0, { min: 0, max: 1e12 });
  const loss = checkLoss(owner, o.loss);
  const signal = checkAbortSignal(owner, 'signal', o.signal);
  const onStep = checkOnStep(owner, o.onStep);
  let names: string[];
  if (o.layers === undefined) {
    names = g.layers
      .filter((l) => l.trainableWeights.length > 0)
      .slice(-2)
      .map((l) => l.name);
    if (names.length === 0) throw new Error(`${owner}: generator has no layer with trainable weights.`);
  } else {
    if (!Array.isArray(o.layers) || o.layers.length === 0 || o.layers.length > g.layers.length) {
      throw checkError(owner, 'layers', `an array of 1 to ${g.layers.length} layer names`, o.layers);
    }
    names = [];
    for (const name of o.layers as unknown[]) {
      if (typeof name !== 'string') throw checkError(owner, 'layers', 'an array of layer names', name);
      const layer = g.layers.find((l) => l.name === name);
      if (layer === undefined) throw checkError(owner, 'layers', "names of the generator's layers", name);
      if (layer.trainableWeights.length === 0) throw checkError(owner, 'layers', 'layers with trainable weights', name);
      if (names.includes(name)) throw checkError(owner, 'layers', 'distinct layer names', name);
      names.push(name);
    }
  }
  throwIfAborted(signal);

  const copy = cloneModel(owner, g);
  const optimizer = tf.train.adam(lr);
  const vars = names.flatMap((name) => copy.getLayer(name).trainableWeights.map((w) => w.read() as tf.Variable));
  const origin = anchor > 0 ? vars.map((v) => tf.clone(v)) : [];
  try {
    let last = Number.NaN;
    for (let step = 1; step <= steps; step++) {
      throwIfAborted(signal);
      const cost = optimizer.minimize(
        () => {
          let l = loss(runGraph(copy, z) as tf.Tensor4D, target);
          if (anchor > 0) {
            const pulls = vars.map((v, i) => tf.sum(tf.squaredDifference(v, origin[i]!)));
            l = tf.add(l, tf.mul(anchor, tf.addN(pulls)));
          }
          return l;
        },
        true,
        vars,
      )!;
      try {
        last = await readLoss(owner, cost, step);
      } finally {
        cost.dispose();
      }
      onStep?.(step, last);
    }
    throwIfAborted(signal);
    const final = tf.tidy(() => loss(runGraph(copy, z) as tf.Tensor4D, target));
    const value = (await final.data())[0]!;
    final.dispose();
    return { generator: copy, layers: names, loss: value };
  } catch (e) {
    copy.dispose();
    throw e;
  } finally {
    disposeOptimizer(optimizer);
    tf.dispose(origin);
  }
}

function checkPerUnit(owner: string, arg: string, value: unknown, count: number): number[] {
  if (typeof value === 'number') return new Array<number>(count).fill(checkNumber(owner, arg, value));
  if (!Array.isArray(value) || value.length !== count) {
    throw checkError(owner, arg, `a finite number or an array of ${count} (one per unit)`, value);
  }
  return value.map((v) => checkNumber(owner, arg, v));
}

/** Checks the name of an intermediate layer with an NHWC output; returns that output's shape. */
function checkEditLayer(owner: string, g: tfl.LayersModel, layerName: unknown): number[] {
  if (typeof layerName !== 'string') throw checkError(owner, 'layer', 'a layer name', layerName);
  const layer = g.layers.find((l) => l.name === layerName);
  if (layer === undefined) throw checkError(owner, 'layer', "the name of one of the generator's layers", layerName);
  if (layer === g.outputs[0]!.sourceLayer || g.inputs.some((t) => t.sourceLayer === layer)) {
    throw checkError(owner, 'layer', 'an intermediate layer (not the input or output layer)', layerName);
  }
  const shape = layer.outputShape as (number | null)[];
  if (!Array.isArray(shape) || shape.length !== 4 || shape.slice(1).some((d) => typeof d !== 'number')) {
    throw new Error(`${owner}: layer ${layerName} must output a feature map [n, h, w, c].`);
  }
  return shape as number[];
}

/**
 * The output of the named intermediate layer of `generator` for `latent` (inference mode),
 * `[n, h, w, c]`: what {@link editUnits} edits, for choosing units and values (the paper picks
 * units by dissection). The caller disposes it.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models, training } from 'tfjs-synth';
 * await initBackend('cpu');
 * const g = models.dcganGenerator({ nz: 8, ngf: 4, imageSize: 16, seed: 1 });
 * const features = training.layerActivations(g, tf.randomNormal([4, 8]), 'main.5_relu'); // [4, 8, 8, 4]
 * ```
 */
export function layerActivations(generator: tfl.LayersModel, latent: tf.Tensor, layer: string): tf.Tensor4D {
  const owner = 'layerActivations';
  const g = checkGenerator(owner, 'generator', generator);
  const z = checkLatent(owner, 'latent', g, latent);
  checkEditLayer(owner, g, layer);
  return tf.tidy(() => {
    let seen: tf.Tensor | null = null;
    runGraph(g, z, layer, (x) => {
      seen = x;
      return x;
    });
    return seen! as tf.Tensor4D;
  });
}

/**
 * Unit-level editing (Bau et al.): runs `generator` on `latent` in inference mode, sets
 * (`value`) or scales (`scale`) the chosen channels of the named intermediate layer's output
 * inside `mask` (resized to the layer), and decodes the rest of the network from there. Where the
 * mask is 0, and for every other channel, the activation is left as it is, so `scale: 1` gives
 * exactly `generator.predict(latent)`.
 *
 * Output: the edited image `[n, h, w, c]`; the caller disposes it.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models, training } from 'tfjs-synth';
 * await initBackend('cpu');
 * const g = models.dcganGenerator({ nz: 8, ngf: 4, imageSize: 16, seed: 1 });
 * const z = tf.randomNormal([1, 8], 0, 1, 'float32', 2);
 * const mask = tf.concat([tf.zeros([16, 8]), tf.ones([16, 8])], 1); // the right half
 * const edited = training.editUnits(g, z, { layer: 'main.5_relu', units: [0, 1], value: 3, mask });
 * ```
 */
export function editUnits(generator: tfl.LayersModel, latent: tf.Tensor, options: EditUnitsOptions): tf.Tensor4D {
  const owner = 'editUnits';
  const g = checkGenerator(owner, 'generator', generator);
  const z = checkLatent(owner, 'latent', g, latent);
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw checkError(owner, 'options', 'an options object', options);
  }
  const layerName = options.layer;
  const [, lh, lw, lc] = checkEditLayer(owner, g, layerName);
  const units = options.units as unknown;
  if (!Array.isArray(units) || units.length === 0 || units.length > lc!) {
    throw checkError(owner, 'units', `an array of 1 to ${lc} channel indices`, units);
  }
  const seen = new Set<number>();
  for (const u of units) {
    checkInteger(owner, 'units', u, { min: 0, max: lc! - 1 });
    if (seen.has(u as number)) throw checkError(owner, 'units', 'distinct channel indices', u);
    seen.add(u as number);
  }
  if ((options.value === undefined) === (options.scale === undefined)) {
    throw new Error(`${owner}: pass exactly one of value and scale.`);
  }
  const amounts = checkPerUnit(
    owner,
    options.value !== undefined ? 'value' : 'scale',
    options.value ?? options.scale,
    units.length,
  );
  const n = z.shape[0]!;
  const m = options.mask;
  if (m !== undefined) {
    if (!(m instanceof tf.Tensor)) throw checkError(owner, 'mask', 'a tf.Tensor or undefined', m);
    const ok =
      m.dtype === 'float32' &&
      ((m.rank === 2 && m.shape.every((d) => d >= 1 && d <= 65536)) ||
        (m.rank === 4 &&
          (m.shape[0] === 1 || m.shape[0] === n) &&
          m.shape[3] === 1 &&
          m.shape[1]! >= 1 &&
          m.shape[2]! >= 1));
    if (!ok) {
      throw new Error(
        `${owner}: mask must be float32 [h, w], [1, h, w, 1] or [${n}, h, w, 1], got ${m.dtype} [${m.shape.join(', ')}].`,
      );
    }
    const [lo, hi] = tf
      .tidy(() => [tf.min(m), tf.max(m)])
      .map((t) => {
        const v = t.dataSync()[0]!;
        t.dispose();
        return v;
      });
    if (!(lo! >= 0 && hi! <= 1)) throw new Error(`${owner}: mask values must lie in [0, 1], got [${lo}, ${hi}].`);
  }

  return tf.tidy(() => {
    // Per-channel target and selector: target = value (or x * scale) on the units, x elsewhere.
    const isUnit = new Float32Array(lc!);
    const amount = new Float32Array(lc!);
    (units as number[]).forEach((u, i) => {
      isUnit[u] = 1;
      amount[u] = amounts[i]!;
    });
    let mask: tf.Tensor | null = null;
    if (m !== undefined) {
      const m4 = m.rank === 2 ? tf.reshape(m, [1, m.shape[0]!, m.shape[1]!, 1]) : m;
      mask = m4.shape[1] === lh && m4.shape[2] === lw ? m4 : tf.image.resizeBilinear(m4 as tf.Tensor4D, [lh!, lw!]);
    }
    const sel = tf.tensor1d(isUnit);
    const amt = tf.tensor1d(amount);
    const edit = (x: tf.Tensor): tf.Tensor => {
      const goal = options.value !== undefined ? amt : tf.mul(x, amt);
      // x + mask * sel * (goal - x): exactly x wherever mask or sel is 0, or goal equals x.
      let delta = tf.mul(tf.sub(goal, x), sel);
      if (mask !== null) delta = tf.mul(delta, mask);
      return tf.add(x, delta);
    };
    return runGraph(g, z, layerName, edit) as tf.Tensor4D;
  });
}
