// DilatedConv2D, the builders' helper for PyTorch's nn.Conv2d with dilation (GLCIC).
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { DilatedConv2D } from '../../../src/layers/internal/dilated-conv2d';
import { dilatedConv2d } from '../../../src/ops/dilated-conv2d';
import { describeBackends } from '../../harness/backends';
import { runLayerConformance } from '../../harness/layer-conformance';

describeBackends('DilatedConv2D', () => {
  runLayerConformance({
    make: () => new DilatedConv2D({ filters: 4, kernelSize: 3, dilationRate: 2, padding: 2 }),
    inputShape: [2, 7, 6, 3],
    expectedOutputShape: [2, 7, 6, 4],
    trainableWeights: 2,
  });

  it("computes ops.dilatedConv2d with PyTorch's symmetric padding, plus the bias", async () => {
    const layer = new DilatedConv2D({
      filters: 2,
      kernelSize: 3,
      dilationRate: 4,
      padding: 3,
      biasInitializer: 'ones',
    });
    const x = tf.randomUniform([1, 9, 8, 3], -1, 1, 'float32', 4) as tf.Tensor4D;
    const y = layer.apply(x) as tf.Tensor;
    // h' = 9 + 6 - 8 = 7, w' = 8 + 6 - 8 = 6.
    expect(y.shape).toEqual([1, 7, 6, 2]);
    const kernel = layer.getWeights()[0]! as tf.Tensor4D;
    const want = tf.add(
      dilatedConv2d(
        x,
        kernel,
        [1, 1],
        [
          [3, 3],
          [3, 3],
        ],
        [4, 4],
      ),
      1,
    );
    const d = tf.max(tf.abs(tf.sub(y, want))).dataSync()[0]!;
    expect(d).toBeLessThan(1e-6);
    tf.dispose([x, y, want]);
    layer.dispose();
  });

  it('refuses strides with a dilation, naming the class', () => {
    expect(() => new DilatedConv2D({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 })).toThrow(
      /DilatedConv2D: strides \[2, 2\] must be 1 when dilationRate \[2, 2\] exceeds 1/,
    );
    expect(() => new DilatedConv2D({ filters: 2, kernelSize: 3, padding: -1 })).toThrow(/DilatedConv2D: padding/);
  });
});
