// powerIteration / spectralNormEstimate / normalizeVector against torch.nn.utils.spectral_norm
// (torch 1.13): u, v and sigma after 1 and 3 iterations from a stored u, as one training-mode
// forward of a spectral-normalised nn.Linear writes them; the defining property (sigma reaches
// the top singular value of torch.linalg.svdvals, and the largest |d| of a diagonal matrix);
// sigma's gradient (u v^T, torch autograd and central differences); F.normalize; errors.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { normalizeVector, powerIteration, spectralNormEstimate, stopGradient } from '../../src/ops';
import { describeBackends } from '../harness/backends';
import { maxAbsDiff } from '../harness/compare';
import {
  expectOnlyOutputsRemain,
  expectOpFiniteDifferences,
  loadOpFixture,
  logError,
  runOpGoldens,
  type OpFixtureCase,
} from '../harness/op-conformance';

const fixture = loadOpFixture('power-iteration.json');
const cases = fixture.cases as (OpFixtureCase & { singularValues: number[] })[];

describeBackends('powerIteration', () => {
  runOpGoldens({
    op: 'powerIteration',
    cases,
    call: (i, c) => {
      const w = i.w as tf.Tensor2D;
      // u and v carry no gradient (torch iterates under no_grad): sigma's gradient is u v^T.
      const { u, v } = tf.tidy(() =>
        powerIteration(stopGradient(w), i.u as tf.Tensor1D, c.options.iterations as number),
      );
      const sigma = spectralNormEstimate(w, u, v);
      return { sigma, u, v };
    },
    // Unit vectors and sigma ~ 3-7 (float32 ulp ~ 5e-7).
    tolerance: 1e-5,
  });

  it('sigma reaches the top singular value (torch.linalg.svdvals) when iterated long enough for the spectral gap', async () => {
    for (const c of cases) {
      const [s1, s2] = c.singularValues as [number, number];
      // sigma's error shrinks like (s2 / s1)^(2k): k iterations bring it below 1e-9 relative.
      const k = Math.ceil(Math.log(1e-9) / (2 * Math.log(s2 / s1)));
      const w = tf.tensor2d(c.inputs.w!.values, c.inputs.w!.shape as [number, number]);
      const u0 = tf.tensor1d(c.inputs.u!.values);
      const { u, v } = powerIteration(w, u0, k);
      const sigma = spectralNormEstimate(w, u, v);
      const err = Math.abs((await sigma.data())[0]! - s1) / s1;
      logError('powerIteration', c.name, `sigma vs svdvals after ${k} iterations (relative)`, err);
      expect(err, `${c.name}, ${k} iterations`).toBeLessThan(2e-6);
      // u and v stay unit vectors.
      for (const t of [u, v]) expect(Math.abs((await tf.norm(t).data())[0]! - 1)).toBeLessThan(1e-6);
      tf.dispose([w, u0, u, v, sigma]);
    }
  });

  it('of diag(d) converges to max |d| with u, v = +-the matching basis vectors', async () => {
    const w = tf.tensor2d([
      [0.5, 0, 0],
      [0, -3, 0],
      [0, 0, 2],
      [0, 0, 0],
    ]);
    const u0 = normalizeVector(tf.tensor1d([1, 1, 1, 1]));
    const { u, v } = powerIteration(w, u0, 80);
    const sigma = spectralNormEstimate(w, u, v);
    expect((await sigma.data())[0]).toBeCloseTo(3, 5);
    expect(Array.from(await tf.abs(u).data()).map((x) => Math.round(x * 1e4) / 1e4)).toEqual([0, 1, 0, 0]);
    expect(Array.from(await tf.abs(v).data()).map((x) => Math.round(x * 1e4) / 1e4)).toEqual([0, 1, 0]);
    tf.dispose([w, u0, u, v, sigma]);
  });

  it("sigma's gradient with respect to w is u v^T (torch autograd golden, and central differences)", async () => {
    const c = cases[0]!;
    const [h, wd] = c.inputs.w!.shape as [number, number];
    const w = tf.tensor2d(c.inputs.w!.values, [h, wd]);
    const u = tf.tensor1d(c.outputs.u!.values);
    const v = tf.tensor1d(c.outputs.v!.values);
    const g = tf.grad((x: tf.Tensor) => spectralNormEstimate(x as tf.Tensor2D, u, v))(w);
    // The fixture's gradient is that of sigma * w[0], w[0] = 0.5 (the loss weights of make_ops.py).
    const g2 = tf.mul(g, 0.5);
    expect(await maxAbsDiff(g2, c.grads!.w!.values, [h, wd])).toBeLessThanOrEqual(1e-6);
    await expectOpFiniteDifferences(
      'spectralNormEstimate',
      [w],
      ([x]) => spectralNormEstimate(x as tf.Tensor2D, u, v),
      2e-2,
    );
    tf.dispose([w, u, v, g, g2]);
  });

  it('leaves only its outputs, for one and for many iterations', () => {
    const w = tf.randomNormal([6, 4], 0, 1, 'float32', 1) as tf.Tensor2D;
    const u0 = tf.randomNormal([6], 0, 1, 'float32', 2) as tf.Tensor1D;
    for (const n of [1, 25]) {
      expectOnlyOutputsRemain(() => {
        const { u, v } = powerIteration(w, u0, n);
        return [u, v];
      }, `${n} iterations`);
    }
    const v = tf.ones([4]) as tf.Tensor1D;
    expectOnlyOutputsRemain(() => spectralNormEstimate(w, u0, v));
    expectOnlyOutputsRemain(() => normalizeVector(u0));
    tf.dispose([w, u0, v]);
  });

  it('rejects bad iterations and shapes with Errors naming the argument', () => {
    const w = tf.zeros([3, 2]) as tf.Tensor2D;
    const u = tf.zeros([3]) as tf.Tensor1D;
    for (const bad of [0, -1, 1.5, NaN]) {
      expect(() => powerIteration(w, u, bad)).toThrow(/powerIteration: iterations must be a positive integer/);
    }
    const u2 = tf.zeros([2]) as tf.Tensor1D;
    expect(() => powerIteration(w, u2)).toThrow(
      /powerIteration: expected w \[h, w\] and u \[h\], got w \[3, 2\] and u \[2\]/,
    );
    tf.dispose([w, u, u2]);
  });
});

describeBackends('normalizeVector', () => {
  runOpGoldens({
    op: 'normalizeVector',
    // torch's F.normalize(x, dim=0, eps): a random vector, one whose norm is below eps (divided
    // by eps instead), and the zero vector (stays zero).
    cases: fixture.normalizeVector as OpFixtureCase[],
    call: (i, c) => normalizeVector(i.x as tf.Tensor1D, c.options.eps as number),
    tolerance: 1e-7,
  });
});

describeBackends('normalizeVector and spectralNormEstimate input validation', () => {
  it('normalizeVector rejects a non-vector and a bad eps before allocating anything', () => {
    const m = tf.zeros([2, 2]);
    const x = tf.ones([3]) as tf.Tensor1D;
    const n = tf.memory().numTensors;
    expect(() => normalizeVector(m as never)).toThrow(
      /^normalizeVector: x must be rank 1 \[n\], got shape \[2, 2\]\.$/,
    );
    expect(() => normalizeVector(null as never)).toThrow(/normalizeVector: x must be a tf\.Tensor, got null\./);
    expect(() => normalizeVector(x, -1)).toThrow(/normalizeVector: eps must be a finite number >= 0, got -1\./);
    expect(() => normalizeVector(x, Number.NaN)).toThrow(/eps must be a finite number >= 0, got NaN\./);
    expect(tf.memory().numTensors).toBe(n);
    tf.dispose([m, x]);
  });

  it('spectralNormEstimate rejects shapes that are not w [h, w_], u [h], v [w_]', () => {
    const w = tf.zeros([3, 2]) as tf.Tensor2D;
    const u = tf.zeros([3]) as tf.Tensor1D;
    const v = tf.zeros([2]) as tf.Tensor1D;
    const w3 = tf.zeros([3, 2, 1]);
    const n = tf.memory().numTensors;
    expect(() => spectralNormEstimate(w3 as never, u, v)).toThrow(
      /spectralNormEstimate: w must be rank 2 \[h, w\], got shape \[3, 2, 1\]\./,
    );
    expect(() => spectralNormEstimate(w, v, v)).toThrow(
      /spectralNormEstimate: u must have 3 values \(w's rows\) in axis 0, got shape \[2\]\./,
    );
    expect(() => spectralNormEstimate(w, u, u)).toThrow(
      /spectralNormEstimate: v must have 2 values \(w's columns\) in axis 0, got shape \[3\]\./,
    );
    expect(() => spectralNormEstimate(w, w as never, v)).toThrow(
      /spectralNormEstimate: u must be rank 1 \[h\], got shape \[3, 2\]\./,
    );
    expect(() => spectralNormEstimate(w, u, undefined as never)).toThrow(
      /spectralNormEstimate: v must be a tf\.Tensor, got undefined\./,
    );
    expect(tf.memory().numTensors).toBe(n);
    tf.dispose([w, u, v, w3]);
  });
});
