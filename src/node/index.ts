/**
 * tfjs-synth/node: Node-only helpers (file system, image codecs, datasets, progress bars).
 * @packageDocumentation
 * @module tfjs-synth/node
 */
export type { RgbaImage } from '../core/rgba-image';
export type { ImageRGBA, ImageRGBALike } from './image-rgba';
export { decodeImage } from './decode-image';
export type { ImageFormat } from './decode-image';
export { encodePng } from './encode-png';
export { readImage } from './read-image';
export { writePng } from './write-png';
export { resizeImage } from './resize-image';
export type { ResizeFilter, ResizeImageOptions } from './resize-image';
export { imageToTensor } from './image-to-tensor';
export type { ImageRange, ImageToTensorOptions } from './image-to-tensor';
export { tensorToImage } from './tensor-to-image';
export type { TensorToImageOptions } from './tensor-to-image';
export { readImageTensor } from './read-image-tensor';
export { writeImageTensor } from './write-image-tensor';
export { imageGrid } from './image-grid';
export type { ImageGridOptions } from './image-grid';
export { saveModel } from './save-model';
export { loadModel } from './load-model';
export { saveVariables } from './save-variables';
export { loadVariables } from './load-variables';
export { saveOptimizer } from './save-optimizer';
export { loadOptimizer } from './load-optimizer';
export type { LoadOptimizerOptions } from './load-optimizer';
export type { ImageDataset, ImageDatasetOptions, ImagePairSample } from './image-dataset';
export { alignedDataset } from './aligned-dataset';
export type { AlignedDatasetOptions } from './aligned-dataset';
export { unalignedDataset } from './unaligned-dataset';
export type { UnalignedDatasetOptions } from './unaligned-dataset';
export { createProgressBar } from './progress-bar';
export type { ProgressBar, ProgressBarOptions, ProgressStream } from './progress-bar';
export { saveTrainer, loadTrainer } from './trainer-files';
export type { ResumableTrainer, SavedTrainerInfo, SaveTrainerOptions } from './trainer-files';
