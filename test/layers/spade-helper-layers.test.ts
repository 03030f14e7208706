// The helper layers the SPADE builders insert: ResizeTorch (PyTorch's nearest / bilinear
// F.interpolate) and AvgPool2DExcludePadding (avg_pool2d k3 s2 p1, count_include_pad=False,
// shared with pix2pixHD's multiscale discriminator). Their
// arithmetic is also covered by the network parity tests (test/models/spade-networks.test.ts).
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { AvgPool2DExcludePadding } from '../../src/layers/internal/avg-pool2d-exclude-padding';
import { ResizeTorch } from '../../src/layers/internal/resize-torch';
import { describeBackends } from '../harness/backends';
import { runLayerConformance } from '../harness/layer-conformance';

describeBackends('SPADE helper layers', () => {
  // Square sizes, batch 1: tfjs-backend-cpu's resize gradients fail otherwise (the builders
  // never differentiate through these layers: they resize network inputs).
  runLayerConformance({
    make: () => new ResizeTorch({ height: 5, width: 5 }),
    inputShape: [1, 9, 9, 2],
    expectedOutputShape: [1, 5, 5, 2],
    trainableWeights: 0,
  });
  runLayerConformance({
    make: () => new ResizeTorch({ height: 8, width: 8, method: 'bilinear' }),
    inputShape: [1, 4, 4, 2],
    expectedOutputShape: [1, 8, 8, 2],
    trainableWeights: 0,
  });
  runLayerConformance({
    make: () => new AvgPool2DExcludePadding(),
    inputShape: [2, 9, 8, 3],
    expectedOutputShape: [2, 5, 4, 3],
    trainableWeights: 0,
  });

  it("AvgPool2DExcludePadding averages only pixels inside the image (PyTorch's count_include_pad=False)", async () => {
    // 3x3 image 1..9: torch.nn.functional.avg_pool2d(x, 3, 2, 1, count_include_pad=False)
    // gives [[3, 4], [6, 7]] (corner windows average 4 pixels: (1+2+4+5)/4 = 3, ...).
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    const y = new AvgPool2DExcludePadding().apply(x) as tf.Tensor;
    expect(Array.from(await y.data())).toEqual([3, 4, 6, 7]);
    tf.dispose([x, y]);
  });

  it("ResizeTorch 'nearest' takes source index floor(i * in / out), as F.interpolate", async () => {
    // 5 -> 3: floor(0), floor(5/3), floor(10/3) = 0, 1, 3.
    const x = tf.tensor4d([0, 1, 2, 3, 4], [1, 1, 5, 1]);
    const y = new ResizeTorch({ height: 1, width: 3 }).apply(x) as tf.Tensor;
    expect(Array.from(await y.data())).toEqual([0, 1, 3]);
    expect(() => new ResizeTorch({ height: 0, width: 3 })).toThrow(
      /ResizeTorch: height must be an integer in \[1, 65536\], got 0/,
    );
    tf.dispose([x, y]);
  });
});
