// Public API of src/ops: one export line per unit.
export {};
export { gatedActivation, GATED_ACTIVATIONS } from './gated-activation';
export type { GatedActivationName } from './gated-activation';
export { gatedConvolution } from './gated-conv2d';
export type { GatedConvolutionOptions } from './gated-conv2d';
export { upsampleNearest2x } from './upsample-nearest2x';
export { reflectionPad2d, normalizePadding2d } from './reflection-pad';
export type { Padding2D, Padding2DArg } from './reflection-pad';
export { stopGradient } from './stop-gradient';
export { powerIteration, spectralNormEstimate, normalizeVector } from './power-iteration';
export { instanceNorm } from './instance-norm';
export type { InstanceNormOptions } from './instance-norm';
export { partialConvolution } from './partial-conv2d';
export type { PartialConvolutionOptions } from './partial-conv2d';
export { batchNormTorchTraining, batchNormTorchInference, runningAverageTorch } from './batch-norm-torch';
export type { BatchNormTorchOptions, BatchNormTorchTrainingResult } from './batch-norm-torch';
export { dilatedConv2d } from './dilated-conv2d';
