import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { numelOf, toFloat32 } from './internal/dtypes';
import { planModelWeights } from './internal/model-weights';
import { looksLikeZip } from './internal/zip';
import { readSafetensors } from './read-safetensors';
import { readTorchCheckpoint } from './read-torch-checkpoint';
import type { StateDict } from './state-dict';

/** Options of {@link loadTorchStateDict}. */
export interface LoadTorchStateDictOptions {
  /**
   * Default true: every model weight must be found, no key may be left over, and the model must
   * have no weights without a converter; otherwise one Error lists all problems and nothing is
   * written. With false, what matches is loaded and the rest reported. Shape mismatches are an
   * Error either way (as in PyTorch).
   */
  strict?: boolean;
  /** File format of `bytes`. Default 'auto': a zip ('PK') is a .pth, anything else safetensors. */
  format?: 'auto' | 'safetensors' | 'pth';
  /** For a .pth holding the state dict inside a dict: its key (see readTorchCheckpoint). Default none. */
  stateDictKey?: string;
}

/** What {@link loadTorchStateDict} did, as torch keys (after `module.` stripping). */
export interface LoadTorchStateDictReport {
  /** Keys assigned to model weights. */
  loaded: string[];
  /** Keys the model expects that the state dict lacks (and, prefixed 'model:', unconvertible weights). */
  missing: string[];
  /** Keys of the state dict that no model weight takes (ignored counters are not listed). */
  unexpected: string[];
}

/**
 * Loads PyTorch weights (a `.pth` from `torch.save(model.state_dict())`, a `.safetensors` file,
 * or an already parsed {@link StateDict}) into a tfjs model, converting layouts.
 *
 * Naming contract: every tfjs layer owning the weights of a PyTorch module is named with that
 * module's state-dict prefix (layer `model.1` takes `model.1.weight`, `model.1.bias`, ...).
 * Conversions by layer class: Conv2D / GatedConv2D / GatedUpsample2D / PartialConv2D `weight` (out,in,kh,kw) ->
 * `kernel` (kh,kw,in,out); Conv2DTranspose `weight` (in,out,kh,kw) -> `kernel` (kh,kw,out,in);
 * Dense `weight` (out,in) -> `kernel` (in,out); `bias` as is; BatchNormalization(Torch)
 * weight/bias/running_mean/running_var -> gamma/beta/moving_mean/moving_variance
 * (`num_batches_tracked` ignored); InstanceNormalization weight/bias -> gamma/beta (stale
 * running stats dropped); SpectralNormalization `weight_orig` (by the wrapped layer's rule),
 * `bias`, `weight_u` -> `u`, `weight_v` -> `v` (or the `parametrizations.weight.original`,
 * `parametrizations.weight.0._u`, `._v` names of `torch.nn.utils.parametrizations.spectral_norm`). A leading `module.` (DataParallel) on every key is
 * stripped. Values of integer dtypes are converted to float.
 *
 * @returns The report `{ loaded, missing, unexpected }` (all empty but `loaded` when strict).
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import * as tfl from '@tensorflow/tfjs-layers';
 * import { initBackend, io } from 'tfjs-synth';
 * await initBackend();
 * // Python: net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU()); torch.save(net.state_dict(), 'net.pth')
 * const input = tfl.input({ shape: [32, 32, 3] });
 * const conv = tfl.layers.conv2d({ name: '0', filters: 8, kernelSize: 3, activation: 'relu' });
 * const net = tfl.model({ inputs: input, outputs: conv.apply(input) as tfl.SymbolicTensor });
 * const report = io.loadTorchStateDict(net, readFileSync('net.pth')); // report.loaded: ['0.weight', '0.bias']
 * ```
 */
export function loadTorchStateDict(
  model: tfl.LayersModel,
  bytes: Uint8Array | StateDict,
  options: LoadTorchStateDictOptions = {},
): LoadTorchStateDictReport {
  const fn = 'loadTorchStateDict';
  const strict = options.strict ?? true;
  const format = options.format ?? 'auto';
  if (format !== 'auto' && format !== 'safetensors' && format !== 'pth') {
    throw new Error(`${fn}: format must be 'auto', 'safetensors' or 'pth', got ${JSON.stringify(format)}.`);
  }
  let dict: StateDict;
  if (bytes instanceof Map) {
    dict = bytes;
  } else if (bytes instanceof Uint8Array) {
    const isPth = format === 'pth' || (format === 'auto' && looksLikeZip(bytes));
    dict = isPth
      ? readTorchCheckpoint(bytes, options.stateDictKey !== undefined ? { stateDictKey: options.stateDictKey } : {})
      : readSafetensors(bytes);
  } else {
    throw new Error(`${fn}: bytes must be a Uint8Array or a StateDict (Map), got ${String(bytes)}.`);
  }

  // DataParallel / DistributedDataParallel prefix every key with 'module.'.
  const keys = [...dict.keys()];
  const stripModule = keys.length > 0 && keys.every((k) => k.startsWith('module.'));
  const entries = [...dict.entries()].map(([k, v]) => [stripModule ? k.slice('module.'.length) : k, v] as const);

  const plan = planModelWeights(model);
  const loaded: string[] = [];
  const unexpected: string[] = [];
  const mismatched: string[] = [];
  const writes: { variable: tfl.LayerVariable; data: Float32Array }[] = [];
  const seen = new Set<string>();
  for (const [key, t] of entries) {
    const canonical = plan.aliases.get(key) ?? key;
    const target = plan.expected.get(canonical);
    // A second key for an already matched weight (canonical name and alias both present) is extra.
    if (target === undefined || seen.has(canonical)) {
      if (!plan.ignored.has(key)) unexpected.push(key);
      continue;
    }
    seen.add(canonical);
    const tfShape = target.variable.shape as number[];
    const want = target.rule.torchShape(tfShape);
    const sameShape = want.length === t.shape.length && want.every((d, i) => d === t.shape[i]);
    if (!sameShape || numelOf(t.shape) !== t.data.length) {
      mismatched.push(`${key}: expected ${JSON.stringify(want)}, got ${JSON.stringify(t.shape)}`);
      continue;
    }
    const data = target.rule.toTfjs({ data: toFloat32(t.data), shape: [...t.shape] }, tfShape);
    writes.push({ variable: target.variable, data });
    loaded.push(key);
  }
  const missing = [...plan.expected.keys()].filter((k) => !seen.has(k));
  const modelProblems = plan.problems.map((p) => `model: ${p}`);

  const fatal = mismatched.length > 0 || (strict && (missing.length > 0 || unexpected.length > 0 || modelProblems.length > 0));
  if (fatal) {
    const parts: string[] = [];
    if (mismatched.length > 0) parts.push(`shape mismatches (torch layout):\n  ${mismatched.join('\n  ')}`);
    if (strict && missing.length > 0) parts.push(`missing keys:\n  ${missing.join('\n  ')}`);
    if (strict && unexpected.length > 0) parts.push(`unexpected keys:\n  ${unexpected.join('\n  ')}`);
    if (strict && modelProblems.length > 0) parts.push(`unconvertible model weights:\n  ${plan.problems.join('\n  ')}`);
    throw new Error(`${fn}: the state dict does not fit model '${model.name}'; nothing was loaded.\n${parts.join('\n')}`);
  }

  for (const { variable, data } of writes) {
    tf.tidy(() => {
      variable.write(tf.tensor(data, variable.shape as number[], variable.dtype));
    });
  }
  return { loaded, missing: [...missing, ...modelProblems], unexpected };
}
