import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { LeanAdamOptimizer } from '../../../src/training/internal/lean-adam';
import { describeBackends } from '../../harness/backends';

describeBackends('LeanAdamOptimizer', () => {
  it('takes the same steps as tf.train.adam and saves the same state, without leaking', async () => {
    const init = [tf.randomNormal([3, 4], 0, 1, 'float32', 1), tf.randomNormal([5], 0, 1, 'float32', 2)];
    const run = async (opt: tf.AdamOptimizer) => {
      const vars = init.map((t) => tf.variable(t));
      const loss = () => tf.addN(vars.map((v, i) => tf.sum(tf.mul(tf.square(tf.sub(v, i + 0.5)), i + 1)))) as tf.Scalar;
      for (let s = 0; s < 3; s++) {
        const before = tf.memory().numTensors;
        const { value, grads } = tf.variableGrads(loss, vars);
        opt.applyGradients(grads as unknown as Parameters<tf.AdamOptimizer["applyGradients"]>[0]);
        tf.dispose([value, ...Object.values(grads)]);
        // Slots appear on the first step only (two per variable).
        if (s > 0) expect(tf.memory().numTensors).toBe(before);
      }
      const values = await Promise.all(vars.map((v) => v.data()));
      const state = await opt.getWeights();
      const stateValues = await Promise.all(state.map((w) => w.tensor.data()));
      const names = state.map((w) => w.name);
      state[0]!.tensor.dispose();
      tf.dispose(vars);
      return { values, stateValues, names };
    };
    const stock = tf.train.adam(0.1, 0.5, 0.999, 1e-8);
    const lean = new LeanAdamOptimizer(0.1, 0.5, 0.999, 1e-8);
    const a = await run(stock);
    const b = await run(lean);
    // Variable names are auto-numbered; the slot suffixes and order must agree.
    const suffixes = (names: string[]) => names.map((n) => n.replace(/^[^/]*/, ''));
    expect(suffixes(b.names)).toEqual(suffixes(a.names));
    for (const [i, v] of a.values.entries()) {
      for (let j = 0; j < v.length; j++) expect(Math.abs(b.values[i]![j]! - v[j]!)).toBeLessThanOrEqual(1e-6);
    }
    for (const [i, v] of a.stateValues.entries()) {
      for (let j = 0; j < v.length; j++) expect(Math.abs(b.stateValues[i]![j]! - v[j]!)).toBeLessThanOrEqual(1e-6);
    }
    expect(lean.getClassName()).toBe('Adam');
    stock.dispose();
    lean.dispose();
    tf.dispose(init);
  });
});
