import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { formatShape, quote } from './internal/describe';
import { numelOf, toFloat32 } from './internal/dtypes';
import { planModelWeights } from './internal/model-weights';
import { looksLikeLegacyTorchSave } from './internal/pickle';
import { looksLikeZip } from './internal/zip';
import { readSafetensors } from './read-safetensors';
import { readTorchCheckpoint } from './read-torch-checkpoint';
import type { StateDict } from './state-dict';
import { resolveTorchKeyMap, type TorchKeyMap } from './torch-key-maps';

/** Options of {@link loadTorchStateDict}. */
export interface LoadTorchStateDictOptions {
  /**
   * Default true: every model weight must be found, no key may be left over, and the model must
   * have no weights without a converter; otherwise one Error lists all problems and nothing is
   * written. With false, what matches is loaded and the rest reported. Shape mismatches are an
   * Error either way (as in PyTorch).
   */
  strict?: boolean;
  /**
   * File format of `bytes`. Default 'auto': a zip ('PK') is a .pth (and a legacy non-zip .pth is
   * recognised, to be refused with its own message), anything else safetensors.
   */
  format?: 'auto' | 'safetensors' | 'pth';
  /** For a .pth holding the state dict inside a dict: its key (see readTorchCheckpoint). Default none. */
  stateDictKey?: string;
  /**
   * Renames the state dict's keys (after `module.` stripping) before they are matched to the
   * model: a preset name (`TorchKeyMapPreset`, e.g. 'deepfillv2-pytorch-tf') or a function
   * returning the model's key, or null to skip the key. Default none (keys as they are).
   */
  keyMap?: TorchKeyMap;
  /** Passed to {@link readTorchCheckpoint} for a .pth: the materialisation cap. Default 16. */
  maxExpansion?: number;
  /** Passed to {@link readSafetensors} for a .safetensors file: the header size cap. Default 16 MiB. */
  maxHeaderBytes?: number;
}

/** Lines of each problem list in the Error of a failed load; the rest are counted, not listed. */
const MAX_PROBLEM_LINES = 20;

/** A key for a message: as it is when short and printable, else quoted and cut. */
function keyText(key: string): string {
  return key.length <= 64 && /^[\x20-\x7e]*$/.test(key) ? key : quote(key);
}

/** A shape for a message: `[4,3,3,3]`, or its first dimensions and its rank when long. */
function shapeText(shape: readonly number[]): string {
  return shape.length <= 8 ? JSON.stringify(shape) : formatShape(shape);
}

/** Up to {@link MAX_PROBLEM_LINES} lines of a list, then "... and N more". */
function problemLines(lines: readonly string[]): string {
  const shown = lines.slice(0, MAX_PROBLEM_LINES).join('\n  ');
  const rest = lines.length - MAX_PROBLEM_LINES;
  return rest > 0 ? `${shown}\n  ... and ${rest} more` : shown;
}

/**
 * What {@link loadTorchStateDict} did, as torch keys (after `module.` stripping): `loaded` and
 * `missing` with the model's names (after `keyMap`), `unexpected` as the state dict has them.
 */
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
 * stripped; `keyMap` then renames keys of modules laid out differently (for example the preset
 * 'deepfillv2-pytorch-tf' for DeepFill v2's public weights, docs/networks.md). Values of integer
 * dtypes are converted to float.
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
  if (options === null || typeof options !== 'object') {
    throw new Error(
      `${fn}: options must be an object or undefined, got ${options === null ? 'null' : typeof options}.`,
    );
  }
  if (options.strict !== undefined && typeof options.strict !== 'boolean') {
    throw new Error(`${fn}: strict must be a boolean, got ${typeof options.strict}.`);
  }
  if (options.stateDictKey !== undefined && typeof options.stateDictKey !== 'string') {
    throw new Error(`${fn}: stateDictKey must be a string, got ${typeof options.stateDictKey}.`);
  }
  const strict = options.strict ?? true;
  const format = options.format ?? 'auto';
  if (format !== 'auto' && format !== 'safetensors' && format !== 'pth') {
    const shown = typeof format === 'string' ? quote(format) : typeof format;
    throw new Error(`${fn}: format must be 'auto', 'safetensors' or 'pth', got ${shown}.`);
  }
  const mapKey = resolveTorchKeyMap(fn, options.keyMap);
  let dict: StateDict;
  if (bytes instanceof Map) {
    dict = bytes;
  } else if (bytes instanceof Uint8Array) {
    const isPth = format === 'pth' || (format === 'auto' && (looksLikeZip(bytes) || looksLikeLegacyTorchSave(bytes)));
    dict = isPth
      ? readTorchCheckpoint(bytes, {
          ...(options.stateDictKey !== undefined ? { stateDictKey: options.stateDictKey } : {}),
          ...(options.maxExpansion !== undefined ? { maxExpansion: options.maxExpansion } : {}),
        })
      : readSafetensors(bytes, options.maxHeaderBytes !== undefined ? { maxHeaderBytes: options.maxHeaderBytes } : {});
  } else {
    const got = bytes === null ? 'null' : typeof bytes === 'object' ? 'an object' : typeof bytes;
    throw new Error(`${fn}: bytes must be a Uint8Array or a StateDict (Map), got ${got}.`);
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
  for (const [fileKey, t] of entries) {
    const key = mapKey(fileKey);
    if (key === null) continue;
    const canonical = plan.aliases.get(key) ?? key;
    const target = plan.expected.get(canonical);
    // A second key for an already matched weight (canonical name and alias both present, or two
    // keys mapped to one name) is extra.
    if (target === undefined || seen.has(canonical)) {
      if (!plan.ignored.has(key)) unexpected.push(fileKey);
      continue;
    }
    seen.add(canonical);
    const tfShape = target.variable.shape as number[];
    const want = target.rule.torchShape(tfShape);
    const sameShape = want.length === t.shape.length && want.every((d, i) => d === t.shape[i]);
    if (!sameShape || numelOf(t.shape) !== t.data.length) {
      mismatched.push(`${keyText(key)}: expected ${shapeText(want)}, got ${shapeText(t.shape)}`);
      continue;
    }
    const data = target.rule.toTfjs({ data: toFloat32(t.data), shape: [...t.shape] }, tfShape);
    writes.push({ variable: target.variable, data });
    loaded.push(key);
  }
  const missing = [...plan.expected.keys()].filter((k) => !seen.has(k));
  const modelProblems = plan.problems.map((p) => `model: ${p}`);

  const fatal =
    mismatched.length > 0 || (strict && (missing.length > 0 || unexpected.length > 0 || modelProblems.length > 0));
  if (fatal) {
    const parts: string[] = [];
    // File keys are quoted and every list is cut: the file decides how many keys it has and how
    // long they are, and must not decide the size of the message.
    if (mismatched.length > 0) parts.push(`shape mismatches (torch layout):\n  ${problemLines(mismatched)}`);
    if (strict && missing.length > 0) parts.push(`missing keys:\n  ${problemLines(missing)}`);
    if (strict && unexpected.length > 0) parts.push(`unexpected keys:\n  ${problemLines(unexpected.map(keyText))}`);
    if (strict && modelProblems.length > 0)
      parts.push(`unconvertible model weights:\n  ${problemLines(plan.problems)}`);
    throw new Error(
      `${fn}: the state dict does not fit model '${model.name}'; nothing was loaded.\n${parts.join('\n')}`,
    );
  }

  for (const { variable, data } of writes) {
    tf.tidy(() => {
      variable.write(tf.tensor(data, variable.shape as number[], variable.dtype));
    });
  }
  return { loaded, missing: [...missing, ...modelProblems], unexpected };
}
