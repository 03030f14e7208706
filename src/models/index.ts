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
