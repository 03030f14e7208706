// The `seed` option of the network builders: the same seed gives the same weights
// (trainable and running statistics), another seed or none gives others, the distribution is
// still upstream's N(0, 0.02) / N(1, 0.02), and a bad seed is a clear Error.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';
import { gatedInpaintingGenerator } from '../../src/models/gated-inpainting-generator';
import { patchGANDiscriminator } from '../../src/models/patchgan-discriminator';
import { pixelDiscriminator } from '../../src/models/pixel-discriminator';
import { resnetGenerator } from '../../src/models/resnet-generator';
import { snPatchGANDiscriminator } from '../../src/models/sn-patchgan-discriminator';
import { unetGenerator } from '../../src/models/unet-generator';
import { describeBackends } from '../harness/backends';

const BUILDERS: [string, (seed?: unknown) => tfl.LayersModel][] = [
  ['unetGenerator', (seed) => unetGenerator({ ngf: 4, numDowns: 5, seed: seed as number })],
  ['resnetGenerator', (seed) => resnetGenerator({ ngf: 4, nBlocks: 2, norm: 'batch', seed: seed as number })],
  ['patchGANDiscriminator', (seed) => patchGANDiscriminator({ ndf: 4, nLayers: 2, seed: seed as number })],
  ['pixelDiscriminator', (seed) => pixelDiscriminator({ ndf: 4, seed: seed as number })],
  ['gatedInpaintingGenerator', (seed) => gatedInpaintingGenerator({ cnum: 4, seed: seed as number })],
  // Built at a fixed size: the spectral norms' u and v exist only after build.
  [
    'snPatchGANDiscriminator',
    (seed) => snPatchGANDiscriminator({ ndf: 4, inputShape: [64, 64], seed: seed as number }),
  ],
];

/** Whether a weight is a `kind` ('kernel', 'gamma', 'bias'); tfjs suffixes repeated names with _N. */
function isWeight(w: tfl.LayersModel['weights'][number], kind: string): boolean {
  return new RegExp(`/${kind}(_\\d+)?$`).test(w.name);
}

function weightsOf(m: tfl.LayersModel): Float32Array[] {
  return m.weights.map((w) => w.read().dataSync() as Float32Array);
}

function sameWeights(a: Float32Array[], b: Float32Array[]): boolean {
  return a.length === b.length && a.every((w, i) => w.length === b[i]!.length && w.every((v, j) => v === b[i]![j]));
}

describeBackends('model builders: seed', () => {
  for (const [name, build] of BUILDERS) {
    it(`${name}: same seed, same weights; another seed or none, other weights`, () => {
      const before = tf.memory().numTensors;
      const [a, b, c, d, e] = [build(7), build(7), build(8), build(), build()];
      const [wa, wb, wc, wd, we] = [a, b, c, d, e].map(weightsOf);
      expect(sameWeights(wa!, wb!)).toBe(true);
      expect(sameWeights(wa!, wc!)).toBe(false);
      expect(sameWeights(wd!, we!)).toBe(false);
      // Layers of equal shape must not repeat each other's draws within one seeded model.
      const kernels = a.weights.filter((w) => isWeight(w, 'kernel')).map((w) => w.read().dataSync());
      expect(kernels.length).toBeGreaterThan(2);
      for (let i = 1; i < kernels.length; i++) expect(kernels[i]![0]).not.toBe(kernels[i - 1]![0]);
      // Spectral norms: u and v are seeded too (the builder is built at a fixed size).
      if (name === 'snPatchGANDiscriminator') expect(a.weights.filter((w) => isWeight(w, 'u')).length).toBe(6);
      for (const m of [a, b, c, d, e]) m.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });

    it(`${name}: a bad seed throws an Error naming the builder and the value`, () => {
      for (const bad of [1.5, '3', Number.NaN])
        expect(() => build(bad)).toThrow(new RegExp(`${name}: seed must be an integer, got`));
    });
  }

  it('seeded weights keep upstream init_weights(normal, 0.02): kernels N(0, 0.02), BN weight N(1, 0.02), biases 0', () => {
    const g = unetGenerator({ ngf: 16, numDowns: 5, seed: 1 });
    const pick = (suffix: string) =>
      g.weights.filter((w) => isWeight(w, suffix)).flatMap((w) => Array.from(w.read().dataSync()));
    const stats = (v: number[]) => {
      const mean = v.reduce((s, x) => s + x, 0) / v.length;
      return { mean, std: Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length), n: v.length };
    };
    const k = stats(pick('kernel'));
    expect(k.n).toBeGreaterThan(100_000);
    expect(Math.abs(k.mean)).toBeLessThan(1e-3);
    expect(k.std).toBeGreaterThan(0.019);
    expect(k.std).toBeLessThan(0.021);
    const gamma = stats(pick('gamma'));
    expect(Math.abs(gamma.mean - 1)).toBeLessThan(0.01);
    expect(gamma.std).toBeGreaterThan(0.015);
    expect(gamma.std).toBeLessThan(0.025);
    expect(pick('bias').every((v) => v === 0)).toBe(true);
    g.dispose();
  });
});
