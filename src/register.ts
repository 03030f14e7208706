import { serialization } from '@tensorflow/tfjs-core';
import { AdaIN } from './layers/adain';
import { BatchNormalizationTorch } from './layers/batch-normalization-torch';
import { ContextualAttention } from './layers/contextual-attention';
import { GatedConv2D } from './layers/gated-conv2d';
import { GatedUpsample2D } from './layers/gated-upsample2d';
import { InstanceNormalization } from './layers/instance-normalization';
import { PartialConv2D } from './layers/partial-conv2d';
import { ReflectionPadding2D } from './layers/reflection-padding2d';
import { SpectralNormalization } from './layers/spectral-normalization';
import { AvgPool2DExcludePadding } from './layers/internal/avg-pool2d-exclude-padding';
import { SPADE } from './layers/spade';
import { SPADEResnetBlock } from './layers/spade-resnet-block';
import { Crop2D } from './layers/internal/crop2d';
import { DilatedConv2D } from './layers/internal/dilated-conv2d';
import { InpaintingInput } from './layers/internal/inpainting-input';
import { InstanceMeanPooling } from './layers/internal/instance-mean-pooling';
import { MaskComposite } from './layers/internal/mask-composite';
import { ResizeMaskLike } from './layers/internal/resize-mask-like';
import { ResizeTorch } from './layers/internal/resize-torch';
import { SpatialSizeCheck } from './layers/internal/spatial-size-check';

/**
 * Every serializable layer class of the library: the public layers, then the helper layers the
 * network builders insert. Kept by hand; `test/registration.test.ts` fails when a layer class
 * with a `className` is missing here.
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
  SPADE,
  SPADEResnetBlock,
  SpatialSizeCheck,
  InpaintingInput,
  MaskComposite,
  ResizeMaskLike,
  Crop2D,
  AvgPool2DExcludePadding,
  InstanceMeanPooling,
  ResizeTorch,
  DilatedConv2D,
];

let registered = false;

/**
 * Registers every layer class of this library with `tf.serialization`, so that
 * `tf.loadLayersModel` can rebuild models that contain them. Idempotent: call it as often as
 * you like. The package is `sideEffects: false`; every loader and {@link initBackend} call this,
 * so a tree-shaken bundle cannot load a saved model before the classes are known.
 */
export function registerLayers(): void {
  if (registered) return;
  for (const cls of layerClasses) serialization.registerClass(cls);
  registered = true;
}
