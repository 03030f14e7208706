import * as tf from '@tensorflow/tfjs-core';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, normalize, sep } from 'node:path';

/** A tensor with a name (tfjs-core's `NamedTensor`, which its index does not export). @internal */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/** Header of a `<name>.json` written by {@link writeWeightFiles}. @internal */
export interface WeightFilesHeader {
  format: 'tfjs-synth-weights';
  version: 1;
  /** Binary file beside the JSON, relative to its folder. */
  weightsPath: string;
  /** Tensor names, shapes and dtypes in file order (tfjs weight-manifest entries). */
  weights: tf.io.WeightsManifestEntry[];
  /** Caller data (for optimizers: class name and config). */
  metadata?: Record<string, unknown>;
}

/** Checks that `name` is a plain file stem (no folders), so files stay inside `dir`. @internal */
export function checkFileStem(owner: string, name: string): void {
  if (typeof name !== 'string' || name.length === 0 || /[\\/]/.test(name) || name === '.' || name === '..') {
    throw new Error(`${owner}: name must be a non-empty file name without folders, got ${JSON.stringify(name)}.`);
  }
}

/**
 * Resolves a file listed inside a saved folder, refusing paths that leave the folder.
 * @internal
 */
export function resolveInside(owner: string, dir: string, file: string): string {
  const rel = normalize(file);
  if (isAbsolute(rel) || rel === '..' || rel.startsWith(`..${sep}`)) {
    throw new Error(
      `${owner}: the file ${JSON.stringify(file)} listed in ${JSON.stringify(dir)} points outside the folder.`,
    );
  }
  return join(dir, rel);
}

/** Reads a file, turning ENOENT and friends into an Error that names the function and path. @internal */
export async function readFileOrThrow(owner: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new Error(`${owner}: cannot read ${JSON.stringify(path)}: ${(err as Error).message}`);
  }
}

/** The bytes of a Buffer as an ArrayBuffer of exactly that length (Buffers may share a pool). @internal */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(out).set(bytes);
  return out;
}

/**
 * Writes named tensors as `<dir>/<name>.json` (specs + metadata) and `<dir>/<name>.bin`
 * (raw little-endian data in tfjs weight format).
 * @internal
 */
export async function writeWeightFiles(
  owner: string,
  dir: string,
  name: string,
  tensors: NamedTensor[],
  metadata?: Record<string, unknown>,
): Promise<void> {
  checkFileStem(owner, name);
  const seen = new Set<string>();
  for (const { name: n, tensor } of tensors) {
    if (!(tensor instanceof tf.Tensor)) throw new Error(`${owner}: ${JSON.stringify(n)} is not a tf.Tensor.`);
    if (tensor.isDisposed) throw new Error(`${owner}: tensor ${JSON.stringify(n)} is disposed.`);
    if (seen.has(n)) throw new Error(`${owner}: duplicate tensor name ${JSON.stringify(n)}.`);
    seen.add(n);
  }
  const { data, specs } = await tf.io.encodeWeights(tensors);
  const header: WeightFilesHeader = {
    format: 'tfjs-synth-weights',
    version: 1,
    weightsPath: `${name}.bin`,
    weights: specs,
    ...(metadata ? { metadata } : {}),
  };
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${name}.bin`), new Uint8Array(data));
  await writeFile(join(dir, `${name}.json`), `${JSON.stringify(header, null, 2)}\n`);
}

/**
 * Reads files written by {@link writeWeightFiles}; returns the tensors in file order.
 * The caller owns (and must dispose) the tensors.
 * @internal
 */
export async function readWeightFiles(
  owner: string,
  dir: string,
  name: string,
): Promise<{ tensors: NamedTensor[]; metadata: Record<string, unknown> | undefined }> {
  checkFileStem(owner, name);
  const jsonPath = join(dir, `${name}.json`);
  let header: WeightFilesHeader;
  try {
    header = JSON.parse((await readFileOrThrow(owner, jsonPath)).toString('utf8')) as WeightFilesHeader;
  } catch (err) {
    const msg = (err as Error).message;
    throw new Error(msg.startsWith(owner) ? msg : `${owner}: ${JSON.stringify(jsonPath)} is not valid JSON: ${msg}`);
  }
  if (header?.format !== 'tfjs-synth-weights' || !Array.isArray(header.weights)) {
    throw new Error(`${owner}: ${JSON.stringify(jsonPath)} is not a tfjs-synth weights file.`);
  }
  const bytes = await readFileOrThrow(owner, resolveInside(owner, dir, header.weightsPath));
  const expected = header.weights.reduce(
    (n, s) => n + s.shape.reduce((a, b) => a * b, 1) * (s.dtype === 'bool' ? 1 : 4),
    0,
  );
  if (bytes.byteLength !== expected) {
    throw new Error(
      `${owner}: ${JSON.stringify(header.weightsPath)} has ${bytes.byteLength} bytes but its specs need ${expected}.`,
    );
  }
  const map = tf.io.decodeWeights(toArrayBuffer(bytes), header.weights);
  // Order from the specs, not from object key order (integer-like names would be reordered).
  const tensors = header.weights.map((s) => ({ name: s.name, tensor: map[s.name]! }));
  return { tensors, metadata: header.metadata };
}
