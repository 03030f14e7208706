import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { GatedConv2D, gatedConv2d } from '../../src/layers/gated-conv2d';
import { GatedUpsample2D, gatedUpsample2d } from '../../src/layers/gated-upsample2d';
import { describeBackends } from '../harness/backends';
import { maxAbsDiff } from '../harness/compare';
import { expectFiniteDifferences, trainableVariables } from '../harness/finite-differences';
import { runLayerConformance } from '../harness/layer-conformance';

interface GatedCase {
  name: string;
  upsample: boolean;
  filters: number;
  kernelSize: number;
  strides: number;
  dilationRate: number;
  activation: 'elu' | 'relu' | 'tanh' | null;
  padding: 'same' | 'valid';
  useBias: boolean;
  xShape: number[];
  x: number[];
  kernelShape: number[];
  kernel: number[];
  bias: number[] | null;
  yShape: number[];
  y: number[];
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/layers/gated_conv2d.json', import.meta.url), 'utf8')) as {
  cases: GatedCase[];
};

function makeFromCase(c: GatedCase): GatedConv2D {
  const common = {
    filters: c.filters,
    kernelSize: c.kernelSize,
    dilationRate: c.dilationRate,
    activation: c.activation,
    padding: c.padding,
    useBias: c.useBias,
  };
  return c.upsample ? gatedUpsample2d(common) : gatedConv2d({ ...common, strides: c.strides });
}

/** Loads each fixture case's weights into a fresh layer and compares the output with PyTorch's. */
async function expectGoldenCases(upsample: boolean): Promise<void> {
  const cases = fixture.cases.filter((k) => k.upsample === upsample);
  expect(cases.length).toBeGreaterThan(0);
  for (const c of cases) {
    const layer = makeFromCase(c);
    expect(layer).toBeInstanceOf(upsample ? GatedUpsample2D : GatedConv2D);
    const x = tf.tensor(c.x, c.xShape);
    tf.dispose(layer.apply(x) as tf.Tensor); // build
    const weights = [tf.tensor(c.kernel, c.kernelShape), ...(c.bias ? [tf.tensor1d(c.bias)] : [])];
    layer.setWeights(weights);
    const y = layer.apply(x) as tf.Tensor;
    expect(y.shape, c.name).toEqual(c.yShape);
    expect(layer.computeOutputShape(c.xShape).slice(1), c.name).toEqual(c.yShape.slice(1));
    expect(await maxAbsDiff(y, c.y, c.yShape), c.name).toBeLessThanOrEqual(1e-5);
    tf.dispose([x, y, ...weights]);
    layer.dispose();
  }
}

/**
 * A seeded Glorot-uniform kernel initializer: with unseeded weights the finite-difference checks
 * below drew new weights every run, and one run in many put a sampled gradient of about 2e-3
 * within float32 rounding noise of the 2e-2 tolerance.
 */
function seededKernel(seed: number) {
  return tfl.initializers.glorotUniform({ seed });
}

/**
 * Central finite differences (h = 1e-2, 6 coordinates, relative tolerance 2e-2) of
 * sum(layer(x) * w) with respect to x and every weight; x ~ N(0, 1) with `seed`, w ~ U(0.5, 1.5)
 * with `seed + 1`.
 */
async function expectGradientsMatchFiniteDifferences(
  layer: GatedConv2D,
  xShape: number[],
  yShape: number[],
  seed: number,
): Promise<void> {
  const x = tf.variable(tf.randomNormal(xShape, 0, 1, 'float32', seed));
  tf.dispose(layer.apply(x) as tf.Tensor);
  const w = tf.randomUniform(yShape, 0.5, 1.5, 'float32', seed + 1);
  const loss = () => tf.tidy(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, w)) as tf.Scalar);
  await expectFiniteDifferences(loss, [x, ...trainableVariables(layer)], 2e-2, { samples: 6, h: 1e-2 });
  tf.dispose([x, w]);
  layer.dispose();
}

describeBackends('GatedConv2D', () => {
  runLayerConformance({
    make: () => gatedConv2d({ filters: 4, kernelSize: 3 }),
    inputShape: [2, 6, 6, 3],
    expectedOutputShape: [2, 6, 6, 4],
    trainableWeights: 2,
  });

  it('matches PyTorch golden values (max abs diff <= 1e-5)', async () => {
    await expectGoldenCases(false);
  });

  it('weights have DeepFill layout: kernel [kh, kw, in, 2 * filters], bias [2 * filters]; raw layer has filters', () => {
    const gated = gatedConv2d({ filters: 24, kernelSize: 5 });
    const x5 = tf.zeros([1, 8, 8, 5]);
    const x12 = tf.zeros([1, 8, 8, 12]);
    tf.dispose(gated.apply(x5) as tf.Tensor);
    expect(gated.weights.map((w) => w.shape)).toEqual([[5, 5, 5, 48], [48]]);
    const raw = gatedConv2d({ filters: 3, kernelSize: 3, activation: null });
    const yRaw = raw.apply(x12) as tf.Tensor;
    expect(yRaw.shape).toEqual([1, 8, 8, 3]);
    tf.dispose([x5, x12, yRaw]);
    expect(raw.weights.map((w) => w.shape)).toEqual([[3, 3, 12, 3], [3]]);
    gated.dispose();
    raw.dispose();
  });

  it('gradients match central finite differences (input and weights)', async () => {
    // Central differences, h = 1e-2, float32: relative error 2e-2 leaves room for float32
    // rounding of the loss (~1e-7 |L| / h) and the O(h^2) truncation of ELU/sigmoid curvature.
    await expectGradientsMatchFiniteDifferences(
      gatedConv2d({ filters: 2, kernelSize: 3, strides: 2, kernelInitializer: seededKernel(3) }),
      [1, 6, 5, 3],
      [1, 3, 3, 2],
      3,
    );
  });

  it('atrous (dilation 4) gradients match central finite differences', async () => {
    // tf.conv2d has no gradient for dilation > 1; the layer goes through dilatedConv2d.
    await expectGradientsMatchFiniteDifferences(
      gatedConv2d({ filters: 2, kernelSize: 3, dilationRate: 4, kernelInitializer: seededKernel(8) }),
      [1, 9, 10, 2],
      [1, 9, 10, 2],
      8,
    );
  });

  it('rejects bad arguments and inputs with clear errors', () => {
    expect(() => gatedConv2d({ filters: 0, kernelSize: 3 })).toThrow(
      /GatedConv2D: filters must be a positive integer, got 0/,
    );
    expect(() => gatedConv2d({ filters: 2, kernelSize: -1 })).toThrow(/GatedConv2D: kernelSize .* got -1/);
    // Not a number or a pair: named in the Error (null and three numbers used to slip through the pair check).
    expect(() => gatedConv2d({ filters: 2, kernelSize: null as never })).toThrow(
      /GatedConv2D: kernelSize must be a positive integer or a pair of them, got null\./,
    );
    expect(() => gatedConv2d({ filters: 2, kernelSize: [3, 3, 3] as never })).toThrow(
      /GatedConv2D: kernelSize .* got \[3,3,3\]/,
    );
    expect(() => gatedConv2d({ filters: 2, kernelSize: 3, padding: 'full' as 'same' })).toThrow(
      /GatedConv2D: padding must be 'same' or 'valid', got "full"/,
    );
    expect(() => gatedConv2d({ filters: 2, kernelSize: 3, activation: 'gelu' as 'elu' })).toThrow(
      /GatedConv2D: unknown activation "gelu"/,
    );
    expect(() => gatedConv2d({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 })).toThrow(
      /GatedConv2D: strides/,
    );
    const layer = gatedConv2d({ filters: 2, kernelSize: 3 });
    const x = tf.zeros([4, 4, 3]);
    expect(() => layer.apply(x)).toThrow(/GatedConv2D: expected a rank-4 NHWC input, got shape \[4, 4, 3\]/);
    x.dispose();
  });
});

describeBackends('GatedUpsample2D', () => {
  runLayerConformance({
    make: () => gatedUpsample2d({ filters: 3 }),
    inputShape: [2, 3, 4, 2],
    expectedOutputShape: [2, 6, 8, 3],
    trainableWeights: 2,
  });

  it('matches PyTorch golden values (max abs diff <= 1e-5)', async () => {
    await expectGoldenCases(true);
  });

  it('gradients match central finite differences (input and weights)', async () => {
    await expectGradientsMatchFiniteDifferences(gatedUpsample2d({ filters: 2 }), [1, 3, 3, 2], [1, 6, 6, 2], 5);
  });

  it('rejects strides other than 1', () => {
    expect(() => new GatedUpsample2D({ filters: 2, strides: 2 } as never)).toThrow(
      /GatedUpsample2D: strides must be 1 .*got 2/,
    );
  });
});
