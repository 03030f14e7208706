// Public API of src/training: one export line per unit.
export { ImagePool } from './image-pool';
export type { ImagePoolOptions, ImagePoolState } from './image-pool';
export { linearDecay, stepDecay, cosineDecay, setLearningRateFactor } from './lr-schedules';
export type { LrSchedule, LinearDecayOptions, StepDecayOptions, CosineDecayOptions } from './lr-schedules';
export { randomBoxMask, randomBrushStrokeMask, maskToTensor } from './mask-generators';
export type { BinaryMask, RandomBoxMaskOptions, RandomBrushStrokeMaskOptions } from './mask-generators';
export { Pix2PixTrainer } from './pix2pix-trainer';
export type { Pix2PixTrainerArgs, Pix2PixLosses } from './pix2pix-trainer';
export type { TrainerCommonArgs, TrainerProgress } from './trainer-args';
export { disposeTrainerState } from './trainer-state';
export type { TrainerState, TrainerNamedTensor } from './trainer-state';
export { CycleGANTrainer } from './cyclegan-trainer';
export type { CycleGANTrainerArgs, CycleGANLosses } from './cyclegan-trainer';
export { InpaintingTrainer } from './inpainting-trainer';
export type { InpaintingTrainerArgs, InpaintingLosses, InpaintingGuides } from './inpainting-trainer';
export { DCGANTrainer, DCGAN_LOSSES } from './dcgan-trainer';
export type { DCGANTrainerArgs, DCGANLosses, DCGANLoss, DCGANStepOptions } from './dcgan-trainer';
export { Pix2PixHDTrainer } from './pix2pixhd-trainer';
export type { Pix2PixHDTrainerArgs, Pix2PixHDLosses, Pix2PixHDGanMode } from './pix2pixhd-trainer';
export { GauGANTrainer } from './gaugan-trainer';
export type { GauGANTrainerArgs, GauGANLosses } from './gaugan-trainer';
export { localPatchBoxes, cropPatches } from './local-patches';
export type { PatchBox, LocalPatchBoxesOptions } from './local-patches';
export { GLCICTrainer } from './glcic-trainer';
export type { GLCICTrainerArgs, GLCICLosses } from './glcic-trainer';
export { invertGenerator, adaptGenerator, editUnits, layerActivations, MAX_PRIOR_STEPS } from './generative-prior';
export type {
  PriorLoss,
  InvertGeneratorOptions,
  InvertGeneratorResult,
  AdaptGeneratorOptions,
  AdaptGeneratorResult,
  EditUnitsOptions,
} from './generative-prior';
