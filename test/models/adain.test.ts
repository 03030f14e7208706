// Parity of the AdaIN encoder and decoder with pytorch-AdaIN's `vgg` (to relu4_1) and `decoder`.
// Golden values: test/fixtures/models/adain/generate_adain.py (weights are a closed-form function
// of their position, recomputed here by `formulaWeights`, so the fixture holds no weights).
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { adainDecoder } from '../../src/models/adain-decoder';
import { adainEncoder } from '../../src/models/adain-encoder';
import { describeBackends } from '../harness/backends';

interface Values {
  shape: number[];
  values: number[];
}
interface Summary {
  shape: number[];
  sum: number;
  sample: number[];
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/models/adain/adain.json', import.meta.url), 'utf8')) as {
  image: Values;
  relu1_1: Summary;
  relu2_1: Summary;
  relu3_1: Summary;
  relu4_1: Values;
  decoded: Values;
};

/**
 * Sets every convolution of `model` (layers named by their PyTorch index) to the fixture's
 * closed-form weights. Must match `formula_weights` in generate_adain.py: parameter p of the
 * state_dict (weights and biases in order) holds weight[j] = 1.5/sqrt(fan_in) sin(0.37 j + 1.3 p)
 * and bias[j] = 0.01 cos(0.91 j + p), j the flat index in PyTorch's OIHW layout.
 */
function formulaWeights(model: tfl.LayersModel, convIndices: number[]): void {
  convIndices.forEach((index, k) => {
    const layer = model.getLayer(String(index));
    // Shapes only: getWeights() returns the variables themselves, which must not be disposed.
    const [kh, kw, cin, cout] = layer.weights[0]!.shape as number[] as [number, number, number, number];
    const w = new Float32Array(kh * kw * cin * cout);
    const pw = 2 * k;
    for (let j = 0; j < w.length; j++) w[j] = (1.5 / Math.sqrt(cin * kh * kw)) * Math.sin(0.37 * j + 1.3 * pw);
    const b = new Float32Array(cout);
    for (let j = 0; j < b.length; j++) b[j] = 0.01 * Math.cos(0.91 * j + pw + 1);
    const hwio = tf.tidy(() => tf.transpose(tf.tensor4d(w, [cout, cin, kh, kw]), [2, 3, 1, 0]));
    const bt = tf.tensor1d(b);
    layer.setWeights([hwio, bt]);
    tf.dispose([hwio, bt]);
  });
}

const ENCODER_CONVS = [0, 2, 5, 9, 12, 16, 19, 22, 25, 29];
const DECODER_CONVS = [1, 5, 8, 11, 14, 18, 21, 25, 28];

async function maxAbsDiff(t: tf.Tensor, expected: Values): Promise<number> {
  expect(t.shape).toEqual(expected.shape);
  const got = await t.data();
  let m = 0;
  for (let i = 0; i < got.length; i++) m = Math.max(m, Math.abs(got[i]! - expected.values[i]!));
  return m;
}

function countParams(model: tfl.LayersModel): number {
  return model.weights.reduce((n, w) => n + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);
}

describeBackends('AdaIN encoder/decoder structure', () => {
  it('parameter counts equal the reference (encoder to relu4_1 3,505,740; decoder 3,505,219)', () => {
    const encoder = adainEncoder();
    const decoder = adainDecoder();
    expect(countParams(encoder)).toBe(3_505_740);
    expect(countParams(decoder)).toBe(3_505_219);
    encoder.dispose();
    decoder.dispose();
  });

  it('rejects unknown encoder outputs, naming the valid ones', () => {
    // @ts-expect-error: a bad value from an untyped caller
    expect(() => adainEncoder({ outputs: ['relu5_1'] })).toThrow(
      /adainEncoder: outputs .*'relu4_1'.*got \["relu5_1"\]/,
    );
  });
}, ['cpu']);

describeBackends('AdaIN encoder/decoder parity with pytorch-AdaIN', () => {
  it('encoder relu1_1..relu4_1 and decoder output match PyTorch on a 20x28 image (odd pooled sizes)', async () => {
    const encoder = adainEncoder({ outputs: ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1'] });
    const decoder = adainDecoder();
    formulaWeights(encoder, ENCODER_CONVS);
    formulaWeights(decoder, DECODER_CONVS);
    const before = tf.memory().numTensors;
    const image = tf.tensor(fixture.image.values, fixture.image.shape);
    const feats = encoder.predict(image) as tf.Tensor[];
    for (const [i, key] of (['relu1_1', 'relu2_1', 'relu3_1'] as const).entries()) {
      const s = fixture[key];
      expect(feats[i]!.shape).toEqual([1, ...s.shape]);
      const flat = (await feats[i]!.data()) as Float32Array;
      const stride = Math.max(1, Math.floor(flat.length / 64));
      s.sample.forEach((v, k) => expect(Math.abs(flat[k * stride]! - v)).toBeLessThan(1e-4));
      const sum = flat.reduce((a: number, b: number) => a + b, 0);
      expect(Math.abs(sum - s.sum) / Math.max(1, Math.abs(s.sum))).toBeLessThan(1e-5);
    }
    expect(await maxAbsDiff(feats[3]!, fixture.relu4_1)).toBeLessThan(1e-4);
    const relu41 = tf.tensor(fixture.relu4_1.values, fixture.relu4_1.shape);
    const decoded = decoder.predict(relu41) as tf.Tensor;
    expect(await maxAbsDiff(decoded, fixture.decoded)).toBeLessThan(1e-4);
    tf.dispose([image, relu41, ...feats, decoded]);
    expect(tf.memory().numTensors).toBe(before);
    encoder.dispose();
    decoder.dispose();
  });
});
