import * as tf from '@tensorflow/tfjs-core';

/**
 * Comparison kernels whose outputs can sit on a second-order gradient path. tfjs-core 4.22
 * registers no gradient for them (GreaterEqual has one), yet LeakyRelu's gradient is
 * `where(greater(x, 0), dy, alpha * dy)`, so differentiating a LeakyRelu network's input gradient
 * (WGAN-GP) fails with "gradient function not found for Greater".
 */
const COMPARISON_KERNELS = ['Greater', 'Less', 'LessEqual', 'Equal', 'NotEqual'] as const;

let done = false;

/**
 * Registers zero gradients for the comparison kernels that have none. A comparison is piecewise
 * constant, so zero is its exact gradient almost everywhere (PyTorch treats them the same way).
 * Existing gradients are never replaced. Runs once, at the first call (not at import: the
 * package is free of import side effects). @internal
 */
export function ensureComparisonGradients(): void {
  if (done) return;
  for (const kernelName of COMPARISON_KERNELS) {
    if (tf.getGradient(kernelName) !== undefined) continue;
    tf.registerGradient({
      kernelName,
      inputsToSave: ['a', 'b'],
      gradFunc: (_dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [a, b] = saved as [tf.Tensor, tf.Tensor];
        return { a: () => tf.zerosLike(a), b: () => tf.zerosLike(b) };
      },
    });
  }
  done = true;
}
