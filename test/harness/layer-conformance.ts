/**
 * The shared conformance test for layers (in the spirit of Keras' `run_layer_test`).
 *
 * Call {@link runLayerConformance} inside a `describeBackends` block; it defines `it` blocks that
 * check, for a freshly made layer:
 * - the output shape of a real call and of `computeOutputShape`;
 * - the counts of trainable and non-trainable weights;
 * - a `getConfig` round trip through a saved model (`tf.io.withSaveHandler` -> `tf.io.fromMemory`),
 *   which also proves the class is registered, and identical outputs after loading;
 * - no tensor leak across 50 calls;
 * - gradients that reach every trainable weight (finite and not all zero).
 * Per-layer tests then only add what is specific to the layer (golden values, finite differences).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';
import { registerLayers } from '../../src/register';

type Shape = number[];

export interface LayerConformanceSpec {
  /** Makes a fresh, unbuilt layer. Called several times. */
  make: () => tfl.layers.Layer;
  /** Input shape(s) including the batch dimension; an array of shapes for multi-input layers. */
  inputShape: Shape | Shape[];
  /** Expected output shape(s) including the batch dimension. */
  expectedOutputShape: Shape | Shape[];
  /** Number of trainable weights after build. */
  trainableWeights: number;
  /** Number of non-trainable weights after build. Default 0. */
  nonTrainableWeights?: number;
  /** Makes the input tensors (default: seeded uniform in [-1, 1]). */
  makeInputs?: () => tf.Tensor | tf.Tensor[];
  /** Call the layer with `{ training: true }` in the gradient check. Default false. */
  trainingInGradientCheck?: boolean;
  /** Max abs difference allowed between outputs before and after save/load. Default 0. */
  reloadTolerance?: number;
  /**
   * For layers without trainable weights: indices of inputs that carry no gradient by design
   * (e.g. a binary mask), left out of the input-gradient check. Default none.
   */
  nonDifferentiableInputs?: number[];
}

function isShapeList(s: Shape | Shape[]): s is Shape[] {
  return Array.isArray(s[0]);
}

function asList<T>(x: T | T[]): T[] {
  return Array.isArray(x) ? x : [x];
}

function defaultInputs(spec: LayerConformanceSpec): tf.Tensor | tf.Tensor[] {
  const shapes = isShapeList(spec.inputShape) ? spec.inputShape : [spec.inputShape];
  const xs = shapes.map((s, i) => tf.randomUniform(s, -1, 1, 'float32', 1234 + i));
  return isShapeList(spec.inputShape) ? xs : xs[0]!;
}

/** Builds a functional model `inputs -> layer(inputs)` around a fresh layer. */
function wrapInModel(spec: LayerConformanceSpec, layer: tfl.layers.Layer): tfl.LayersModel {
  const shapes = isShapeList(spec.inputShape) ? spec.inputShape : [spec.inputShape];
  const inputs = shapes.map((s) => tfl.input({ shape: s.slice(1) }));
  const out = layer.apply(inputs.length === 1 ? inputs[0]! : inputs) as tfl.SymbolicTensor | tfl.SymbolicTensor[];
  return tfl.model({ inputs, outputs: out });
}

/** Saves a model to memory and loads it back through a JSON text round trip. */
export async function saveAndLoad(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!artifacts) throw new Error('save handler was not called');
  // The JSON must survive a text round trip exactly as it would through a file.
  const topology = JSON.parse(JSON.stringify(artifacts.modelTopology));
  return tfl.loadLayersModel(
    tf.io.fromMemory({ modelTopology: topology, weightSpecs: artifacts.weightSpecs, weightData: artifacts.weightData }),
  );
}

async function maxAbsDiff(a: tf.Tensor | tf.Tensor[], b: tf.Tensor | tf.Tensor[]): Promise<number> {
  const as = asList(a);
  const bs = asList(b);
  expect(bs.length).toBe(as.length);
  let m = 0;
  for (let i = 0; i < as.length; i++) {
    expect(bs[i]!.shape).toEqual(as[i]!.shape);
    const d = tf.tidy(() => tf.max(tf.abs(tf.sub(as[i]!, bs[i]!))));
    m = Math.max(m, (await d.data())[0]!);
    d.dispose();
  }
  return m;
}

/** Defines the conformance `it` blocks for one layer. Use inside `describeBackends`. */
export function runLayerConformance(spec: LayerConformanceSpec): void {
  registerLayers();
  const expectedShapes = isShapeList(spec.expectedOutputShape) ? spec.expectedOutputShape : [spec.expectedOutputShape];

  it('conformance: output shape of a call and of computeOutputShape', () => {
    const layer = spec.make();
    const x = spec.makeInputs ? spec.makeInputs() : defaultInputs(spec);
    const y = layer.apply(x) as tf.Tensor | tf.Tensor[];
    expect(asList(y).map((t) => t.shape)).toEqual(expectedShapes);
    const computed = layer.computeOutputShape(spec.inputShape as tfl.Shape | tfl.Shape[]);
    const computedList = isShapeList(spec.expectedOutputShape) ? (computed as Shape[]) : [computed as Shape];
    // computeOutputShape may leave the batch dimension null; compare the rest.
    expect(computedList.map((s) => s.slice(1))).toEqual(expectedShapes.map((s) => s.slice(1)));
    tf.dispose([x, y]);
    layer.dispose();
  });

  it('conformance: weight counts', () => {
    const layer = spec.make();
    const model = wrapInModel(spec, layer);
    expect(layer.trainableWeights.length).toBe(spec.trainableWeights);
    expect(layer.nonTrainableWeights.length).toBe(spec.nonTrainableWeights ?? 0);
    model.dispose();
  });

  it('conformance: getConfig round trip and identical outputs after save/load', async () => {
    const layer = spec.make();
    const model = wrapInModel(spec, layer);
    const loaded = await saveAndLoad(model);
    const loadedLayer = loaded.layers[loaded.layers.length - 1]!;
    expect(loadedLayer.getClassName()).toBe(layer.getClassName());
    expect(loadedLayer.getConfig()).toEqual(layer.getConfig());
    const x = spec.makeInputs ? spec.makeInputs() : defaultInputs(spec);
    const y1 = model.predict(x) as tf.Tensor | tf.Tensor[];
    const y2 = loaded.predict(x) as tf.Tensor | tf.Tensor[];
    expect(await maxAbsDiff(y1, y2)).toBeLessThanOrEqual(spec.reloadTolerance ?? 0);
    tf.dispose([x, y1, y2]);
    model.dispose();
    loaded.dispose();
  });

  it('conformance: no tensor leak across 50 calls', () => {
    const layer = spec.make();
    const x = spec.makeInputs ? spec.makeInputs() : defaultInputs(spec);
    tf.dispose(layer.apply(x) as tf.Tensor | tf.Tensor[]); // builds the weights
    const before = tf.memory().numTensors;
    for (let i = 0; i < 50; i++) {
      tf.dispose(layer.apply(x, { training: spec.trainingInGradientCheck ?? false }) as tf.Tensor | tf.Tensor[]);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(x);
    layer.dispose();
  });

  it('conformance: gradients reach every trainable weight', async () => {
    const layer = spec.make();
    const x = spec.makeInputs ? spec.makeInputs() : defaultInputs(spec);
    tf.dispose(layer.apply(x) as tf.Tensor | tf.Tensor[]);
    // A layer without trainable weights must still pass gradients through: check the inputs instead.
    const inputVars = spec.trainableWeights === 0 ? asList(x).map((t) => tf.variable(t)) : [];
    const vars =
      spec.trainableWeights === 0
        ? inputVars.filter((_, i) => !(spec.nonDifferentiableInputs ?? []).includes(i))
        : layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const callInputs = spec.trainableWeights === 0 ? (Array.isArray(x) ? inputVars : inputVars[0]!) : x;
    expect(layer.trainableWeights.length).toBe(spec.trainableWeights);
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => {
      const ys = asList(
        layer.apply(callInputs, { training: spec.trainingInGradientCheck ?? false }) as tf.Tensor | tf.Tensor[],
      );
      // A fixed, non-symmetric weighting so that gradients of normalised outputs are not zero.
      return tf.addN(
        ys.map((y) => tf.sum(tf.mul(tf.square(y), tf.reshape(tf.linspace(0.5, 1.5, y.size), y.shape)))),
      ) as tf.Scalar;
    }, vars);
    for (const v of vars) {
      const g = grads[v.name];
      expect(g, `gradient for ${v.name}`).toBeDefined();
      const [norm, finite] = tf.tidy(() => [tf.sum(tf.abs(g!)), tf.all(tf.isFinite(g!))]);
      expect((await finite!.data())[0], `finite gradient for ${v.name}`).toBe(1);
      expect((await norm!.data())[0], `non-zero gradient for ${v.name}`).toBeGreaterThan(0);
      tf.dispose([norm!, finite!]);
    }
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, ...inputVars]);
    layer.dispose();
  });
}

/**
 * Puts the layer (made with `inputShape`, batch excluded) first in a `tf.sequential` model, saves
 * and reloads it, and expects the same input shape and bit-identical predictions on a seeded
 * batch of 2.
 */
export async function expectSequentialSaveLoad(make: () => tfl.layers.Layer, inputShape: Shape): Promise<void> {
  registerLayers();
  const model = tfl.sequential({ layers: [make()] });
  const loaded = await saveAndLoad(model);
  expect(loaded.inputs[0]!.shape).toEqual(model.inputs[0]!.shape);
  const x = tf.randomNormal([2, ...inputShape], 0, 1, 'float32', 61);
  const y1 = model.predict(x) as tf.Tensor;
  const y2 = loaded.predict(x) as tf.Tensor;
  expect(Array.from(await y2.data())).toEqual(Array.from(await y1.data()));
  tf.dispose([x, y1, y2]);
  model.dispose();
  loaded.dispose();
}
