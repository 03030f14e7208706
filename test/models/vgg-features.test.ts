import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/init-backend';
import { vgg16Features } from '../../src/models/vgg16-features';
import { vgg19Features } from '../../src/models/vgg19-features';
import { count } from './helpers';

beforeAll(async () => {
  await initBackend('cpu');
});

it("vgg16Features: torchvision's parameter count and names, LPIPS's tap shapes (floored poolings)", () => {
  const net = vgg16Features();
  expect(count(net.trainableWeights)).toBe(14_714_688); // sum(p.numel() for p in vgg16().features.parameters())
  expect(net.layers.filter((l) => l.getWeights().length > 0).map((l) => l.name)).toEqual(
    [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28].map((i) => `features.${i}`),
  );
  // The taps are features.3, .8, .15, .22 and .29: relu1_2, relu2_2, relu3_3, relu4_3, relu5_3.
  expect(net.outputs.map((o) => o.sourceLayer.name)).toEqual([
    'features.3',
    'features.8',
    'features.15',
    'features.22',
    'features.29',
  ]);
  const small = vgg16Features({ filters: [2, 3, 4, 5, 6], seed: 1 });
  const taps = small.predict(tf.zeros([1, 24, 37, 3])) as tf.Tensor[];
  expect(taps.map((t) => t.shape)).toEqual([
    [1, 24, 37, 2],
    [1, 12, 18, 3],
    [1, 6, 9, 4],
    [1, 3, 4, 5],
    [1, 1, 2, 6],
  ]);
  tf.dispose(taps);
  // Seeded: the same weights twice; another seed, others.
  const w = small.getWeights()[0]!.dataSync();
  expect(
    vgg16Features({ filters: [2, 3, 4, 5, 6], seed: 1 })
      .getWeights()[0]!
      .dataSync(),
  ).toEqual(w);
  expect(
    vgg16Features({ filters: [2, 3, 4, 5, 6], seed: 2 })
      .getWeights()[0]!
      .dataSync(),
  ).not.toEqual(w);
});

it('vgg19Features is the same builder: relu1_1 … relu5_1 taps, 12,944,960 parameters', () => {
  const net = vgg19Features();
  expect(count(net.trainableWeights)).toBe(12_944_960);
  expect(net.outputs.map((o) => o.sourceLayer.name)).toEqual([
    'features.1',
    'features.6',
    'features.11',
    'features.20',
    'features.29',
  ]);
});

it('vgg16Features and vgg19Features reject bad arguments, naming themselves', () => {
  for (const [name, build] of [
    ['vgg16Features', vgg16Features],
    ['vgg19Features', vgg19Features],
  ] as const) {
    expect(() => build(null as never)).toThrow(new RegExp(`${name}: args must be an options object`));
    expect(() => build({ filters: [1, 2] as never })).toThrow(
      new RegExp(`${name}: filters must be an array of 5 positive integers`),
    );
    expect(() => build({ filters: [1, 2, 3, 4, 0] })).toThrow(new RegExp(`${name}: filters\\[4\\] must be an integer`));
    expect(() => build({ inputShape: [15, 64] })).toThrow(
      new RegExp(`${name}: inputShape must be at least \\[16, 16\\]`),
    );
    expect(() => build({ seed: 1.5 })).toThrow(new RegExp(`${name}: seed must be an integer`));
  }
});
