import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { ReflectionPadding2D, reflectionPadding2d } from '../../src/layers/reflection-padding2d';
import { describeBackends } from '../harness/backends';
import { maxAbsDiff } from '../harness/compare';
import { expectFiniteDifferences } from '../harness/finite-differences';
import { expectSequentialSaveLoad, runLayerConformance } from '../harness/layer-conformance';

interface PadCase {
  name: string;
  padding: [[number, number], [number, number]];
  xShape: number[];
  x: number[];
  yShape: number[];
  y: number[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/layers/reflection_padding2d.json', import.meta.url), 'utf8'),
) as { cases: PadCase[] };

describeBackends('ReflectionPadding2D', () => {
  runLayerConformance({
    make: () =>
      reflectionPadding2d({
        padding: [
          [1, 2],
          [2, 0],
        ],
      }),
    inputShape: [2, 4, 5, 3],
    expectedOutputShape: [2, 7, 7, 3],
    trainableWeights: 0,
  });

  it('matches torch.nn.ReflectionPad2d exactly', async () => {
    expect(fixture.cases.length).toBeGreaterThan(0);
    for (const c of fixture.cases) {
      const layer = new ReflectionPadding2D({ padding: c.padding });
      const x = tf.tensor(c.x, c.xShape);
      const expected = tf.tensor(c.y, c.yShape);
      const y = layer.apply(x) as tf.Tensor;
      expect(y.shape, c.name).toEqual(c.yShape);
      // A pure copy of values: no rounding at all.
      expect(await maxAbsDiff(y, expected), c.name).toBe(0);
      tf.dispose([x, expected, y]);
    }
  });

  it('accepts a number, [vertical, horizontal] and [[top, bottom], [left, right]] (the op test checks normalizePadding2d)', () => {
    expect(reflectionPadding2d({ padding: [1, 3] }).computeOutputShape([null, 4, 5, 2])).toEqual([null, 6, 11, 2]);
    expect(
      reflectionPadding2d({
        padding: [
          [0, 1],
          [2, 3],
        ],
      }).computeOutputShape([null, 4, 5, 2]),
    ).toEqual([null, 5, 10, 2]);
    expect(reflectionPadding2d().padding).toEqual([
      [1, 1],
      [1, 1],
    ]);
  });

  it('gradient with respect to the input matches finite differences', async () => {
    // The gradient of a pad is a sum of copies, so central differences of a quadratic loss are
    // exact up to float32 rounding; 1e-2 relative tolerance leaves room for that rounding only.
    const layer = reflectionPadding2d({
      padding: [
        [2, 1],
        [1, 3],
      ],
    });
    const x = tf.variable(tf.randomUniform([1, 4, 5, 2], -1, 1, 'float32', 3));
    const wts = tf.randomUniform([1, 7, 9, 2], 0.5, 1.5, 'float32', 4);
    const loss = (): tf.Scalar => tf.sum(tf.mul(tf.square(layer.apply(x) as tf.Tensor), wts));
    await expectFiniteDifferences(loss, [x], 1e-2, { samples: 8, h: 1e-2 });
    tf.dispose([x, wts]);
  });

  it('trains inside a model (gradient flows through the pad to a conv kernel)', async () => {
    const input = tfl.input({ shape: [4, 4, 2] });
    const conv = tfl.layers.conv2d({ filters: 1, kernelSize: 3, padding: 'valid', useBias: false });
    const out = conv.apply(reflectionPadding2d({ padding: 1 }).apply(input)) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    expect(model.outputs[0]!.shape).toEqual([null, 4, 4, 1]);
    const x = tf.randomUniform([1, 4, 4, 2], -1, 1, 'float32', 5);
    const xv = tf.variable(x);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(model.apply(xv) as tf.Tensor)) as tf.Scalar, [xv]);
    const g = grads[xv.name]!;
    expect(g.shape).toEqual([1, 4, 4, 2]);
    expect((await tf.sum(tf.abs(g)).data())[0]).toBeGreaterThan(0);
    tf.dispose([x, xv, value, g]);
    model.dispose();
  });

  it('works as the first layer of tf.sequential (inputShape) and survives save/load', async () => {
    await expectSequentialSaveLoad(() => reflectionPadding2d({ padding: 2, inputShape: [5, 6, 3] }), [5, 6, 3]);
  });

  it('rejects bad arguments and inputs with clear errors', () => {
    expect(() => reflectionPadding2d({ padding: -1 })).toThrow(/ReflectionPadding2D: padding must be .* got -1/);
    expect(() => reflectionPadding2d({ padding: 1.5 })).toThrow(/ReflectionPadding2D: padding .* got 1.5/);
    expect(() => reflectionPadding2d({ padding: [1, 2, 3] as never })).toThrow(
      /ReflectionPadding2D: padding .* got \[1,2,3\]/,
    );
    // Padding must be smaller than the dimension (torch raises too).
    const x = tf.zeros([1, 3, 5, 1]);
    expect(() => reflectionPadding2d({ padding: 3 }).apply(x)).toThrow(
      /ReflectionPadding2D: reflect padding \[\[3,3\],\[3,3\]\] must be smaller than the input height 3/,
    );
    const x3 = tf.zeros([3, 5, 1]);
    expect(() => reflectionPadding2d({ padding: 1 }).apply(x3)).toThrow(
      /ReflectionPadding2D: expected a rank-4 NHWC input, got shape \[3, 5, 1\]/,
    );
    expect(() => reflectionPadding2d({ padding: 1 }).apply(tfl.input({ shape: [5, 1] }))).toThrow(
      /ReflectionPadding2D: expected a rank-4 NHWC input, got shape \[null, 5, 1\]/,
    );
    tf.dispose([x, x3]);
  });
});
