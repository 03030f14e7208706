/**
 * Per-layer-class rules between PyTorch state-dict entries and tfjs layer weights.
 *
 * Naming contract: a tfjs layer owning the weights of a PyTorch module is named with that
 * module's state-dict prefix, so torch key `<layer.name>.<param>` belongs to it. Each rule maps
 * one torch param name to one tfjs weight short name (`kernel`, `gamma`, ...) and converts the
 * layout both ways on plain arrays.
 * @internal
 */
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

/**
 * Order of the elements of a spectral-norm `v` vector. torch's `weight_v` runs over the weight
 * matrix's columns, i.e. the (in, kh, kw) flattening of the OIHW weight ('torch'); a layer that
 * flattened the tfjs kernel instead would hold (kh, kw, in) ('hwi'). Our SpectralNormalization
 * stores 'torch' order so checkpoints load without reshuffling.
 * @internal
 */
export type SpectralVOrder = 'torch' | 'hwi';

/**
 * Reorders a spectral-norm `v` between torch's (in, kh, kw) order and a layer's order.
 * `dims` is [in, kh, kw] (a Dense layer: [in, 1, 1]); `direction` says which way.
 * @internal
 */
export function reorderSpectralV(
  v: Float32Array,
  dims: readonly [number, number, number],
  order: SpectralVOrder,
  direction: 'fromTorch' | 'toTorch',
): Float32Array {
  if (order === 'torch') return v;
  const [cin, kh, kw] = dims;
  if (v.length !== cin * kh * kw) {
    throw new Error(`reorderSpectralV: v has ${v.length} elements, expected ${cin}*${kh}*${kw} = ${cin * kh * kw}.`);
  }
  return direction === 'fromTorch'
    ? permuteData(v, [cin, kh, kw], [1, 2, 0]).data
    : permuteData(v, [kh, kw, cin], [2, 0, 1]).data;
}

/** A rule for a spectral-norm vector (u or v): 1-D in torch; any shape of the same size in tfjs. */
function vectorRule(torch: string, tfjs: string, reorder?: (v: Float32Array, dir: 'fromTorch' | 'toTorch') => Float32Array): ParamRule {
  return {
    torch,
    tfjs,
    torchShape: (tfShape) => [tfShape.reduce((a, b) => a * b, 1)],
    toTfjs: (t) => (reorder ? reorder(t.data, 'fromTorch') : t.data),
    toTorch: (t) => {
      const data = reorder ? reorder(t.data, 'toTorch') : t.data;
      return { data, shape: [data.length] };
    },
  };
}

/** tfjs kernel -> torch weight permutations, by layer class. */
const KERNEL_PERM: Readonly<Record<string, readonly number[]>> = {
  // torch Conv2d weight (out, in, kh, kw) -> tfjs kernel (kh, kw, in, out).
  Conv2D: [2, 3, 1, 0],
  GatedConv2D: [2, 3, 1, 0],
  GatedUpsample2D: [2, 3, 1, 0],
  // NVIDIA's PartialConv2d subclasses Conv2d; its mask kernel is not in the state dict.
  PartialConv2D: [2, 3, 1, 0],
  // torch ConvTranspose2d weight (in, out, kh, kw) -> tfjs kernel (kh, kw, out, in); no flip.
  Conv2DTranspose: [2, 3, 1, 0],
  // torch Linear weight (out, in) -> tfjs kernel (in, out).
  Dense: [1, 0],
};

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
  /** Optional declaration of a spectral-norm layer's v order; 'torch' when absent. */
  vOrder?: SpectralVOrder;
}

/**
 * The conversion rules for a layer, or undefined when its class has none.
 * `kernelShape` (tfjs layout) is needed only for a spectral-norm layer storing 'hwi' v.
 * @internal
 */
export function rulesFor(layer: LayerLike, kernelShape?: readonly number[]): LayerRules | undefined {
  const cls = layer.getClassName();
  const perm = KERNEL_PERM[cls];
  if (perm !== undefined) {
    return { params: [permuteRule('weight', 'kernel', perm), identityRule('bias', 'bias')], ignored: [], exportCounters: [] };
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
      const inner = layer.layer;
      const innerPerm = inner ? KERNEL_PERM[inner.getClassName()] : undefined;
      if (inner === undefined || innerPerm === undefined) return undefined;
      const order = layer.vOrder ?? 'torch';
      let reorder: ((v: Float32Array, dir: 'fromTorch' | 'toTorch') => Float32Array) | undefined;
      if (order !== 'torch') {
        if (kernelShape === undefined) return undefined;
        // (in, kh, kw) of the torch matrix columns, from the tfjs kernel.
        const innerCls = inner.getClassName();
        const dims: [number, number, number] =
          innerCls === 'Dense'
            ? [kernelShape[0]!, 1, 1]
            : innerCls === 'Conv2DTranspose'
              ? [kernelShape[3]!, kernelShape[0]!, kernelShape[1]!]
              : [kernelShape[2]!, kernelShape[0]!, kernelShape[1]!];
        reorder = (v, dir) => reorderSpectralV(v, dims, order, dir);
      }
      // torch.nn.utils.parametrizations.spectral_norm (the newer API) stores the same tensors
      // under other names; its eval-mode sigma is the same u^T W v.
      return {
        params: [
          { ...permuteRule('weight_orig', 'kernel', innerPerm), aliases: ['parametrizations.weight.original'] },
          identityRule('bias', 'bias'),
          { ...vectorRule('weight_u', 'u'), aliases: ['parametrizations.weight.0._u'] },
          { ...vectorRule('weight_v', 'v', reorder), aliases: ['parametrizations.weight.0._v'] },
        ],
        ignored: [],
        exportCounters: [],
      };
    }
    default:
      return undefined;
  }
}
