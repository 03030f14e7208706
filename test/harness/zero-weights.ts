/**
 * Builds networks whose every weight starts as zeros instead of its initializer's draw, for tests
 * that only read weight shapes (parameter counts, state-dict layouts) of networks with tens of
 * millions of parameters: seeded random initializers cost about as much as the rest of such a
 * test. Shapes and counts do not depend on the initializer.
 */
import * as tfl from '@tensorflow/tfjs-layers';

type AddWeight = (
  this: tfl.layers.Layer,
  name: string,
  shape: tfl.Shape,
  dtype?: unknown,
  initializer?: unknown,
  ...rest: unknown[]
) => tfl.LayerVariable;

/**
 * Runs `build` with `Layer.addWeight` handing every layer a zeros initializer (tfjs-layers'
 * own fast path for loading saved models, `fastWeightInitDuringBuild`, does the same), and
 * restores it afterwards. Only weights created inside `build` are affected.
 *
 * @example
 * const model = withZeroWeights(() => glcicContextDiscriminator()); // 39.6M zeros, no random draws
 */
export function withZeroWeights<T>(build: () => T): T {
  const proto = tfl.layers.Layer.prototype as unknown as { addWeight: AddWeight };
  const original = proto.addWeight;
  const zeros = tfl.initializers.zeros();
  proto.addWeight = function (name, shape, dtype, _initializer, ...rest) {
    return original.call(this, name, shape, dtype, zeros, ...rest);
  };
  try {
    return build();
  } finally {
    proto.addWeight = original;
  }
}
