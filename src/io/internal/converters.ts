/**
 * Per-layer-class rules between PyTorch state-dict entries and tfjs layer weights.
 *
 * Naming contract: a tfjs layer owning the weights of a PyTorch module is named with that
 * module's state-dict prefix, so torch key `<layer.name>.<param>` belongs to it. Each rule maps
 * one torch param name to one tfjs weight short name (`kernel`, `gamma`, ...) and converts the
 * layout both ways on plain arrays.
 * @internal
 */
import { TORCH_LAYOUT, TORCH_PATH_NAMED_CLASSES, torchLayout } from '../../core/torch-layout';
import { permuteData } from './dtypes';

/** A tensor as plain data. @internal */
export interface PlainTensor {
  data: Float32Array;
  shape: number[];
}

/** One torch param <-> one tfjs weight. @internal */
export interface ParamRule {
  /** torch state-dict param name (after the layer prefix), e.g. 'weight'. */
  torch: string;
  /** tfjs weight short name, e.g. 'kernel'. */
  tfjs: string;
  /** Other torch param names accepted on load for the same weight (export uses `torch`). */
  aliases?: string[];
  /** The torch shape that corresponds to a tfjs weight shape. */
  torchShape(tfShape: readonly number[]): number[];
  /** torch data (already checked to have `torchShape(tfShape)`) to tfjs layout. */
  toTfjs(t: PlainTensor, tfShape: readonly number[]): Float32Array;
  /** tfjs data to torch layout. */
  toTorch(t: PlainTensor): PlainTensor;
}

/** The rules of one layer class. @internal */
export interface LayerRules {
  params: ParamRule[];
  /** torch param names accepted and dropped on load (e.g. 'num_batches_tracked'). */
  ignored: string[];
  /** Integer buffers torch expects that have no tfjs weight, written as int64 zeros on export. */
  exportCounters: string[];
}

/** A rule that permutes axes: torch -> tfjs is `perm`, tfjs -> torch its inverse. */
export function permuteRule(torch: string, tfjs: string, perm: readonly number[]): ParamRule {
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return {
    torch,
    tfjs,
    torchShape: (tfShape) => inverse.map((p) => tfShape[p]!),
    toTfjs: (t) => permuteData(t.data, t.shape, perm).data,
    toTorch: (t) => permuteData(t.data, t.shape, inverse),
  };
}

/** A rule that only renames (same layout both sides). */
export function identityRule(torch: string, tfjs: string): ParamRule {
  return {
    torch,
    tfjs,
    torchShape: (tfShape) => [...tfShape],
    toTfjs: (t) => t.data,
    toTorch: (t) => ({ data: t.data, shape: [...t.shape] }),
  };
}

/** A rule for a spectral-norm vector (u or v): 1-D in torch; any shape of the same size in tfjs. */
function vectorRule(torch: string, tfjs: string): ParamRule {
  return {
    torch,
    tfjs,
    torchShape: (tfShape) => [tfShape.reduce((a, b) => a * b, 1)],
    toTfjs: (t) => t.data,
    toTorch: (t) => ({ data: t.data, shape: [t.data.length] }),
  };
}

const BATCH_NORM_RULES: LayerRules = {
  params: [
    identityRule('weight', 'gamma'),
    identityRule('bias', 'beta'),
    identityRule('running_mean', 'moving_mean'),
    identityRule('running_var', 'moving_variance'),
  ],
  ignored: ['num_batches_tracked'],
  exportCounters: ['num_batches_tracked'],
};

/** Minimal view of a layer the rules need. @internal */
export interface LayerLike {
  getClassName(): string;
  /** Set on wrappers (SpectralNormalization). */
  layer?: LayerLike;
  /** The layer's weights (read for the classes of `TORCH_PATH_NAMED_CLASSES`). */
  weights?: readonly { name: string; originalName?: string; shape: readonly (number | null)[] }[];
}

/** The part of a weight name after the layer scope (its last '/'), without a `_N` uniquifier. */
function weightPath(weight: { name: string; originalName?: string }): string {
  const full = weight.originalName ?? weight.name;
  return full.slice(full.lastIndexOf('/') + 1).replace(/_\d+$/, '');
}

/**
 * Rules of a layer whose weights are named by their torch parameter paths
 * (`TORCH_PATH_NAMED_CLASSES`): rank-4 weights are conv kernels, spectral-norm `weight_u` /
 * `weight_v` vectors, everything else as it is.
 */
function pathNamedRules(layer: LayerLike): LayerRules {
  const params: ParamRule[] = [];
  const counters: string[] = [];
  for (const w of layer.weights ?? []) {
    const path = weightPath(w);
    if (w.shape.length === 4) params.push(permuteRule(path, path, TORCH_LAYOUT['Conv2D']!.torchToTfjs));
    else if (/\.weight_[uv]$/.test(path)) params.push(vectorRule(path, path));
    else params.push(identityRule(path, path));
    if (path.endsWith('.running_mean')) counters.push(path.replace(/running_mean$/, 'num_batches_tracked'));
  }
  return { params, ignored: counters, exportCounters: counters };
}

/**
 * The conversion rules for a layer, or undefined when its class has none. Kernel layouts come
 * from core/torch-layout.ts.
 * @internal
 */
export function rulesFor(layer: LayerLike): LayerRules | undefined {
  const cls = layer.getClassName();
  if (TORCH_PATH_NAMED_CLASSES.includes(cls)) return pathNamedRules(layer);
  const layout = torchLayout(cls);
  if (layout !== undefined) {
    return {
      params: [permuteRule('weight', 'kernel', layout.torchToTfjs), identityRule('bias', 'bias')],
      ignored: [],
      exportCounters: [],
    };
  }
  switch (cls) {
    case 'BatchNormalization':
    case 'BatchNormalizationTorch':
      return BATCH_NORM_RULES;
    case 'InstanceNormalization':
      // Old pytorch-CycleGAN checkpoints carry running stats of InstanceNorm2d layers that the
      // current code drops (`__patch_instance_norm_state_dict`); so do we.
      return {
        params: [identityRule('weight', 'gamma'), identityRule('bias', 'beta')],
        ignored: ['running_mean', 'running_var', 'num_batches_tracked'],
        exportCounters: [],
      };
    case 'SpectralNormalization': {
      const innerLayout = layer.layer ? torchLayout(layer.layer.getClassName()) : undefined;
      if (innerLayout === undefined) return undefined;
      // torch.nn.utils.parametrizations.spectral_norm (the newer API) stores the same tensors
      // under other names; its eval-mode sigma is the same u^T W v.
      return {
        params: [
          {
            ...permuteRule('weight_orig', 'kernel', innerLayout.torchToTfjs),
            aliases: ['parametrizations.weight.original'],
          },
          identityRule('bias', 'bias'),
          { ...vectorRule('weight_u', 'u'), aliases: ['parametrizations.weight.0._u'] },
          { ...vectorRule('weight_v', 'v'), aliases: ['parametrizations.weight.0._v'] },
        ],
        ignored: [],
        exportCounters: [],
      };
    }
    default:
      return undefined;
  }
}
