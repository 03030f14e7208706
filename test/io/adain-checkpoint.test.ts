// Loading pytorch-AdaIN-style checkpoints (`decoder.pth`, `vgg_normalised.pth`: nn.Sequential state
// dicts keyed '<index>.weight' / '<index>.bias') into the AdaIN builders through loadTorchStateDict.
// Golden values: test/fixtures/models/adain/generate_adain.py, whose weights are a closed-form
// function of their position in the state dict; here they are written in PyTorch's layout and
// naming, so the loader's key matching and OIHW -> HWIO conversion are what is tested.
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { loadTorchStateDict } from '../../src/io/load-torch-state-dict';
import type { StateDict } from '../../src/io/state-dict';
import { writeSafetensors } from '../../src/io/write-safetensors';
import { adainDecoder } from '../../src/models/adain-decoder';
import { adainEncoder } from '../../src/models/adain-encoder';
import { describeBackends } from '../harness/backends';

interface Values {
  shape: number[];
  values: number[];
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/models/adain/adain.json', import.meta.url), 'utf8')) as {
  image: Values;
  relu4_1: Values;
  decoded: Values;
};

/** [index, out, in, k] of each convolution of pytorch-AdaIN's `vgg` (to relu4_1) and `decoder`. */
const ENCODER: [number, number, number, number][] = [
  [0, 3, 3, 1],
  [2, 64, 3, 3],
  [5, 64, 64, 3],
  [9, 128, 64, 3],
  [12, 128, 128, 3],
  [16, 256, 128, 3],
  [19, 256, 256, 3],
  [22, 256, 256, 3],
  [25, 256, 256, 3],
  [29, 512, 256, 3],
];
const DECODER: [number, number, number, number][] = [
  [1, 256, 512, 3],
  [5, 256, 256, 3],
  [8, 256, 256, 3],
  [11, 256, 256, 3],
  [14, 128, 256, 3],
  [18, 128, 128, 3],
  [21, 64, 128, 3],
  [25, 64, 64, 3],
  [28, 3, 64, 3],
];

/**
 * The fixture's weights as a PyTorch state dict: parameter p (in state-dict order) holds
 * weight[j] = 1.5/sqrt(fan_in) sin(0.37 j + 1.3 p) and bias[j] = 0.01 cos(0.91 j + p), j the flat
 * index in PyTorch's OIHW layout (generate_adain.py's `formula_weights`).
 */
function formulaStateDict(convs: [number, number, number, number][]): StateDict {
  const sd: StateDict = new Map();
  convs.forEach(([index, cout, cin, k], c) => {
    const pw = 2 * c;
    const w = new Float32Array(cout * cin * k * k);
    for (let j = 0; j < w.length; j++) w[j] = (1.5 / Math.sqrt(cin * k * k)) * Math.sin(0.37 * j + 1.3 * pw);
    const b = new Float32Array(cout);
    for (let j = 0; j < b.length; j++) b[j] = 0.01 * Math.cos(0.91 * j + pw + 1);
    sd.set(`${index}.weight`, { dtype: 'float32', shape: [cout, cin, k, k], data: w });
    sd.set(`${index}.bias`, { dtype: 'float32', shape: [cout], data: b });
  });
  return sd;
}

function maxAbsDiff(t: tf.Tensor, expected: Values): number {
  expect(t.shape).toEqual(expected.shape);
  const got = t.dataSync();
  let m = 0;
  for (let i = 0; i < got.length; i++) m = Math.max(m, Math.abs(got[i]! - expected.values[i]!));
  return m;
}

describeBackends('loading pytorch-AdaIN checkpoints', () => {
  it('decoder.pth layout: strict load from safetensors bytes reproduces the PyTorch decoder output', () => {
    const decoder = adainDecoder();
    const report = loadTorchStateDict(decoder, writeSafetensors(formulaStateDict(DECODER)));
    expect(report.loaded).toHaveLength(18);
    const x = tf.tensor(fixture.relu4_1.values, fixture.relu4_1.shape);
    const y = decoder.predict(x) as tf.Tensor;
    const diff = maxAbsDiff(y, fixture.decoded);
    console.log(`[${tf.getBackend()}] AdaIN decoder via loadTorchStateDict: max |tfjs - torch| = ${diff}`);
    expect(diff).toBeLessThan(1e-4);
    tf.dispose([x, y]);
    decoder.dispose();
  });

  it('vgg_normalised.pth layout: the layers past relu4_1 are reported as unexpected with strict: false', () => {
    const encoder = adainEncoder();
    const sd = formulaStateDict(ENCODER);
    // The full normalised VGG-19 continues past relu4_1 (index 31 onwards): stand-ins for those keys.
    for (const index of [32, 35, 38]) {
      sd.set(`${index}.weight`, { dtype: 'float32', shape: [512, 512, 3, 3], data: new Float32Array(512 * 512 * 9) });
      sd.set(`${index}.bias`, { dtype: 'float32', shape: [512], data: new Float32Array(512) });
    }
    expect(() => loadTorchStateDict(encoder, sd)).toThrow(
      /unexpected keys:\n {2}32\.weight\n {2}32\.bias\n {2}35\.weight/,
    );
    const report = loadTorchStateDict(encoder, sd, { strict: false });
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual(['32.weight', '32.bias', '35.weight', '35.bias', '38.weight', '38.bias']);
    const image = tf.tensor(fixture.image.values, fixture.image.shape);
    const y = encoder.predict(image) as tf.Tensor;
    expect(maxAbsDiff(y, fixture.relu4_1)).toBeLessThan(1e-4);
    tf.dispose([image, y]);
    encoder.dispose();
  });
});
