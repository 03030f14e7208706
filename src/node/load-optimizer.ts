import * as tf from '@tensorflow/tfjs-core';
import { readWeightFiles, type NamedTensor } from './internal/weight-files';

/** Options of {@link loadOptimizer}. */
export interface LoadOptimizerOptions {
  /**
   * The variables the optimizer will update, in the order passed to `minimize`. When
   * given, the saved slots are checked against their shapes so a changed model fails here
   * instead of during the next step. Default: no check.
   */
  varList?: readonly tf.Variable[];
}

/**
 * Recreates an optimizer saved by {@link saveOptimizer}, with its config and state
 * (iteration count, moments), so the next step equals the step an uninterrupted run
 * would take.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { loadOptimizer, loadVariables } from 'tfjs-synth/node';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend();
 * const { w } = await loadVariables('checkpoints/run1', 'params');
 * const vars = [tf.variable(w)];
 * const opt = await loadOptimizer('checkpoints/run1', 'optimizer_G', { varList: vars });
 * opt.minimize(() => tf.sum(tf.square(vars[0])), false, vars);   // continues where it stopped
 * ```
 * @param name File stem. Default `'optimizer'`.
 * @throws Error naming the file for missing/malformed files, an unknown optimizer class, or
 *   slot shapes that do not match `varList`.
 */
export async function loadOptimizer(
  dir: string,
  name = 'optimizer',
  options: LoadOptimizerOptions = {},
): Promise<tf.Optimizer> {
  const { tensors, metadata } = await readWeightFiles('loadOptimizer', dir, name);
  try {
    const className = metadata?.['className'];
    const config = metadata?.['config'] as tf.serialization.ConfigDict | undefined;
    const entry =
      typeof className === 'string' ? tf.serialization.SerializationMap.getMap().classNameMap[className] : undefined;
    if (entry == null || config == null) {
      throw new Error(
        `loadOptimizer: ${JSON.stringify(name)} in ${JSON.stringify(dir)} names an unknown optimizer class ${JSON.stringify(className)}.`,
      );
    }
    if (options.varList) checkSlots(tensors, options.varList);
    const [cls, fromConfig] = entry;
    const optimizer = fromConfig(cls, config) as tf.Optimizer;
    await optimizer.setWeights(tensors);
    return optimizer;
  } finally {
    // setWeights wraps each tensor in a new variable that shares its data; ours can go.
    tf.dispose(tensors.map((t) => t.tensor));
  }
}

/** Slots after the iteration count come in groups of varList.length, one per variable. */
function checkSlots(tensors: NamedTensor[], varList: readonly tf.Variable[]): void {
  const slots = tensors[0]?.name === 'iter' ? tensors.slice(1) : tensors;
  if (slots.length === 0) return; // the optimizer never stepped: nothing to match
  if (slots.length % varList.length !== 0) {
    throw new Error(
      `loadOptimizer: ${slots.length} saved slots do not divide among ${varList.length} variables in varList.`,
    );
  }
  slots.forEach((slot, i) => {
    const v = varList[i % varList.length]!;
    if (!tf.util.arraysEqual(slot.tensor.shape, v.shape)) {
      throw new Error(
        `loadOptimizer: saved slot ${JSON.stringify(slot.name)} has shape [${slot.tensor.shape.join(', ')}] but varList[${i % varList.length}] (${v.name}) has shape [${v.shape.join(', ')}].`,
      );
    }
  });
}
