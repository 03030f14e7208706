// DeepFill v2 SN-PatchGAN discriminator: parameter counts, shapes, the forward pass against an
// independent computation from its weights (spectral norm, 'same' 5x5 stride-2 convs, LeakyReLU
// after every conv, flatten), gradients, cpu/wasm agreement, leaks and save/load.
// There is no PyTorch reference for DeepFill v2 (the original is TensorFlow 1); the count
// 5,946,816 is derived from the reference's layer list.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';
import { snPatchGANDiscriminator } from '../../src/models/sn-patchgan-discriminator';
import { registerLayers } from '../../src/register';
import { initBothBackends, onBackend, seededValues } from '../backend/kernels/compare-backends';
import { describeBackends } from '../harness/backends';

function count(weights: { shape: (number | null)[] }[]): number {
  return weights.reduce((n, w) => n + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);
}

function seededInput(shape: number[], seed: number): tf.Tensor4D {
  return tf.tensor4d(
    seededValues(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape as [number, number, number, number],
  );
}

const weightOf = (layer: tfl.layers.Layer, name: string): tf.Tensor =>
  layer.weights.find((w) => new RegExp(`/${name}(_\\d+)?$`).test(w.name))!.read();

/**
 * The discriminator recomputed from its weights with plain tfjs ops: per layer
 * sigma = u^T W v (W the kernel as the (out, kh*kw*in) matrix in torch's order), then
 * leakyRelu(conv2d(x, kernel / sigma, stride 2, 'same') + bias, 0.2); finally [n, -1].
 */
function reference(model: tfl.LayersModel, x: tf.Tensor4D): tf.Tensor {
  return tf.tidy(() => {
    let y: tf.Tensor4D = x;
    for (let i = 1; i <= 6; i++) {
      const layer = model.getLayer(`conv${i}`);
      const kernel = weightOf(layer, 'kernel') as tf.Tensor4D;
      const out = kernel.shape[3];
      const w = tf.reshape(tf.transpose(kernel, [3, 2, 0, 1]), [out, -1]);
      const u = tf.reshape(weightOf(layer, 'u'), [1, -1]);
      const v = tf.reshape(weightOf(layer, 'v'), [-1, 1]);
      const sigma = tf.reshape(tf.matMul(u, tf.matMul(w, v)), []);
      const conv = tf.conv2d(y, tf.div(kernel, sigma) as tf.Tensor4D, 2, 'same');
      y = tf.leakyRelu(tf.add(conv, weightOf(layer, 'bias')), 0.2) as tf.Tensor4D;
    }
    return tf.reshape(y, [y.shape[0], -1]);
  });
}

async function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  expect(a.shape).toEqual(b.shape);
  const [x, y] = await Promise.all([a.data(), b.data()]);
  let m = 0;
  let scale = 0;
  for (let i = 0; i < x.length; i++) {
    m = Math.max(m, Math.abs(x[i]! - y[i]!));
    scale = Math.max(scale, Math.abs(y[i]!));
  }
  // Scores are O(1) once sigma has converged; guard against a vacuous comparison of zeros.
  expect(scale).toBeGreaterThan(1e-3);
  expect(scale).toBeLessThan(100);
  return m;
}

describeBackends('snPatchGANDiscriminator structure', () => {
  it('has 5,946,816 trainable parameters (4 channels, ndf 64) plus the spectral-norm u and v vectors', () => {
    const d = snPatchGANDiscriminator({ inputShape: [256, 256] });
    expect(count(d.trainableWeights)).toBe(5_946_816);
    // u has `out` entries and v `kh * kw * in` per convolution; neither is trainable.
    const channels = [4, 64, 128, 256, 256, 256, 256];
    const uv = channels.slice(1).reduce((n, out, i) => n + out + 25 * channels[i]!, 0);
    expect(count(d.nonTrainableWeights)).toBe(uv);
    expect(d.layers.filter((l) => l.weights.length > 0).map((l) => l.name)).toEqual([
      'conv1',
      'conv2',
      'conv3',
      'conv4',
      'conv5',
      'conv6',
    ]);
    expect(d.getLayer('conv3').trainableWeights.map((w) => w.shape)).toEqual([[5, 5, 128, 256], [256]]);
    expect(d.outputs[0]!.shape).toEqual([null, 4096]);
    d.dispose();
  });

  it('accepts any size when inputShape is omitted; rejects bad arguments', () => {
    const d = snPatchGANDiscriminator({ inputChannels: 3, ndf: 2 });
    expect(d.outputs[0]!.shape).toEqual([null, null]);
    const before = tf.memory().numTensors;
    const x = tf.zeros([2, 48, 80, 3]);
    const y = d.predict(x) as tf.Tensor;
    // ceil(48 / 64) x ceil(80 / 64) patches of 4 * ndf channels.
    expect(y.shape).toEqual([2, 1 * 2 * 8]);
    tf.dispose([x, y]);
    expect(tf.memory().numTensors).toBe(before);
    d.dispose();
    expect(() => snPatchGANDiscriminator({ ndf: 0 })).toThrow(
      /snPatchGANDiscriminator: ndf must be a positive integer, got 0/,
    );
    expect(() => snPatchGANDiscriminator({ inputChannels: 2.5 })).toThrow(
      /snPatchGANDiscriminator: inputChannels must be a positive integer, got 2.5/,
    );
    // @ts-expect-error: a bad value from an untyped caller
    expect(() => snPatchGANDiscriminator({ inputShape: [64] })).toThrow(
      /snPatchGANDiscriminator: inputShape must be \[height, width\]/,
    );
  });
}, ['cpu']);

describeBackends('snPatchGANDiscriminator', () => {
  it('matches an independent computation from its weights, in inference and after a training call (max abs diff <= 1e-5)', async () => {
    const d = snPatchGANDiscriminator({ ndf: 4 });
    const x = seededInput([2, 64, 64, 4], 3);
    // A freshly registered u, v pair gives an arbitrary sigma (possibly near 0, blowing the
    // activations up); a few training calls bring it close to the top singular value.
    for (let i = 0; i < 5; i++) tf.dispose(d.apply(x, { training: true }) as tf.Tensor);
    const before = tf.memory().numTensors;
    const u0 = Array.from(weightOf(d.getLayer('conv2'), 'u').dataSync());
    // Inference: the stored u and v, untouched.
    const y = d.predict(x) as tf.Tensor;
    expect(y.shape).toEqual([2, 16]);
    const r = reference(d, x);
    expect(await maxAbsDiff(y, r)).toBeLessThanOrEqual(1e-5);
    expect(Array.from(weightOf(d.getLayer('conv2'), 'u').dataSync())).toEqual(u0);
    // Training: one power iteration updates u and v, and sigma uses the updated vectors.
    const yt = d.apply(x, { training: true }) as tf.Tensor;
    expect(Array.from(weightOf(d.getLayer('conv2'), 'u').dataSync())).not.toEqual(u0);
    const rt = reference(d, x);
    expect(await maxAbsDiff(yt, rt)).toBeLessThanOrEqual(1e-5);
    // LeakyReLU after the last convolution too: some scores are negative but above -0.2 * max|pre-activation|.
    const values = await yt.data();
    expect(values.some((v) => v < 0)).toBe(true);
    tf.dispose([y, r, yt, rt]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(x);
    d.dispose();
  });

  it('gradients of the hinge loss reach every kernel and bias in training mode; no leaks across predicts', () => {
    const d = snPatchGANDiscriminator({ ndf: 4 });
    const real = seededInput([2, 32, 32, 4], 5);
    const fake = seededInput([2, 32, 32, 4], 6);
    const warm = d.predict(real) as tf.Tensor;
    warm.dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(d.predict(real) as tf.Tensor);
    expect(tf.memory().numTensors).toBe(before);
    const vars = d.trainableWeights.map((w) => w.read() as tf.Variable);
    expect(vars).toHaveLength(12);
    // DeepFill v2's discriminator hinge loss: 0.5 mean(relu(1 - pos)) + 0.5 mean(relu(1 + neg)).
    const { value, grads } = tf.variableGrads(() => {
      const pos = d.apply(real, { training: true }) as tf.Tensor;
      const neg = d.apply(fake, { training: true }) as tf.Tensor;
      return tf.add(
        tf.mul(0.5, tf.mean(tf.relu(tf.sub(1, pos)))),
        tf.mul(0.5, tf.mean(tf.relu(tf.add(1, neg)))),
      ) as tf.Scalar;
    }, vars);
    for (const v of vars) {
      const grad = grads[v.name]!;
      expect(grad.shape, v.name).toEqual(v.shape);
      expect(grad.dataSync().every(Number.isFinite), v.name).toBe(true);
      expect(
        tf.tidy(() => tf.sum(tf.abs(grad)).dataSync()[0]!),
        v.name,
      ).toBeGreaterThan(0);
    }
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([real, fake]);
    d.dispose();
  });

  it('round-trips through save/load (kernels, biases, u and v) with identical outputs', async () => {
    registerLayers();
    const d = snPatchGANDiscriminator({ ndf: 4, inputChannels: 5 });
    const x = seededInput([1, 32, 48, 5], 8);
    tf.dispose(d.apply(x, { training: true }) as tf.Tensor); // moves u and v away from their initial values
    let artifacts: tf.io.ModelArtifacts | undefined;
    await d.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tfl.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: JSON.parse(JSON.stringify(artifacts!.modelTopology)),
        weightSpecs: artifacts!.weightSpecs,
        weightData: artifacts!.weightData,
      }),
    );
    expect(loaded.layers.map((l) => l.name)).toEqual(d.layers.map((l) => l.name));
    expect(count(loaded.nonTrainableWeights)).toBe(count(d.nonTrainableWeights));
    const a = d.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expect(b.shape).toEqual([1, 16]);
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    tf.dispose([x, a, b]);
    d.dispose();
    loaded.dispose();
  });
});

describeBackends('snPatchGANDiscriminator cpu/wasm agreement', () => {
  it('cpu and wasm outputs agree within 1e-4 (ndf 8, 2x64x64x4, training call)', async () => {
    await initBothBackends();
    const make = () => snPatchGANDiscriminator({ ndf: 8 });
    // Same weights on both backends: build once, copy u and v before the training call.
    const d = make();
    const uv = d.nonTrainableWeights.map((w) => tf.clone(w.read()));
    const run = () => {
      d.nonTrainableWeights.forEach((w, i) => w.write(uv[i]!));
      return d.apply(seededInput([2, 64, 64, 4], 13), { training: true }) as tf.Tensor;
    };
    const cpu = await onBackend('cpu', run);
    const wasm = await onBackend('wasm', run);
    let maxDiff = 0;
    for (let k = 0; k < cpu[0]!.length; k++) maxDiff = Math.max(maxDiff, Math.abs(cpu[0]![k]! - wasm[0]![k]!));
    expect(maxDiff).toBeLessThanOrEqual(1e-4);
    tf.dispose(uv);
    d.dispose();
  });
}, ['cpu']);
