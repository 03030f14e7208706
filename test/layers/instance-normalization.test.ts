import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { type InstanceNormalization, instanceNormalization } from '../../src/layers/instance-normalization';
import { instanceNorm } from '../../src/ops';
import { describeBackends } from '../harness/backends';
import { maxAbsDiff } from '../harness/compare';
import { expectFiniteDifferences, trainableVariables } from '../harness/finite-differences';
import { expectSequentialSaveLoad, runLayerConformance } from '../harness/layer-conformance';

interface InCase {
  name: string;
  affine: boolean;
  epsilon: number;
  xShape: number[];
  x: number[];
  r: number[];
  y: number[];
  dx: number[];
  gamma?: number[];
  beta?: number[];
  dgamma?: number[];
  dbeta?: number[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/layers/instance_normalization.json', import.meta.url), 'utf8'),
) as { cases: InCase[] };

function makeFromCase(c: InCase): InstanceNormalization {
  const layer = instanceNormalization({ center: c.affine, scale: c.affine, epsilon: c.epsilon });
  tf.tidy(() => {
    layer.apply(tf.zeros(c.xShape)); // builds the weights (and marks the layer used, so dispose works)
  });
  if (c.affine) layer.setWeights([tf.tensor1d(c.gamma!), tf.tensor1d(c.beta!)]);
  return layer;
}

describeBackends('InstanceNormalization', () => {
  runLayerConformance({
    make: () => instanceNormalization(),
    inputShape: [2, 5, 4, 3],
    expectedOutputShape: [2, 5, 4, 3],
    trainableWeights: 0,
  });
  runLayerConformance({
    make: () => instanceNormalization({ center: true, scale: true, gammaInitializer: 'glorotUniform' }),
    inputShape: [2, 5, 4, 3],
    expectedOutputShape: [2, 5, 4, 3],
    trainableWeights: 2,
    trainingInGradientCheck: true,
  });

  it('matches torch.nn.InstanceNorm2d outputs (max abs diff <= 1e-5)', async () => {
    expect(fixture.cases.length).toBeGreaterThan(0);
    for (const c of fixture.cases) {
      const layer = makeFromCase(c);
      const x = tf.tensor(c.x, c.xShape);
      const expected = tf.tensor(c.y, c.xShape);
      // Same in training and inference: there are no running statistics.
      for (const training of [false, true]) {
        const y = layer.apply(x, { training }) as tf.Tensor;
        expect(await maxAbsDiff(y, expected), `${c.name} training=${training}`).toBeLessThanOrEqual(1e-5);
        y.dispose();
      }
      tf.dispose([x, expected]);
      layer.dispose();
    }
  });

  it('matches torch gradients for input, gamma and beta (max abs diff <= 1e-4)', async () => {
    // Gradients of a normalisation subtract two means of products of size h*w, so float32
    // cancellation costs about one more digit than the forward pass: 1e-4 absolute on values of
    // magnitude ~1-10.
    for (const c of fixture.cases) {
      const layer = makeFromCase(c);
      const x = tf.variable(tf.tensor(c.x, c.xShape));
      const r = tf.tensor(c.r, c.xShape);
      const weights = trainableVariables(layer);
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, r)) as tf.Scalar,
        [x, ...weights],
      );
      const dx = tf.tensor(c.dx, c.xShape);
      expect(await maxAbsDiff(grads[x.name]!, dx), `${c.name} dx`).toBeLessThanOrEqual(1e-4);
      if (c.affine) {
        const dg = tf.tensor1d(c.dgamma!);
        const db = tf.tensor1d(c.dbeta!);
        expect(await maxAbsDiff(grads[weights[0]!.name]!, dg), `${c.name} dgamma`).toBeLessThanOrEqual(1e-4);
        expect(await maxAbsDiff(grads[weights[1]!.name]!, db), `${c.name} dbeta`).toBeLessThanOrEqual(1e-4);
        tf.dispose([dg, db]);
      }
      tf.dispose([x, r, dx, value, ...Object.values(grads)]);
      layer.dispose();
    }
  });

  it('gradients match finite differences (input, gamma, beta)', async () => {
    // Central differences, h = 1e-2, 8 sampled coordinates: the loss is smooth and of order 10,
    // so truncation (O(h^2)) and float32 rounding (~1e-7 * |L| / h) stay well under 2e-2 relative.
    const layer = instanceNormalization({ center: true, scale: true });
    const x = tf.variable(tf.randomUniform([2, 4, 3, 3], -1, 1, 'float32', 11));
    const r = tf.randomUniform([2, 4, 3, 3], 0.5, 1.5, 'float32', 12);
    tf.tidy(() => {
      layer.apply(x);
    });
    layer.setWeights([tf.randomUniform([3], 0.5, 1.5, 'float32', 13), tf.randomUniform([3], -1, 1, 'float32', 14)]);
    // A non-linear loss in y: with sum(y * r) the beta gradient would be trivially constant.
    const loss = (): tf.Scalar => tf.sum(tf.mul(tf.square(layer.apply(x) as tf.Tensor), r));
    await expectFiniteDifferences(loss, [x, ...trainableVariables(layer)], 2e-2, { samples: 8, h: 1e-2 });
    tf.dispose([x, r]);
    layer.dispose();
  });

  it('affine weights train with optimizer.minimize and an explicit variable list', async () => {
    const input = tfl.input({ shape: [4, 4, 2] });
    const norm = instanceNormalization({ center: true, scale: true });
    const model = tfl.model({ inputs: input, outputs: norm.apply(input) as tfl.SymbolicTensor });
    const x = tf.randomNormal([2, 4, 4, 2], 0, 1, 'float32', 21);
    // Target: a rescaled, shifted normalisation, reachable exactly by gamma = 2, beta = -1.
    const target = tf.tidy(() => tf.add(tf.mul(instanceNorm(x as tf.Tensor4D), 2), -1));
    const vars = trainableVariables(norm);
    const opt = tf.train.sgd(0.05);
    const lossFn = (): tf.Scalar =>
      tf.mean(tf.square(tf.sub(model.apply(x, { training: true }) as tf.Tensor, target))) as tf.Scalar;
    const first = opt.minimize(lossFn, true, vars)!;
    const l0 = (await first.data())[0]!;
    let last = first;
    for (let i = 0; i < 60; i++) {
      last.dispose();
      last = opt.minimize(lossFn, true, vars)!;
    }
    const l1 = (await last.data())[0]!;
    expect(l1).toBeLessThan(l0 * 0.05);
    const gamma = Array.from(await vars[0]!.data());
    expect(gamma[0]).toBeCloseTo(2, 1);
    tf.dispose([x, target, last]);
    opt.dispose();
    model.dispose();
  });

  it('works as the first layer of tf.sequential (inputShape) and survives save/load', async () => {
    await expectSequentialSaveLoad(
      () =>
        instanceNormalization({ center: true, scale: true, gammaInitializer: 'glorotUniform', inputShape: [5, 6, 3] }),
      [5, 6, 3],
    );
  });

  it('rejects bad arguments and inputs with clear errors', () => {
    expect(() => instanceNormalization({ epsilon: -1 })).toThrow(/InstanceNormalization: epsilon must be .* got -1/);
    expect(() => instanceNormalization({ center: 'yes' as never })).toThrow(
      /InstanceNormalization: center must be a boolean, got "yes"/,
    );
    expect(() => instanceNormalization({ gammaInitializer: 'nope' as never })).toThrow(
      /InstanceNormalization: unknown gammaInitializer "nope"/,
    );
    const x3 = tf.zeros([2, 4, 3]);
    expect(() => instanceNormalization().apply(x3)).toThrow(
      /InstanceNormalization: expected a rank-4 NHWC input, got shape \[2, 4, 3\]/,
    );
    expect(() => instanceNormalization().apply(tfl.input({ shape: [4, 3] }))).toThrow(
      /InstanceNormalization: expected a rank-4 NHWC input, got shape \[null, 4, 3\]/,
    );
    tf.dispose(x3);
  });
});
