// The harness itself is checked on built-in tfjs layers, so its failures point at the harness.
import * as tfl from '@tensorflow/tfjs-layers';
import { describeBackends } from './backends';
import { runLayerConformance } from './layer-conformance';

describeBackends('layer conformance harness on tfjs Conv2D', () => {
  runLayerConformance({
    make: () => tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }),
    inputShape: [2, 6, 6, 3],
    expectedOutputShape: [2, 6, 6, 4],
    trainableWeights: 2,
  });
});

describeBackends('layer conformance harness on tfjs BatchNormalization', () => {
  runLayerConformance({
    make: () => tfl.layers.batchNormalization({}),
    inputShape: [2, 4, 4, 3],
    expectedOutputShape: [2, 4, 4, 3],
    trainableWeights: 2,
    nonTrainableWeights: 2,
    trainingInGradientCheck: true,
    reloadTolerance: 1e-6,
  });
});
