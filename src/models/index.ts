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
export { globalGenerator } from './global-generator';
export type { GlobalGeneratorArgs } from './global-generator';
export { localEnhancer } from './local-enhancer';
export type { LocalEnhancerArgs } from './local-enhancer';
export { instanceFeatureEncoder } from './instance-feature-encoder';
export type { InstanceFeatureEncoderArgs } from './instance-feature-encoder';
export { multiscaleDiscriminator } from './multiscale-discriminator';
export { groupMultiscaleOutputs } from './group-multiscale-outputs';
export type { MultiscaleDiscriminatorArgs } from './multiscale-discriminator';
export type { HDNorm } from './internal/pix2pixhd-common';
export { spadeGenerator } from './spade-generator';
export type { SPADEGeneratorArgs, SPADEUpsampling } from './spade-generator';
export { spadeMultiscaleDiscriminator } from './spade-multiscale-discriminator';
export type { SPADEMultiscaleDiscriminatorArgs } from './spade-multiscale-discriminator';
export { spadeEncoder } from './spade-encoder';
export type { SPADEEncoderArgs } from './spade-encoder';
export { vgg19Features, VGG19_PERCEPTUAL_LAYERS } from './vgg19-features';
export type { VGG19FeaturesArgs } from './vgg19-features';
export { vgg16Features, VGG16_LPIPS_LAYERS } from './vgg16-features';
export type { VGG16FeaturesArgs } from './vgg16-features';
export type { VGGFeaturesArgs } from './internal/vgg-trunk';
export { spadeGenerate } from './spade-generate';
export type { SPADEGenerateOptions } from './spade-generate';
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
