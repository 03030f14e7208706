// gatedActivation against DeepFill's gen_conv gating computed with torch (all six activations),
// with autograd gradients; the list of activation names; argument errors.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { GATED_ACTIVATIONS, gatedActivation, type GatedActivationName } from '../../src/ops';
import { describeBackends } from '../harness/backends';
import { loadOpFixture, runOpGoldens } from '../harness/op-conformance';

const fixture = loadOpFixture('gated-activation.json');

describeBackends('gatedActivation', () => {
  runOpGoldens({
    op: 'gatedActivation',
    cases: fixture.cases,
    call: (i, c) => gatedActivation(i.x!, c.options.activation as GatedActivationName),
    tolerance: 1e-6,
  });

  it('the fixture covers every name in GATED_ACTIVATIONS', () => {
    const covered = new Set(fixture.cases.map((c) => c.options.activation));
    expect([...GATED_ACTIVATIONS].sort()).toEqual([...covered].sort());
  });

  it('defaults to elu', async () => {
    const x = tf.randomNormal([2, 4], 0, 1, 'float32', 3);
    const a = gatedActivation(x);
    const b = gatedActivation(x, 'elu');
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    tf.dispose([x, a, b]);
  });

  it('rejects an odd last axis and unknown activations with Errors naming the argument', () => {
    const odd = tf.zeros([2, 3]);
    const even = tf.zeros([2, 4]);
    expect(() => gatedActivation(odd)).toThrow(
      /gatedActivation: the last axis of x must have an even size, got shape \[2, 3\]/,
    );
    expect(() => gatedActivation(even, 'gelu' as GatedActivationName)).toThrow(
      /gatedActivation: unknown activation "gelu"; valid: elu, relu, leakyRelu, tanh, sigmoid, linear/,
    );
    tf.dispose([odd, even]);
  });
});
