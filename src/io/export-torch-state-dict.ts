import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { quote } from './internal/describe';
import { planModelWeights } from './internal/model-weights';
import type { StateDict } from './state-dict';
import { writeSafetensors } from './write-safetensors';

/**
 * Exports a tfjs model's weights as PyTorch-layout `.safetensors` bytes, the inverse of
 * {@link loadTorchStateDict}: the same key names (`<layer name>.<torch param>`) and inverse layout
 * conversions, so export -> load gives identical weights and
 * `module.load_state_dict(safetensors.torch.load_file(path))` works on the matching torch module.
 * Floats are written as F32; BatchNorm layers also get a `num_batches_tracked` I64 zero, which
 * torch's BatchNorm2d expects. Throws if a weighted layer has no converter.
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * import * as tfl from '@tensorflow/tfjs-layers';
 * import { initBackend, io } from 'tfjs-synth';
 * await initBackend();
 * const input = tfl.input({ shape: [32, 32, 3] });
 * const conv = tfl.layers.conv2d({ name: '0', filters: 8, kernelSize: 3 });
 * const net = tfl.model({ inputs: input, outputs: conv.apply(input) as tfl.SymbolicTensor });
 * writeFileSync('net.safetensors', io.exportTorchStateDict(net)); // keys '0.weight' [8, 3, 3, 3], '0.bias'
 * // Python: nn.Sequential(nn.Conv2d(3, 8, 3)).load_state_dict(safetensors.torch.load_file('net.safetensors'))
 * ```
 */
export function exportTorchStateDict(model: tfl.LayersModel): Uint8Array {
  const plan = planModelWeights(model);
  if (plan.problems.length > 0) {
    throw new Error(
      `exportTorchStateDict: model ${quote(model.name)} cannot be exported:\n  ${plan.problems.join('\n  ')}`,
    );
  }
  const dict: StateDict = new Map();
  for (const [key, { variable, rule }] of plan.expected) {
    const asFloat = tf.tidy(() => tf.cast(variable.read(), 'float32'));
    const values = Float32Array.from(asFloat.dataSync() as Float32Array);
    asFloat.dispose();
    const t = rule.toTorch({ data: values, shape: variable.shape as number[] });
    dict.set(key, { dtype: 'float32', shape: t.shape, data: t.data });
  }
  for (const key of plan.counters) dict.set(key, { dtype: 'int64', shape: [], data: new BigInt64Array(1) });
  return writeSafetensors(dict, { format: 'pt' });
}
