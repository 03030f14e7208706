import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import { join } from 'node:path';
import { registerLayers } from '../register';
import { readFileOrThrow, resolveInside, toArrayBuffer } from './internal/weight-files';

/**
 * Loads a tfjs-layers model from a folder holding `model.json` and its weight files (as
 * written by {@link saveModel}, tfjs-node or the tfjs converter; sharded weights are
 * concatenated in manifest order). It registers this library's layer classes first, so
 * models containing them reload without extra calls, and needs no tfjs-node.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { loadModel } from 'tfjs-synth/node';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend();
 * const generator = await loadModel('checkpoints/run1/generator');
 * const fake = generator.predict(tf.zeros([1, 256, 256, 3])) as tf.Tensor;
 * ```
 * @param dir Folder containing `model.json`.
 * @throws Error naming the file when `model.json` or a weight file is missing or malformed.
 */
export async function loadModel(dir: string): Promise<LayersModel> {
  registerLayers();
  const jsonPath = join(dir, 'model.json');
  const text = (await readFileOrThrow('loadModel', jsonPath)).toString('utf8');
  let modelJson: tf.io.ModelJSON;
  try {
    modelJson = JSON.parse(text) as tf.io.ModelJSON;
  } catch (err) {
    throw new Error(`loadModel: ${JSON.stringify(jsonPath)} is not valid JSON: ${(err as Error).message}`);
  }
  if (modelJson == null || typeof modelJson !== 'object' || modelJson.modelTopology == null) {
    throw new Error(`loadModel: ${JSON.stringify(jsonPath)} has no modelTopology; is it a layers model?`);
  }
  const artifacts = await tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
    const specs: tf.io.WeightsManifestEntry[] = [];
    const buffers: ArrayBuffer[] = [];
    for (const group of manifest) {
      specs.push(...group.weights);
      for (const file of group.paths) {
        buffers.push(toArrayBuffer(await readFileOrThrow('loadModel', resolveInside('loadModel', dir, file))));
      }
    }
    return [specs, tf.io.concatenateArrayBuffers(buffers)];
  });
  return loadLayersModel(tf.io.fromMemory(artifacts));
}
