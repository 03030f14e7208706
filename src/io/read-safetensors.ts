import { decodeElements, DTYPE_BYTES, numelOf, plainBytes } from './internal/dtypes';
import type { StateDict, TorchDType } from './state-dict';

/** safetensors dtype codes this reader understands, with their PyTorch names. */
const SAFETENSORS_DTYPES: Readonly<Record<string, TorchDType>> = {
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  F64: 'float64',
  I64: 'int64',
  I32: 'int32',
  I16: 'int16',
  I8: 'int8',
  U8: 'uint8',
  BOOL: 'bool',
};

/** Upper bound on the JSON header (the reference implementation uses 100 MB). */
const MAX_HEADER_BYTES = 100_000_000;

/**
 * Parses a `.safetensors` file (https://github.com/huggingface/safetensors): an 8-byte
 * little-endian header length, a JSON header `{ name: { dtype, shape, data_offsets } }` (plus an
 * optional `__metadata__` entry, ignored), then the raw little-endian tensor bytes.
 *
 * Reads F32, F16, BF16, F64 (decoded to `Float32Array`), I64 (`BigInt64Array`), I32, I16, I8
 * (`Int32Array`), U8 and BOOL (`Uint8Array`); each tensor's `dtype` records the stored type.
 * Throws an Error naming the problem for a truncated file, a bad header, an unknown dtype or
 * out-of-range offsets.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { io } from 'tfjs-synth';
 * const sd = io.readSafetensors(readFileSync('netG.safetensors'));
 * console.log(sd.get('model.1.weight')?.shape); // e.g. [64, 3, 7, 7]
 * ```
 */
export function readSafetensors(input: Uint8Array): StateDict {
  const fn = 'readSafetensors';
  if (!(input instanceof Uint8Array)) throw new Error(`${fn}: expected a Uint8Array (or Buffer), got ${String(input)}.`);
  const bytes = plainBytes(input);
  if (bytes.byteLength < 8) {
    throw new Error(`${fn}: file is ${bytes.byteLength} bytes, too short for the 8-byte header length.`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > MAX_HEADER_BYTES || 8 + headerLen > bytes.byteLength) {
    throw new Error(
      `${fn}: header length ${headerLen} does not fit in a file of ${bytes.byteLength} bytes ` +
        '(truncated, or not a safetensors file).',
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    throw new Error(`${fn}: header is not valid UTF-8 JSON (${(e as Error).message}).`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new Error(`${fn}: header must be a JSON object, got ${JSON.stringify(header)?.slice(0, 80)}.`);
  }
  const dataStart = 8 + headerLen;
  const dataLen = bytes.byteLength - dataStart;
  const out: StateDict = new Map();
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') continue;
    const entry = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = typeof entry.dtype === 'string' ? SAFETENSORS_DTYPES[entry.dtype] : undefined;
    if (dtype === undefined) {
      throw new Error(
        `${fn}: tensor '${name}' has unsupported dtype ${JSON.stringify(entry.dtype)}; ` +
          `supported: ${Object.keys(SAFETENSORS_DTYPES).join(', ')}.`,
      );
    }
    const shape = entry.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new Error(`${fn}: tensor '${name}' has invalid shape ${JSON.stringify(shape)}.`);
    }
    const offsets = entry.data_offsets;
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isInteger(o) && o >= 0) ||
      offsets[0] > offsets[1] ||
      offsets[1] > dataLen
    ) {
      throw new Error(
        `${fn}: tensor '${name}' has data_offsets ${JSON.stringify(offsets)} outside the ${dataLen} data bytes ` +
          '(truncated or corrupt file).',
      );
    }
    const count = numelOf(shape as number[]);
    const [begin, end] = offsets as [number, number];
    if (end - begin !== count * DTYPE_BYTES[dtype]) {
      throw new Error(
        `${fn}: tensor '${name}' (${entry.dtype} ${JSON.stringify(shape)}) needs ${count * DTYPE_BYTES[dtype]} bytes, ` +
          `data_offsets span ${end - begin}.`,
      );
    }
    const raw = bytes.subarray(dataStart + begin, dataStart + end);
    out.set(name, { dtype, shape: [...(shape as number[])], data: decodeElements(raw, dtype, count) });
  }
  return out;
}
