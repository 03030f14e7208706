import type { serialization } from '@tensorflow/tfjs-core';
import { GatedConv2D } from './gated-conv2d';
import { GatedUpsample2D } from './gated-upsample2d';
import { SpectralNormalization } from './spectral-normalization';
import { PartialConv2D } from './partial-conv2d';
import { ContextualAttention } from './contextual-attention';
import { AdaIN } from './adain';
import { BatchNormalizationTorch } from './batch-normalization-torch';
import { InstanceNormalization } from './instance-normalization';
import { ReflectionPadding2D } from './reflection-padding2d';
import { SpatialSizeCheck } from '../models/internal/spatial-size-check';
import { InpaintingInput } from '../models/internal/inpainting-input';
import { MaskComposite } from '../models/internal/mask-composite';
import { ResizeMaskLike } from '../models/internal/resize-mask-like';
import { Crop2D } from '../models/internal/crop2d';

/**
 * Every serializable layer class of the library, registered by `registerLayers()`.
 * Each layer file adds its class here.
 * @internal
 */
export const layerClasses: serialization.SerializableConstructor<serialization.Serializable>[] = [
  GatedConv2D,
  GatedUpsample2D,
  SpectralNormalization,
  PartialConv2D,
  ContextualAttention,
  ReflectionPadding2D,
  InstanceNormalization,
  BatchNormalizationTorch,
  AdaIN,
  SpatialSizeCheck,
  InpaintingInput,
  MaskComposite,
  ResizeMaskLike,
  Crop2D,
];
