import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBothBackends, relativeError, seededValues } from './kernels/compare-backends';

/**
 * A small tfjs-layers model touching every kernel registered for wasm: conv2d with bias (fused
 * conv), LeakyReLU (negative activations) into maxPool, depthwise conv, conv2dTranspose, and an
 * embedding (gather).
 */
function buildModel(): tfl.LayersModel {
  const image = tfl.input({ shape: [12, 12, 3] });
  let h = tfl.layers
    .conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' })
    .apply(image) as tfl.SymbolicTensor;
  h = tfl.layers.leakyReLU({ alpha: 0.2 }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.maxPooling2d({ poolSize: 2, strides: 1, padding: 'valid' }).apply(h) as tfl.SymbolicTensor; // [5, 5, 4]
  h = tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same' }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers
    .conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'valid' })
    .apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.flatten().apply(h) as tfl.SymbolicTensor;
  const ids = tfl.input({ shape: [4] });
  let e = tfl.layers.embedding({ inputDim: 10, outputDim: 3 }).apply(ids) as tfl.SymbolicTensor;
  e = tfl.layers.flatten().apply(e) as tfl.SymbolicTensor;
  const joined = tfl.layers.concatenate().apply([h, e]) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 2 }).apply(joined) as tfl.SymbolicTensor;
  return tfl.model({ inputs: [image, ids], outputs: out });
}

/** Gradients of a fixed loss with respect to every trainable weight, on the current backend. */
function gradients(): Float32Array[] {
  const model = buildModel();
  // Same weights on both backends: overwrite the random initialisation with seeded values.
  model.setWeights(model.getWeights().map((w, i) => tf.mul(tf.tensor(seededValues(w.size, 100 + i), w.shape), 0.5)));
  const image = tf.tensor(seededValues(2 * 12 * 12 * 3, 7), [2, 12, 12, 3]);
  const ids = tf.tensor(
    [
      [1, 3, 3, 9],
      [0, 1, 9, 9],
    ],
    [2, 4],
    'float32',
  );
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(
    () => tf.sum(tf.square(model.apply([image, ids]) as tf.Tensor)) as tf.Scalar,
    vars,
  );
  const out = vars.map((v) => Float32Array.from(grads[v.name]!.dataSync()));
  tf.dispose([value, image, ids, ...Object.values(grads)]);
  model.dispose();
  return out;
}

describe('training a tfjs-layers model on wasm', () => {
  beforeAll(initBothBackends);

  it('gives the same weight gradients as cpu', async () => {
    await tf.setBackend('cpu');
    const cpu = gradients();
    await tf.setBackend('wasm');
    const wasm = gradients();
    expect(wasm.length).toBe(cpu.length);
    expect(cpu.length).toBe(9); // kernel + bias of conv, depthwise, transpose, dense; embeddings
    for (let i = 0; i < cpu.length; i++) {
      expect(relativeError(wasm[i]!, cpu[i]!), `weight ${i}`).toBeLessThanOrEqual(1e-4);
      // Non-trivial: every weight receives some gradient.
      expect(
        cpu[i]!.some((v) => v !== 0),
        `weight ${i}`,
      ).toBe(true);
    }
  });
});
