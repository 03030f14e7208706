import { serialization } from '@tensorflow/tfjs-core';
import { layerClasses } from './layers/classes';

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
