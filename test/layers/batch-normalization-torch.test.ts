import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { type BatchNormalizationTorch, batchNormalizationTorch } from '../../src/layers/batch-normalization-torch';
import { describeBackends } from '../harness/backends';
import { maxAbsDiff } from '../harness/compare';
import { expectFiniteDifferences, trainableVariables } from '../harness/finite-differences';
import { expectSequentialSaveLoad, runLayerConformance } from '../harness/layer-conformance';

interface BnStep {
  x: number[];
  y: number[];
  movingMean: number[];
  movingVariance: number[];
  r?: number[];
  dx?: number[];
  dgamma?: number[];
  dbeta?: number[];
}

interface BnCase {
  name: string;
  center: boolean;
  scale: boolean;
  momentum: number;
  epsilon: number;
  xShape: number[];
  gamma: number[];
  beta: number[];
  train: BnStep[];
  evalX: number[];
  evalY: number[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/layers/batch_normalization_torch.json', import.meta.url), 'utf8'),
) as { cases: BnCase[] };

function layerArgs(c: BnCase) {
  return { center: c.center, scale: c.scale, momentum: c.momentum, epsilon: c.epsilon };
}

/** Sets gamma/beta (whichever exist) to the case's values; moving statistics keep their init. */
function setAffine(layer: BatchNormalizationTorch, c: BnCase): void {
  const values: tf.Tensor[] = [];
  if (c.scale) values.push(tf.tensor1d(c.gamma));
  if (c.center) values.push(tf.tensor1d(c.beta));
  layer.trainableWeights.forEach((w, i) => w.write(values[i]!));
  tf.dispose(values);
}

async function expectRunningStats(
  layer: BatchNormalizationTorch,
  step: BnStep,
  label: string,
  tol = 1e-5,
): Promise<void> {
  const mean = layer.nonTrainableWeights[0]!.read();
  const variance = layer.nonTrainableWeights[1]!.read();
  expect(await maxAbsDiff(mean, step.movingMean), `${label} moving_mean`).toBeLessThanOrEqual(tol);
  expect(await maxAbsDiff(variance, step.movingVariance), `${label} moving_variance`).toBeLessThanOrEqual(tol);
}

describeBackends('BatchNormalizationTorch', () => {
  runLayerConformance({
    make: () => batchNormalizationTorch(),
    inputShape: [2, 4, 3, 3],
    expectedOutputShape: [2, 4, 3, 3],
    trainableWeights: 2,
    nonTrainableWeights: 2,
    trainingInGradientCheck: true,
  });
  runLayerConformance({
    make: () => batchNormalizationTorch({ center: false, scale: false }),
    inputShape: [2, 4, 3, 3],
    expectedOutputShape: [2, 4, 3, 3],
    trainableWeights: 0,
    nonTrainableWeights: 2,
    trainingInGradientCheck: true,
  });

  it('weights are named gamma, beta, moving_mean, moving_variance (in that order)', () => {
    const layer = batchNormalizationTorch();
    tf.tidy(() => {
      layer.apply(tf.zeros([1, 2, 2, 3]));
    });
    expect(layer.weights.map((w) => w.originalName.split('/').pop())).toEqual([
      'gamma',
      'beta',
      'moving_mean',
      'moving_variance',
    ]);
    expect(layer.trainableWeights.map((w) => w.originalName.split('/').pop())).toEqual(['gamma', 'beta']);
    const partial = batchNormalizationTorch({ scale: false });
    tf.tidy(() => {
      partial.apply(tf.zeros([1, 2, 2, 3]));
    });
    expect(partial.weights.map((w) => w.originalName.split('/').pop())).toEqual([
      'beta',
      'moving_mean',
      'moving_variance',
    ]);
    layer.dispose();
    partial.dispose();
  });

  it('training calls match torch.nn.BatchNorm2d: outputs, running statistics after each call, eval output', async () => {
    expect(fixture.cases.length).toBeGreaterThan(0);
    for (const c of fixture.cases) {
      const layer = batchNormalizationTorch(layerArgs(c));
      tf.tidy(() => {
        layer.apply(tf.zeros(c.xShape));
      });
      setAffine(layer, c);
      for (const [i, step] of c.train.entries()) {
        const x = tf.tensor(step.x, c.xShape);
        const y = layer.apply(x, { training: true }) as tf.Tensor;
        expect(await maxAbsDiff(y, step.y), `${c.name} step ${i} y`).toBeLessThanOrEqual(1e-5);
        await expectRunningStats(layer, step, `${c.name} step ${i}`);
        tf.dispose([x, y]);
      }
      const xe = tf.tensor(c.evalX, c.xShape);
      const ye = layer.apply(xe) as tf.Tensor; // inference is the default
      expect(await maxAbsDiff(ye, c.evalY), `${c.name} eval`).toBeLessThanOrEqual(1e-5);
      // Inference must not touch the running statistics.
      await expectRunningStats(layer, c.train[c.train.length - 1]!, `${c.name} after eval`);
      tf.dispose([xe, ye]);
      layer.dispose();
    }
  });

  it('training-mode gradients match torch (input, gamma, beta; max abs diff <= 1e-4)', async () => {
    // As for instance norm: the backward pass subtracts means of products, costing float32 about
    // one digit more than the forward pass.
    for (const c of fixture.cases) {
      const step = c.train[0]!;
      const layer = batchNormalizationTorch(layerArgs(c));
      tf.tidy(() => {
        layer.apply(tf.zeros(c.xShape));
      });
      setAffine(layer, c);
      const x = tf.variable(tf.tensor(step.x, c.xShape));
      const r = tf.tensor(step.r!, c.xShape);
      const vars = trainableVariables(layer);
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.mul(layer.apply(x, { training: true }) as tf.Tensor, r)) as tf.Scalar,
        [x, ...vars],
      );
      expect(await maxAbsDiff(grads[x.name]!, step.dx!), `${c.name} dx`).toBeLessThanOrEqual(1e-4);
      const expectedWeightGrads = [...(c.scale ? [step.dgamma!] : []), ...(c.center ? [step.dbeta!] : [])];
      for (const [i, v] of vars.entries()) {
        expect(await maxAbsDiff(grads[v.name]!, expectedWeightGrads[i]!), `${c.name} ${v.name}`).toBeLessThanOrEqual(
          1e-4,
        );
      }
      // The gradient pass is a training call too: the running statistics moved exactly once.
      await expectRunningStats(layer, step, `${c.name} after variableGrads`);
      tf.dispose([x, r, value, ...Object.values(grads)]);
      layer.dispose();
    }
  });

  it('training-mode gradients match finite differences (input, gamma, beta)', async () => {
    // Central differences, h = 1e-2, 8 coordinates, relative tolerance 2e-2 (float32, loss of
    // order 1; see the finite-difference helper). The running statistics change on every call
    // but do not enter the training-mode output, so the loss is a pure function of the target.
    const layer = batchNormalizationTorch();
    const x = tf.variable(tf.randomUniform([3, 3, 2, 2], -1, 1, 'float32', 31));
    // Zero-mean weights keep |L| small (sum(y^2) alone is ~ n*h*w after normalisation), which
    // keeps float32 rounding of L (~1e-7 |L| / h) well below the gradients being checked.
    const r = tf.randomUniform([3, 3, 2, 2], -1, 1, 'float32', 32);
    tf.tidy(() => {
      layer.apply(x);
    });
    layer.setWeights([tf.tensor1d([1.3, 0.7]), tf.tensor1d([0.2, -0.4]), tf.zeros([2]), tf.ones([2])]);
    const loss = (): tf.Scalar => tf.sum(tf.mul(tf.square(layer.apply(x, { training: true }) as tf.Tensor), r));
    await expectFiniteDifferences(loss, [x, ...trainableVariables(layer)], 2e-2, { samples: 8, h: 1e-2 });
    tf.dispose([x, r]);
    layer.dispose();
  });

  it('running statistics update inside a model in a custom loop (variableGrads + applyGradients)', async () => {
    const c = fixture.cases[0]!;
    const input = tfl.input({ shape: c.xShape.slice(1) });
    const bn = batchNormalizationTorch(layerArgs(c));
    const model = tfl.model({ inputs: input, outputs: bn.apply(input) as tfl.SymbolicTensor });
    setAffine(bn, c);
    const opt = tf.train.sgd(0.01);
    const vars = trainableVariables(bn);
    const before = tf.memory().numTensors;
    for (const step of c.train) {
      const x = tf.tensor(step.x, c.xShape);
      const { value, grads } = tf.variableGrads(
        () => tf.mean(tf.square(model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar,
        vars,
      );
      opt.applyGradients(grads);
      tf.dispose([x, value, ...Object.values(grads)]);
    }
    // The running statistics depend only on the inputs, so they match torch although gamma and
    // beta were trained.
    await expectRunningStats(bn, c.train[c.train.length - 1]!, 'custom loop');
    // One optimizer slot-free step (SGD) per iteration: nothing else may accumulate.
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    model.dispose();
  });

  it('running statistics update in model.fit; eval output then equals torch eval', async () => {
    const c = fixture.cases[0]!;
    const [n] = c.xShape as [number];
    const input = tfl.input({ shape: c.xShape.slice(1) });
    const bn = batchNormalizationTorch(layerArgs(c));
    const model = tfl.model({ inputs: input, outputs: bn.apply(input) as tfl.SymbolicTensor });
    setAffine(bn, c);
    // Learning rate 0 keeps gamma/beta at torch's values, so the eval output is comparable too.
    model.compile({ optimizer: tf.train.sgd(0), loss: 'meanSquaredError' });
    const xs = tf.concat(c.train.map((s) => tf.tensor(s.x, c.xShape)));
    const ys = tf.zerosLike(xs);
    await model.fit(xs, ys, { batchSize: n, epochs: 1, shuffle: false, verbose: 0 });
    await expectRunningStats(bn, c.train[c.train.length - 1]!, 'model.fit');
    const xe = tf.tensor(c.evalX, c.xShape);
    const ye = model.predict(xe) as tf.Tensor;
    expect(await maxAbsDiff(ye, c.evalY), 'eval after fit').toBeLessThanOrEqual(1e-5);
    tf.dispose([xs, ys, xe, ye]);
    model.dispose();
  });

  it('works as the first layer of tf.sequential (inputShape) and survives save/load', async () => {
    await expectSequentialSaveLoad(
      () => batchNormalizationTorch({ gammaInitializer: 'glorotUniform', inputShape: [5, 6, 3] }),
      [5, 6, 3],
    );
  });

  it('rejects bad arguments and inputs with clear errors', () => {
    expect(() => batchNormalizationTorch({ momentum: 0 })).toThrow(
      /BatchNormalizationTorch: momentum must be in \(0, 1\] .*got 0/,
    );
    expect(() => batchNormalizationTorch({ momentum: 0.99 + 1 })).toThrow(
      /BatchNormalizationTorch: momentum .*got 1.99/,
    );
    expect(() => batchNormalizationTorch({ epsilon: -1e-5 })).toThrow(
      /BatchNormalizationTorch: epsilon must be .*got -0.00001/,
    );
    expect(() => batchNormalizationTorch({ scale: 1 as never })).toThrow(
      /BatchNormalizationTorch: scale must be a boolean, got 1/,
    );
    const x3 = tf.zeros([2, 3, 4]);
    expect(() => batchNormalizationTorch().apply(x3)).toThrow(
      /BatchNormalizationTorch: expected a rank-4 NHWC input, got shape \[2, 3, 4\]/,
    );
    expect(() => batchNormalizationTorch().apply(tfl.input({ shape: [3, 4] }))).toThrow(
      /BatchNormalizationTorch: expected a rank-4 NHWC input, got shape \[null, 3, 4\]/,
    );
    const single = tf.zeros([1, 1, 1, 3]);
    expect(() => batchNormalizationTorch().apply(single, { training: true })).toThrow(
      /batchNormTorchTraining: expected more than 1 value per channel in training, got input shape \[1, 1, 1, 3\]/,
    );
    tf.dispose([x3, single]);
  });
});
