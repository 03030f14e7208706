// Public API of src/models: one export line per unit.
export { adainEncoder, ADAIN_ENCODER_OUTPUTS } from './adain-encoder';
export type { AdaINEncoderArgs, AdaINEncoderOutput } from './adain-encoder';
export { adainDecoder } from './adain-decoder';
export type { AdaINDecoderArgs } from './adain-decoder';
export { unetGenerator } from './unet-generator';
export type { UnetGeneratorArgs } from './unet-generator';
export { resnetGenerator } from './resnet-generator';
export type { ResnetGeneratorArgs } from './resnet-generator';
export { patchGANDiscriminator } from './patchgan-discriminator';
export type { PatchGANDiscriminatorArgs } from './patchgan-discriminator';
export { pixelDiscriminator } from './pixel-discriminator';
export type { PixelDiscriminatorArgs } from './pixel-discriminator';
export type { NetworkNorm } from './internal/networks-common';
export { gatedInpaintingGenerator } from './gated-inpainting-generator';
export type { GatedInpaintingGeneratorArgs, GatedInpaintingAttentionArgs } from './gated-inpainting-generator';
export { snPatchGANDiscriminator } from './sn-patchgan-discriminator';
export type { SNPatchGANDiscriminatorArgs } from './sn-patchgan-discriminator';
export { dcganGenerator } from './dcgan-generator';
export type { DCGANGeneratorArgs } from './dcgan-generator';
export { dcganDiscriminator } from './dcgan-discriminator';
export type { DCGANDiscriminatorArgs } from './dcgan-discriminator';
export { alexnetFeatures } from './alexnet-features';
export type { AlexnetFeaturesArgs } from './alexnet-features';
export {
  glcicCompletionNetwork,
  glcicLocalDiscriminator,
  glcicGlobalDiscriminator,
  glcicContextDiscriminator,
} from './glcic';
export type {
  GLCICCompletionNetworkArgs,
  GLCICDiscriminatorArgs,
  GLCICGlobalDiscriminatorArgs,
  GLCICContextDiscriminatorArgs,
} from './glcic';
