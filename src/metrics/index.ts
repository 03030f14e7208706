/**
 * Image-quality and distribution metrics: PSNR, SSIM and MS-SSIM (with masked variants), the
 * Fréchet and kernel distances with FID and KID over any feature extractor, LPIPS, and the FCN
 * score.
 * @module
 */
export { psnr, type PsnrOptions } from './psnr';
export { ssim, type SsimOptions } from './ssim';
export { msSsim, type MsSsimOptions } from './ms-ssim';
export type { SsimWindowOptions } from './internal/ssim-options';
export { featureStatistics, type FeatureStatistics } from './feature-statistics';
export { frechetDistance, type FeatureSet } from './frechet-distance';
export { kernelDistance, type KernelDistanceOptions, type KernelDistanceResult } from './kernel-distance';
export { fid, type ImageFeatureOptions } from './fid';
export { kid, type KidOptions } from './kid';
export type { FeatureExtractor, ImageSource } from './internal/collect-features';
export { fcnScore, type FcnScoreOptions, type FcnScoreResult } from './fcn-score';
export { lpipsNetwork, type LpipsNetwork, type LpipsNetworkArgs } from './lpips-network';
export { lpips, type LpipsOptions } from './lpips';
