// batchNormTorchTraining / batchNormTorchInference / runningAverageTorch against nn.BatchNorm2d
// (torch 1.13) in training and eval mode: outputs, the batch statistics (biased and unbiased
// variance), the running average the module writes, autograd gradients; argument errors.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { batchNormTorchInference, batchNormTorchTraining, runningAverageTorch } from '../../src/ops';
import { describeBackends } from '../harness/backends';
import { loadOpFixture, runOpGoldens, type OpFixtureCase } from '../harness/op-conformance';

const fixture = loadOpFixture('batch-norm-torch.json');
const ofMode = (mode: string): OpFixtureCase[] => fixture.cases.filter((c) => c.options.mode === mode);

describeBackends('batchNormTorch', () => {
  runOpGoldens({
    op: 'batchNormTorchTraining',
    cases: ofMode('training'),
    call: (i, c) => {
      const r = batchNormTorchTraining(i.x as tf.Tensor4D, {
        gamma: (i.gamma ?? null) as tf.Tensor1D | null,
        beta: (i.beta ?? null) as tf.Tensor1D | null,
        epsilon: c.options.epsilon as number,
      });
      return { y: r.y, mean: r.mean, variance: r.variance, unbiasedVariance: r.unbiasedVariance };
    },
    tolerance: 1e-5,
  });

  runOpGoldens({
    op: 'batchNormTorchInference',
    cases: ofMode('inference'),
    call: (i, c) =>
      batchNormTorchInference(i.x as tf.Tensor4D, i.runningMean as tf.Tensor1D, i.runningVariance as tf.Tensor1D, {
        gamma: (i.gamma ?? null) as tf.Tensor1D | null,
        beta: (i.beta ?? null) as tf.Tensor1D | null,
        epsilon: c.options.epsilon as number,
      }),
    tolerance: 1e-5,
  });

  runOpGoldens({
    op: 'runningAverageTorch',
    cases: ofMode('runningAverage'),
    call: (i, c) => runningAverageTorch(i.running as tf.Tensor1D, i.batch as tf.Tensor1D, c.options.momentum as number),
    tolerance: 1e-6,
  });

  it('the statistics carry no gradient: adding them to the loss changes no gradient', async () => {
    const x = tf.randomNormal([2, 3, 3, 2], 1, 2, 'float32', 7) as tf.Tensor4D;
    const w = tf.randomNormal([2, 3, 3, 2], 0, 1, 'float32', 8);
    const gradOf = (withStats: boolean) =>
      tf.grad((a: tf.Tensor) => {
        const r = batchNormTorchTraining(a as tf.Tensor4D);
        const base = tf.sum(tf.mul(r.y, w));
        return withStats ? tf.add(base, tf.sum(tf.add(tf.add(r.mean, r.variance), r.unbiasedVariance))) : base;
      })(x);
    const [g1, g2] = [gradOf(true), gradOf(false)];
    expect(Array.from(await g1.data())).toEqual(Array.from(await g2.data()));
    tf.dispose([x, w, g1, g2]);
  });

  it('rejects bad arguments and inputs with clear errors', () => {
    const x3 = tf.zeros([2, 3, 4]);
    const single = tf.zeros([1, 1, 1, 3]) as tf.Tensor4D;
    const rm = tf.zeros([4]) as tf.Tensor1D;
    const r3 = tf.zeros([3]) as tf.Tensor1D;
    expect(() => batchNormTorchTraining(x3 as never)).toThrow(/batchNormTorchTraining: expected a rank-4 NHWC input/);
    expect(() => batchNormTorchTraining(single)).toThrow(
      /batchNormTorchTraining: expected more than 1 value per channel in training, got input shape \[1, 1, 1, 3\]/,
    );
    expect(() => batchNormTorchTraining(tf.zeros([2, 1, 1, 3]) as tf.Tensor4D, { gamma: rm })).toThrow(
      /batchNormTorchTraining: gamma must have shape \[3\], got \[4\]/,
    );
    expect(() => batchNormTorchInference(single, rm, rm)).toThrow(
      /batchNormTorchInference: runningMean must have shape \[3\], got \[4\]/,
    );
    expect(() => batchNormTorchInference(single, r3, rm)).toThrow(
      /batchNormTorchInference: runningVariance must have shape \[3\], got \[4\]/,
    );
    expect(() => batchNormTorchInference(single, r3, r3, { epsilon: -1 })).toThrow(
      /batchNormTorchInference: epsilon must be a finite number >= 0, got -1/,
    );
    tf.dispose([x3, single, rm, r3]);
  });
});

describeBackends('runningAverageTorch input validation', () => {
  it('rejects bad shapes and a momentum outside [0, 1] before allocating anything', () => {
    const r = tf.zeros([3]) as tf.Tensor1D;
    const b4 = tf.zeros([4]) as tf.Tensor1D;
    const m = tf.zeros([3, 1]);
    const n = tf.memory().numTensors;
    expect(() => runningAverageTorch(r, b4, 0.1)).toThrow(
      /runningAverageTorch: batch must have 3 values \(running's length\) in axis 0, got shape \[4\]\./,
    );
    expect(() => runningAverageTorch(m as never, r, 0.1)).toThrow(
      /runningAverageTorch: running must be rank 1 \[c\], got shape \[3, 1\]\./,
    );
    expect(() => runningAverageTorch(r, 5 as never, 0.1)).toThrow(
      /runningAverageTorch: batch must be a tf\.Tensor, got 5\./,
    );
    for (const bad of [-0.1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => runningAverageTorch(r, r, bad)).toThrow(
        /runningAverageTorch: momentum must be a finite number in \[0, 1\], got /,
      );
    }
    expect(() => runningAverageTorch(r, r, '0.1' as never)).toThrow(
      /momentum must be a finite number in \[0, 1\], got "0\.1"\./,
    );
    expect(tf.memory().numTensors).toBe(n);
    // Both ends of [0, 1] are accepted: 0 keeps the running value, 1 takes the batch's.
    const keep = runningAverageTorch(r, r, 0);
    const take = runningAverageTorch(r, r, 1);
    tf.dispose([r, b4, m, keep, take]);
  });
});
