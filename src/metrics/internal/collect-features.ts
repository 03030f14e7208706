/**
 * Runs a feature extractor over images in batches and gathers the features on the host.
 * @internal
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkError, type AbortSignalLike } from '../../core/checks';
import { formatShape } from '../../ops/internal/check-tensor';
import { MAX_FEATURE_DIM } from './features';

/**
 * A feature extractor: a function from images [b, h, w, c] to features [b, d] (or [b, 1, 1, d],
 * as a pooled convolutional network gives), or a model with `predict` (a tf.LayersModel or a
 * tf.GraphModel). Not `losses.FeatureMapExtractor`, which gives a list of feature maps for the
 * perceptual losses.
 */
export type FeatureExtractor =
  | ((images: tf.Tensor4D) => tf.Tensor)
  | { predict(images: tf.Tensor4D): tf.Tensor | tf.Tensor[] };

/** Images: one tensor [n, h, w, c], or batches of them from an array or (async) iterable. */
export type ImageSource = tf.Tensor4D | Iterable<tf.Tensor4D> | AsyncIterable<tf.Tensor4D>;

export function checkExtractor(owner: string, arg: string, value: unknown): (x: tf.Tensor4D) => tf.Tensor {
  if (typeof value === 'function') return value as (x: tf.Tensor4D) => tf.Tensor;
  if (value !== null && typeof value === 'object' && typeof (value as { predict?: unknown }).predict === 'function') {
    const model = value as { predict(x: tf.Tensor4D): tf.Tensor | tf.Tensor[] };
    return (x) => {
      const out = model.predict(x);
      if (Array.isArray(out)) {
        tf.dispose(out.slice(1));
        return out[0]!;
      }
      return out;
    };
  }
  throw checkError(owner, arg, 'a function (images) => features or a model with predict()', value);
}

export function checkImageSource(owner: string, arg: string, value: unknown): ImageSource {
  if (value instanceof tf.Tensor) {
    if (value.rank !== 4)
      throw new Error(`${owner}: ${arg} must be rank 4 [n, h, w, c], got shape ${formatShape(value.shape)}.`);
    if (value.isDisposed) throw new Error(`${owner}: ${arg} must be a live tf.Tensor, got a disposed one.`);
    return value as tf.Tensor4D;
  }
  if (value !== null && typeof value === 'object' && (Symbol.iterator in value || Symbol.asyncIterator in value)) {
    return value as ImageSource;
  }
  throw checkError(owner, arg, 'a [n, h, w, c] tf.Tensor or an (async) iterable of them', value);
}

/** The features [n, d] of every image, as float32 rows on the host. */
export async function collectFeatures(
  owner: string,
  arg: string,
  source: ImageSource,
  extract: (x: tf.Tensor4D) => tf.Tensor,
  batchSize: number,
  signal: AbortSignalLike | undefined,
): Promise<{ values: Float32Array; n: number; d: number }> {
  const chunks: Float32Array[] = [];
  let d = -1;
  let n = 0;
  const run = async (batch: tf.Tensor4D): Promise<void> => {
    if (signal?.aborted) throw signal.reason ?? new Error(`${owner}: aborted.`);
    if (!(batch instanceof tf.Tensor) || batch.rank !== 4 || batch.isDisposed) {
      throw checkError(owner, arg, 'batches that are live [n, h, w, c] tensors', batch);
    }
    const features = tf.tidy(() => {
      const out = extract(batch);
      if (!(out instanceof tf.Tensor) || out.shape[0] !== batch.shape[0]) {
        throw new Error(`${owner}: the extractor must return a tensor with one row per image.`);
      }
      return tf.reshape(tf.cast(out, 'float32'), [batch.shape[0], -1]);
    });
    const width = features.shape[1]!;
    if (d === -1) d = width;
    if (width !== d || width > MAX_FEATURE_DIM) {
      features.dispose();
      throw new Error(
        `${owner}: the extractor returned ${width} features per image; expected ${d === width ? `at most ${MAX_FEATURE_DIM}` : d}.`,
      );
    }
    chunks.push((await features.data()) as Float32Array);
    features.dispose();
    n += batch.shape[0];
  };
  if (source instanceof tf.Tensor) {
    const total = source.shape[0];
    for (let start = 0; start < total; start += batchSize) {
      const batch = tf.slice(source, [start, 0, 0, 0], [Math.min(batchSize, total - start), -1, -1, -1]);
      try {
        await run(batch);
      } finally {
        batch.dispose();
      }
    }
  } else {
    for await (const batch of source as AsyncIterable<tf.Tensor4D>) await run(batch);
  }
  if (n === 0) throw new Error(`${owner}: ${arg} holds no images.`);
  const values = new Float32Array(n * d);
  let offset = 0;
  for (const c of chunks) {
    values.set(c, offset);
    offset += c.length;
  }
  return { values, n, d };
}
