import { describeValue, formatShape, quote } from './internal/describe';
import { decodeElements, DTYPE_BYTES, plainBytes } from './internal/dtypes';
import { JsonParseError, parseStrictJson, type JsonValue } from './internal/json';
import { limitOption, optionsObject } from './internal/options';
import { looksLikeLegacyTorchSave, MAX_RANK } from './internal/pickle';
import { looksLikeZip } from './internal/zip';
import type { StateDict, TorchDType } from './state-dict';

/** Options of {@link readSafetensors}. */
export interface ReadSafetensorsOptions {
  /**
   * Largest JSON header read, in bytes; a file declaring a longer header is refused before any
   * of it is decoded. Default 16,777,216 (16 MiB: about 100,000 tensors' entries). At most
   * 100,000,000, the limit of the format itself.
   */
  maxHeaderBytes?: number;
}

/** Default of {@link ReadSafetensorsOptions.maxHeaderBytes}. */
const DEFAULT_MAX_HEADER_BYTES = 16 * 1024 * 1024;

/** The format's own limit on the header (the reference implementation's MAX_HEADER_SIZE). */
const FORMAT_MAX_HEADER_BYTES = 100_000_000;

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

/** One validated header entry. */
interface Entry {
  name: string;
  dtype: TorchDType;
  shape: number[];
  count: number;
  begin: number;
  end: number;
}

/**
 * Parses a `.safetensors` file (https://github.com/huggingface/safetensors): an 8-byte
 * little-endian header length, a JSON header `{ name: { dtype, shape, data_offsets } }` (plus an
 * optional string-to-string `__metadata__` entry, validated and otherwise ignored), then the raw
 * little-endian tensor bytes.
 *
 * Reads F32, F16, BF16, F64 (decoded to `Float32Array`), I64 (`BigInt64Array`), I32, I16, I8
 * (`Int32Array`), U8 and BOOL (`Uint8Array`); each tensor's `dtype` records the stored type.
 * Tensors come in header order.
 *
 * As strict as the reference implementation: the header must be UTF-8 JSON without a byte-order
 * mark, duplicate keys or nesting deeper than 128; shapes and offsets must be non-negative
 * integers; sorted by offset, the tensors must tile the data section exactly (no gap, overlap,
 * shared bytes or trailing bytes; an entry whose end precedes its start is an Error). Beyond it:
 * ranks above 64 are refused. The result holds at most 4 bytes per data byte (int8 widened to
 * int32), and the header length is checked against `maxHeaderBytes` before it is decoded.
 *
 * @param input The file contents (a Uint8Array or a Node Buffer).
 * @param options See {@link ReadSafetensorsOptions}.
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { io } from 'tfjs-synth';
 * const sd = io.readSafetensors(readFileSync('netG.safetensors'));
 * console.log(sd.get('model.1.weight')?.shape); // e.g. [64, 3, 7, 7]
 * // A file with a header above 16 MiB (the default cap):
 * const big = io.readSafetensors(readFileSync('huge.safetensors'), { maxHeaderBytes: 64 * 1024 * 1024 });
 * ```
 */
export function readSafetensors(input: Uint8Array, options?: ReadSafetensorsOptions): StateDict {
  const fn = 'readSafetensors';
  if (!(input instanceof Uint8Array)) {
    throw new Error(`${fn}: expected a Uint8Array (or Buffer), got ${describeValue(input, true)}.`);
  }
  const opts = optionsObject(options, fn);
  const maxHeaderBytes = limitOption(opts.maxHeaderBytes, 'maxHeaderBytes', fn, DEFAULT_MAX_HEADER_BYTES, {
    min: 2,
    max: FORMAT_MAX_HEADER_BYTES,
    integer: true,
  });
  const bytes = plainBytes(input);
  if (looksLikeZip(bytes) || looksLikeLegacyTorchSave(bytes)) {
    throw new Error(`${fn}: this is a torch.save (.pth) file, not safetensors; read it with readTorchCheckpoint.`);
  }
  if (bytes.byteLength < 8) {
    throw new Error(`${fn}: file is ${bytes.byteLength} bytes, too short for the 8-byte header length.`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(maxHeaderBytes)) {
    throw new Error(
      `${fn}: header length ${declared} exceeds the limit of ${maxHeaderBytes} bytes ` +
        `(raise it with the maxHeaderBytes option, up to the format's ${FORMAT_MAX_HEADER_BYTES}; or not a safetensors file).`,
    );
  }
  const headerLen = Number(declared);
  if (8 + headerLen > bytes.byteLength) {
    throw new Error(
      `${fn}: header length ${headerLen} does not fit in a file of ${bytes.byteLength} bytes ` +
        '(truncated, or not a safetensors file).',
    );
  }
  const headerBytes = bytes.subarray(8, 8 + headerLen);
  if (headerBytes[0] === 0xef && headerBytes[1] === 0xbb && headerBytes[2] === 0xbf) {
    throw new Error(`${fn}: header starts with a UTF-8 byte-order mark, which the format does not allow.`);
  }
  let header: JsonValue;
  try {
    header = parseStrictJson(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes));
  } catch (e) {
    const reason =
      e instanceof JsonParseError
        ? e.key !== undefined
          ? `duplicate key ${quote(e.key)} at character ${e.position}`
          : e.message
        : 'invalid UTF-8';
    throw new Error(`${fn}: header is not valid UTF-8 JSON (${reason}).`);
  }
  if (!(header instanceof Map)) {
    throw new Error(`${fn}: header must be a JSON object, got ${describeValue(header, true)}.`);
  }

  const dataStart = 8 + headerLen;
  const dataLen = bytes.byteLength - dataStart;
  const entries: Entry[] = [];
  for (const [name, info] of header) {
    if (name === '__metadata__') {
      checkMetadata(info, fn);
      continue;
    }
    entries.push(checkEntry(name, info, dataLen, fn));
  }

  // As the reference: sorted by offsets, the tensors must tile [0, dataLen) exactly.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let previous: Entry | undefined;
  for (const e of sorted) {
    if (e.begin > at) {
      throw new Error(
        `${fn}: data bytes [${at}, ${e.begin}) belong to no tensor (a gap before tensor ${quote(e.name)}); ` +
          'the format allows none.',
      );
    }
    if (e.begin < at) {
      throw new Error(
        `${fn}: tensor ${quote(e.name)} data_offsets [${e.begin}, ${e.end}] overlap tensor ${quote(previous!.name)}, ` +
          `which ends at ${at}; tensors may not share bytes.`,
      );
    }
    at = e.end;
    previous = e;
  }
  if (at !== dataLen) {
    throw new Error(`${fn}: ${dataLen - at} trailing bytes after the last tensor's data; the format allows none.`);
  }

  const out: StateDict = new Map();
  for (const e of entries) {
    const raw = bytes.subarray(dataStart + e.begin, dataStart + e.end);
    out.set(e.name, { dtype: e.dtype, shape: e.shape, data: decodeElements(raw, e.dtype, e.count) });
  }
  return out;
}

/** `__metadata__`: absent (null, as the reference accepts) or an object of string values. */
function checkMetadata(info: JsonValue, fn: string): void {
  if (info === null) return;
  if (!(info instanceof Map)) {
    throw new Error(`${fn}: __metadata__ must be an object of strings, got ${describeValue(info, true)}.`);
  }
  for (const [k, v] of info) {
    if (typeof v !== 'string') {
      throw new Error(`${fn}: __metadata__ must map strings to strings; ${quote(k)} holds ${describeValue(v, true)}.`);
    }
  }
}

/** A header field for a message: `(missing)`, a quoted string, or a value described by type. */
function field(v: JsonValue | undefined): string {
  if (v === undefined) return '(missing)';
  return typeof v === 'string' ? quote(v) : describeValue(v, true);
}

/** A non-negative safe integer read from the header, or undefined. */
function natural(v: JsonValue | undefined): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

/** Validates one tensor's header entry against the schema and the data section's length. */
function checkEntry(name: string, info: JsonValue, dataLen: number, fn: string): Entry {
  const what = `tensor ${quote(name)}`;
  if (!(info instanceof Map)) {
    throw new Error(
      `${fn}: ${what}: header entry must be an object with dtype, shape and data_offsets, got ${describeValue(info, true)}.`,
    );
  }
  const code = info.get('dtype');
  const dtype =
    typeof code === 'string' && Object.hasOwn(SAFETENSORS_DTYPES, code) ? SAFETENSORS_DTYPES[code] : undefined;
  if (dtype === undefined) {
    throw new Error(
      `${fn}: ${what} has unsupported dtype ${field(code)}; supported: ${Object.keys(SAFETENSORS_DTYPES).join(', ')}.`,
    );
  }
  const shapeValue = info.get('shape');
  if (
    !Array.isArray(shapeValue) ||
    shapeValue.length > MAX_RANK ||
    !shapeValue.every((d) => natural(d) !== undefined)
  ) {
    // A short list is shown item by item (its bad items described), anything else by type.
    const got =
      Array.isArray(shapeValue) && shapeValue.length <= 8
        ? `[${shapeValue.map((d) => (natural(d) !== undefined ? String(d) : describeValue(d, true))).join(', ')}]`
        : field(shapeValue);
    throw new Error(
      `${fn}: ${what} has invalid shape ${got}: it must be a list of at most ${MAX_RANK} non-negative integers.`,
    );
  }
  const shape = shapeValue as number[];
  const offsets = info.get('data_offsets');
  const begin = Array.isArray(offsets) && offsets.length === 2 ? natural(offsets[0]) : undefined;
  const end = Array.isArray(offsets) && offsets.length === 2 ? natural(offsets[1]) : undefined;
  if (begin === undefined || end === undefined) {
    throw new Error(
      `${fn}: ${what} has invalid data_offsets ${field(offsets)}: ` + 'they must be two non-negative integers.',
    );
  }
  if (end < begin) throw new Error(`${fn}: ${what} has data_offsets [${begin}, ${end}] that end before they begin.`);
  if (end > dataLen) {
    throw new Error(
      `${fn}: ${what} has data_offsets [${begin},${end}] outside the ${dataLen} data bytes (truncated or corrupt file).`,
    );
  }
  // Element count, stopping once it cannot fit the data (so no product loses precision).
  const size = DTYPE_BYTES[dtype];
  let count = shape.includes(0) ? 0 : 1;
  let exact = true;
  for (const d of shape) {
    if (count * size > dataLen) {
      exact = false;
      break;
    }
    count *= d;
  }
  if (count * size !== end - begin) {
    const needs =
      exact && Number.isSafeInteger(count * size) ? `${count * size} bytes` : `more than the ${dataLen} data bytes`;
    throw new Error(`${fn}: ${what} (${code} ${formatShape(shape)}) needs ${needs}, data_offsets span ${end - begin}.`);
  }
  return { name, dtype, shape: [...shape], count, begin, end };
}
