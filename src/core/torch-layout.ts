/**
 * The PyTorch weight layout of each layer class whose kernel has a torch counterpart: the one
 * table that SpectralNormalization (torch's weight matrix) and io (state-dict conversion) read.
 * A new conv layer adds its row here. Imports nothing.
 * @internal
 */

/** How the tfjs kernel of one layer class relates to its PyTorch weight. @internal */
export interface TorchLayout {
  /** Axis `i` of the tfjs kernel is axis `torchToTfjs[i]` of the torch weight. */
  readonly torchToTfjs: readonly number[];
  /**
   * The weight dimension `torch.nn.utils.spectral_norm` normalises: 0, or 1 for transposed
   * convolutions (their weight is (in, out, kh, kw)); null where SpectralNormalization does not
   * wrap the class.
   */
  readonly spectralNormDim: 0 | 1 | null;
}

// torch Conv2d weight (out, in, kh, kw) -> tfjs kernel (kh, kw, in, out).
const CONV2D: TorchLayout = { torchToTfjs: [2, 3, 1, 0], spectralNormDim: 0 };

/** The layouts by tfjs class name. @internal */
export const TORCH_LAYOUT: Readonly<Record<string, TorchLayout>> = {
  Conv2D: CONV2D,
  GatedConv2D: CONV2D,
  GatedUpsample2D: CONV2D,
  // NVIDIA's PartialConv2d subclasses Conv2d; its mask kernel is not in the state dict. No
  // reference network spectral-normalises it, and SpectralNormalization does not wrap it.
  PartialConv2D: { ...CONV2D, spectralNormDim: null },
  // The builders' helper for nn.Conv2d with dilation (a tfjs Conv2D cannot train dilated); no
  // network spectral-normalises it, and SpectralNormalization does not wrap it.
  DilatedConv2D: { ...CONV2D, spectralNormDim: null },
  // torch ConvTranspose2d weight (in, out, kh, kw) -> tfjs kernel (kh, kw, out, in); no flip.
  Conv2DTranspose: { torchToTfjs: [2, 3, 1, 0], spectralNormDim: 1 },
  // torch Linear weight (out, in) -> tfjs kernel (in, out).
  Dense: { torchToTfjs: [1, 0], spectralNormDim: 0 },
};

/** The layout of a class, or undefined when it has none. @internal */
export function torchLayout(className: string): TorchLayout | undefined {
  return Object.hasOwn(TORCH_LAYOUT, className) ? TORCH_LAYOUT[className] : undefined;
}

/** The inverse permutation: axis `i` of the torch weight is axis `result[i]` of the tfjs kernel. @internal */
export function tfjsToTorch(layout: TorchLayout): number[] {
  return layout.torchToTfjs.map((_, i) => layout.torchToTfjs.indexOf(i));
}

/**
 * The permutation of a tfjs kernel into torch's weight with the spectral-norm dimension first;
 * reshaped to (rows, -1) it is the matrix torch's spectral_norm normalises. Undefined when the
 * class has no spectral-norm dimension.
 * @internal
 */
export function spectralNormMatrixPerm(className: string): number[] | undefined {
  const layout = torchLayout(className);
  if (layout === undefined || layout.spectralNormDim === null) return undefined;
  const toTorch = tfjsToTorch(layout);
  const dim = layout.spectralNormDim;
  return [toTorch[dim]!, ...toTorch.filter((_, i) => i !== dim)];
}

/** Class names with a spectral-norm dimension, in table order. @internal */
export const SPECTRAL_NORM_CLASSES: readonly string[] = Object.keys(TORCH_LAYOUT).filter(
  (name) => TORCH_LAYOUT[name]!.spectralNormDim !== null,
);

/**
 * Layer classes that own the weights of several PyTorch modules (SPADE, SPADEResnetBlock): each
 * weight is named by its parameter path inside the layer's module, exactly as the state-dict key
 * after the layer's prefix (`norm_0.mlp_shared.0.weight`, `conv_0.weight_orig`,
 * `norm_0.param_free_norm.running_mean`). Rank-4 weights are conv kernels in tfjs layout
 * (kh, kw, in, out) = torch (out, in, kh, kw) permuted by {@link TORCH_LAYOUT}'s Conv2D row;
 * every other weight has torch's layout. A `<path>.running_mean` implies torch's
 * `<path>.num_batches_tracked` counter.
 * @internal
 */
export const TORCH_PATH_NAMED_CLASSES: readonly string[] = ['SPADE', 'SPADEResnetBlock'];
