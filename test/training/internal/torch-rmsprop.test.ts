// TorchRmspropOptimizer: torch.optim.RMSprop's update (v <- a v + (1 - a) g^2; w <- w - lr g /
// (sqrt(v) + eps)) against a float64 JavaScript reference, and tfjs's RMSProp state layout.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { TorchRmspropOptimizer } from '../../../src/training/internal/torch-rmsprop';
import { describeBackends } from '../../harness/backends';

describeBackends('TorchRmspropOptimizer', () => {
  it('follows torch.optim.RMSprop (alpha 0.99, eps 1e-8) over three steps, in float64 within 1e-6', async () => {
    const w0 = [0.5, -1.25, 2, 1e-3];
    const grads = [
      [0.1, -0.2, 3, 0],
      [-0.4, 0.05, 1, 1e-6],
      [0.2, 0.2, -2, 0.5],
    ];
    const w = tf.variable(tf.tensor1d(w0));
    const opt = new TorchRmspropOptimizer(5e-3);
    const ref = [...w0];
    const v = w0.map(() => 0);
    for (const g of grads) {
      const gt = tf.tensor1d(g);
      opt.applyGradients({ [w.name]: gt });
      gt.dispose();
      g.forEach((gi, i) => {
        v[i] = 0.99 * v[i]! + 0.01 * gi * gi;
        ref[i] = ref[i]! - (5e-3 * gi) / (Math.sqrt(v[i]!) + 1e-8);
      });
    }
    const got = await w.data();
    ref.forEach((r, i) => expect(Math.abs(got[i]! - r)).toBeLessThan(1e-6));
    const weights = await opt.getWeights();
    expect(weights.map((x) => x.name)).toEqual(['iter', `${w.name}/rms`, `${w.name}/momentum`]);
    expect((await weights[0]!.tensor.data())[0]).toBe(3);
    weights[0]!.tensor.dispose();
    opt.dispose();
    w.dispose();
  });
});
