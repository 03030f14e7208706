/**
 * tfjs-synth/patchmatch: PatchMatch in WebAssembly SIMD with a plain TypeScript fallback.
 * This entry point imports nothing from TensorFlow.js.
 * @packageDocumentation
 * @module tfjs-synth/patchmatch
 */
export { createPatchMatch } from './create-patch-match.js';
export { createParallelPatchMatch } from './create-parallel-patch-match.js';
export type { CreateParallelPatchMatchOptions, ParallelPatchMatch } from './create-parallel-patch-match.js';
export { hasWasmSimd } from './wasm-kernel.js';
export { screenedPoisson } from '../core/screened-poisson.js';
export type { ScreenedPoissonProblem, ScreenedPoissonResult } from '../core/screened-poisson.js';
export type { ImageAnalogyArgs, ImageAnalogyOptions } from './image-analogy.js';
export type { TransferTextureArgs, TransferTextureOptions } from './transfer-texture.js';
export type {
  CreatePatchMatchOptions,
  InpaintOptions,
  Mask,
  MeldImagesOptions,
  MeldingOptions,
  Nnf,
  NnfOptions,
  NnfProgress,
  PatchMatch,
  PatchMatchBackend,
  RgbaImage,
  SynthesisOptions,
  SynthesisProgress,
  TextureOptions,
  TransformRange,
  VoteOptions,
} from './types.js';
