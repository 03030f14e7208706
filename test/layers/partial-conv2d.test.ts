import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { partialConv2d } from '../../src/layers/partial-conv2d';
import { describeBackends } from '../harness/backends';
import { expectScaledClose, maxAbsDiff } from '../harness/compare';
import { expectFiniteDifferences, trainableVariables } from '../harness/finite-differences';
import { runLayerConformance } from '../harness/layer-conformance';

interface PconvCase {
  name: string;
  filters: number;
  kernelSize: number;
  strides: number;
  padding: number;
  dilationRate: number;
  multiChannel: boolean;
  useBias: boolean;
  xShape: number[];
  x: number[];
  maskShape: number[];
  mask: number[];
  kernelShape: number[];
  kernel: number[];
  bias: number[] | null;
  yShape: number[];
  y: number[];
  maskOutShape: number[];
  maskOut: number[];
  lossWeights: number[];
  gradX: number[];
  gradKernel: number[];
  gradBias: number[] | null;
}

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/layers/partial_conv2d.json', import.meta.url), 'utf8'),
) as { cases: PconvCase[] };

/** A binary mask (1 valid, 0 hole) with a hole, seeded. */
function holeMask(shape: number[]): tf.Tensor {
  return tf.tidy(() => tf.cast(tf.greater(tf.randomUniform(shape, 0, 1, 'float32', 9), 0.35), 'float32'));
}

describeBackends('PartialConv2D', () => {
  runLayerConformance({
    make: () => partialConv2d({ filters: 3, kernelSize: 3, padding: 1 }),
    inputShape: [
      [2, 6, 6, 2],
      [2, 6, 6, 1],
    ],
    expectedOutputShape: [
      [2, 6, 6, 3],
      [2, 6, 6, 1],
    ],
    trainableWeights: 2,
    makeInputs: () => [tf.randomUniform([2, 6, 6, 2], -1, 1, 'float32', 1), holeMask([2, 6, 6, 1])],
  });

  runLayerConformance({
    make: () => partialConv2d({ filters: 2, kernelSize: 3, strides: 2, padding: 1, multiChannel: true }),
    inputShape: [
      [1, 6, 5, 3],
      [1, 6, 5, 3],
    ],
    expectedOutputShape: [
      [1, 3, 3, 2],
      [1, 3, 3, 2],
    ],
    trainableWeights: 2,
    makeInputs: () => [tf.randomUniform([1, 6, 5, 3], -1, 1, 'float32', 2), holeMask([1, 6, 5, 3])],
  });

  it('matches the NVIDIA reference (outputs, updated masks, gradients; <= 1e-5)', async () => {
    for (const c of fixture.cases) {
      const layer = partialConv2d({
        filters: c.filters,
        kernelSize: c.kernelSize,
        strides: c.strides,
        padding: c.padding,
        dilationRate: c.dilationRate,
        multiChannel: c.multiChannel,
        useBias: c.useBias,
      });
      const x = tf.variable(tf.tensor(c.x, c.xShape));
      const mask = tf.tensor(c.mask, c.maskShape);
      tf.dispose(layer.apply([x, mask]) as tf.Tensor[]);
      const weights = [tf.tensor(c.kernel, c.kernelShape), ...(c.bias ? [tf.tensor1d(c.bias)] : [])];
      layer.setWeights(weights);
      const [y, m] = layer.apply([x, mask]) as tf.Tensor[];
      expect(await maxAbsDiff(y!, c.y, c.yShape), `${c.name} y`).toBeLessThanOrEqual(1e-5);
      expect(await maxAbsDiff(m!, c.maskOut, c.maskOutShape), `${c.name} mask`).toBeLessThanOrEqual(0);
      expect(layer.computeOutputShape([c.xShape, c.maskShape]).map((s) => (s as number[]).slice(1))).toEqual([
        c.yShape.slice(1),
        c.maskOutShape.slice(1),
      ]);
      const lossW = tf.tensor(c.lossWeights, c.yShape);
      const vars = [x, ...trainableVariables(layer)];
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.mul((layer.apply([x, mask]) as tf.Tensor[])[0]!, lossW)) as tf.Scalar,
        vars,
      );
      const expected = [c.gradX, c.gradKernel, ...(c.gradBias ? [c.gradBias] : [])];
      for (let i = 0; i < vars.length; i++) {
        // Gradients are sums over up to N*H'*W'*C float32 products (|g| up to ~30): compare with
        // 1e-5 relative to the largest entry.
        await expectScaledClose(grads[vars[i]!.name]!, expected[i]!, 1e-5, `${c.name} grad ${i}`);
      }
      tf.dispose([x, mask, y!, m!, lossW, value, ...Object.values(grads), ...weights]);
      layer.dispose();
    }
  });

  it('without holes equals a zero-padded conv renormalised at the borders (corner ratio 9/4 for 3x3)', async () => {
    const layer = partialConv2d({ filters: 1, kernelSize: 3, padding: 1, useBias: false, kernelInitializer: 'ones' });
    const x = tf.ones([1, 4, 4, 1]);
    const [y, m] = layer.apply([x, tf.onesLike(x)]) as tf.Tensor[];
    // Every window sums its valid ones and is rescaled to 9 valid pixels.
    expect(Array.from(await y!.data()).every((v) => Math.abs(v - 9) < 1e-5)).toBe(true);
    expect(Array.from(await m!.data()).every((v) => v === 1)).toBe(true);
    tf.dispose([x, y!, m!]);
    layer.dispose();
  });

  it('gradients match central finite differences (image and weights)', async () => {
    // The output is linear in the image and the weights for a fixed mask, so central differences
    // are exact up to float32 rounding; rel tol 2e-2 with h = 1e-2 as for the other layers.
    // Seeded weights: the check is the same every run.
    const layer = partialConv2d({
      filters: 2,
      kernelSize: 3,
      padding: 1,
      strides: 2,
      kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }),
    });
    const x = tf.variable(tf.randomNormal([1, 5, 6, 2], 0, 1, 'float32', 4));
    const mask = holeMask([1, 5, 6, 1]);
    tf.dispose(layer.apply([x, mask]) as tf.Tensor[]);
    const w = tf.randomUniform([1, 3, 3, 2], 0.5, 1.5, 'float32', 5);
    const loss = () => tf.tidy(() => tf.sum(tf.mul((layer.apply([x, mask]) as tf.Tensor[])[0]!, w)) as tf.Scalar);
    await expectFiniteDifferences(loss, [x, ...trainableVariables(layer)], 2e-2, { samples: 6, h: 1e-2 });
    tf.dispose([x, mask, w]);
    layer.dispose();
  });

  it('rejects bad arguments and inputs with clear errors', () => {
    expect(() => partialConv2d({ filters: -2, kernelSize: 3 })).toThrow(
      /PartialConv2D: filters must be a positive integer, got -2/,
    );
    expect(() => partialConv2d({ filters: 2, kernelSize: 3, padding: -1 })).toThrow(
      /PartialConv2D: padding must be a non-negative integer .*got -1/,
    );
    const layer = partialConv2d({ filters: 2, kernelSize: 3, padding: 1 });
    const x = tf.zeros([1, 6, 6, 3]);
    const badMask = tf.ones([1, 5, 6, 1]);
    expect(() => layer.apply([x, badMask])).toThrow(
      /PartialConv2D: the mask's batch and spatial size \[1, 5, 6\] differ from the image's \[1, 6, 6\]/,
    );
    const layer2 = partialConv2d({ filters: 2, kernelSize: 3, padding: 1 });
    const threeChannelMask = tf.ones([1, 6, 6, 3]);
    expect(() => layer2.apply([x, threeChannelMask])).toThrow(
      /PartialConv2D: mask must have 1 channel\(s\) \(multiChannel false\), got 3/,
    );
    const layer3 = partialConv2d({ filters: 2, kernelSize: 3 });
    expect(() => layer3.apply(x)).toThrow(/PartialConv2D: expected two inputs \[image, mask\]/);
    tf.dispose([x, badMask, threeChannelMask]);
  });
});
