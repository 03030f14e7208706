import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Saves a tfjs-layers model to a folder as `model.json` (topology + weight manifest) and
 * `weights.bin`, the same layout `tf.io` HTTP loaders and tfjs-node's `file://` handler
 * use, without needing tfjs-node. Reload with {@link loadModel}.
 *
 * @example
 * ```ts
 * import * as tfl from '@tensorflow/tfjs-layers';
 * import { saveModel } from 'tfjs-synth/node';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend();
 * const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 1, inputShape: [4] })] });
 * await saveModel(model, 'checkpoints/run1/generator');
 * ```
 * @param dir Folder to write into; created if missing. Existing files there are overwritten.
 * @returns tfjs' summary of what was saved (byte counts).
 */
export async function saveModel(model: LayersModel, dir: string): Promise<tf.io.ModelArtifactsInfo> {
  if (model == null || typeof (model as { save?: unknown }).save !== 'function') {
    throw new Error('saveModel: model must be a tfjs-layers LayersModel (tf.model / tf.sequential).');
  }
  if (typeof dir !== 'string' || dir.length === 0) {
    throw new Error(`saveModel: dir must be a non-empty folder path, got ${JSON.stringify(dir)}.`);
  }
  const handler = tf.io.withSaveHandler(async (artifacts) => {
    const weightData =
      artifacts.weightData == null ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
    const modelJson: tf.io.ModelJSON = {
      modelTopology: artifacts.modelTopology!,
      format: artifacts.format ?? 'layers-model',
      generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_core}`,
      convertedBy: artifacts.convertedBy ?? null,
      weightsManifest: [{ paths: ['./weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
      ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
    };
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'weights.bin'), new Uint8Array(weightData));
    await writeFile(join(dir, 'model.json'), JSON.stringify(modelJson));
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  });
  const result = await model.save(handler);
  return result.modelArtifactsInfo;
}
