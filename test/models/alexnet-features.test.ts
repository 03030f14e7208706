import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/init-backend';
import { alexnetFeatures } from '../../src/models/alexnet-features';
import { count } from './helpers';

beforeAll(async () => {
  await initBackend('cpu');
});

it("alexnetFeatures: torchvision's parameter count, names and tap shapes", () => {
  const net = alexnetFeatures({ seed: 1 });
  expect(count(net.trainableWeights)).toBe(2_469_696); // sum(p.numel() for p in alexnet().features.parameters())
  expect(net.layers.filter((l) => l.getWeights().length > 0).map((l) => l.name)).toEqual([
    'features.0',
    'features.3',
    'features.6',
    'features.8',
    'features.10',
  ]);
  const taps = net.predict(tf.zeros([1, 64, 80, 3])) as tf.Tensor[];
  expect(taps.map((t) => t.shape)).toEqual([
    [1, 15, 19, 64],
    [1, 7, 9, 192],
    [1, 3, 4, 384],
    [1, 3, 4, 256],
    [1, 3, 4, 256],
  ]);
  tf.dispose(taps);
  // Seeded: the same weights twice.
  const again = alexnetFeatures({ seed: 1 });
  expect(again.getWeights()[0]!.dataSync()).toEqual(net.getWeights()[0]!.dataSync());
});

it('alexnetFeatures: rejects sizes the poolings cannot take', () => {
  expect(() => alexnetFeatures({ inputShape: [30, 64] })).toThrow(/inputShape must be at least \[31, 31\]/);
  expect(() => alexnetFeatures({ inputShape: [64] as never })).toThrow(/inputShape must be \[height, width\]/);
  expect(() => alexnetFeatures({ seed: 1.5 })).toThrow(/seed/);
});
