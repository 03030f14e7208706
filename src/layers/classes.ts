import type { serialization } from '@tensorflow/tfjs-core';

/**
 * Every serializable layer class of the library, registered by `registerLayers()`.
 * Each layer file adds its class here.
 * @internal
 */
export const layerClasses: serialization.SerializableConstructor<serialization.Serializable>[] = [];
