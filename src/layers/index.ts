// Public API of src/layers: one export line per unit.
export { GatedConv2D, gatedConv2d } from './gated-conv2d';
export type { GatedConv2DArgs } from './gated-conv2d';
export { GatedUpsample2D, gatedUpsample2d, gatedDeconv2d } from './gated-upsample2d';
export type { GatedUpsample2DArgs } from './gated-upsample2d';
export { ReflectionPadding2D, reflectionPadding2d } from './reflection-padding2d';
export type { ReflectionPadding2DArgs } from './reflection-padding2d';
export { SpectralNormalization, spectralNormalization, SPECTRAL_NORM_SUPPORTED } from './spectral-normalization';
export type { SpectralNormalizationArgs } from './spectral-normalization';
export { InstanceNormalization, instanceNormalization } from './instance-normalization';
export type { InstanceNormalizationArgs } from './instance-normalization';
export { PartialConv2D, partialConv2d } from './partial-conv2d';
export type { PartialConv2DArgs } from './partial-conv2d';
export { BatchNormalizationTorch, batchNormalizationTorch } from './batch-normalization-torch';
export type { BatchNormalizationTorchArgs } from './batch-normalization-torch';
export { AdaIN, adain, adaIN } from './adain';
export type { AdaINArgs } from './adain';
export { ContextualAttention, contextualAttention } from './contextual-attention';
export type { ContextualAttentionArgs } from './contextual-attention';
