import { checkError } from '../core/checks';
import { quote } from './internal/describe';
import { numelOf } from './internal/dtypes';
import type { StateDict, StateDictData } from './state-dict';

/** Whether typed arrays on this machine are little-endian, so their bytes can be copied as is. */
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** safetensors code and element size for each in-memory array type. */
function codeOf(data: StateDictData, dtype: string): { code: string; size: number } {
  if (data instanceof Float32Array) return { code: 'F32', size: 4 };
  if (data instanceof BigInt64Array) return { code: 'I64', size: 8 };
  if (data instanceof Int32Array) return { code: 'I32', size: 4 };
  return { code: dtype === 'bool' ? 'BOOL' : 'U8', size: 1 };
}

/**
 * Serialises a {@link StateDict} to `.safetensors` bytes that `safetensors.torch.load_file` (or
 * {@link readSafetensors}) reads back. Tensors are written from their in-memory arrays: every
 * float tensor as F32 (whatever its source dtype), `BigInt64Array` as I64, `Int32Array` as I32,
 * `Uint8Array` as U8 (BOOL when `dtype` is `'bool'`). Key order is kept; the JSON header is
 * padded with spaces to a multiple of 8 bytes so the data is aligned.
 *
 * @param dict The tensors to write; each `data.length` must equal the product of its `shape`.
 * @param metadata Optional string-to-string `__metadata__` entry.
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * import { io } from 'tfjs-synth';
 * const sd: io.StateDict = new Map([['w', { dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) }]]);
 * writeFileSync('w.safetensors', io.writeSafetensors(sd, { format: 'pt' }));
 * ```
 */
export function writeSafetensors(dict: StateDict, metadata?: Record<string, string>): Uint8Array {
  const fn = 'writeSafetensors';
  if (!(dict instanceof Map)) throw checkError(fn, 'dict', 'a StateDict (Map)', dict);
  if (metadata !== undefined && (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))) {
    throw checkError(fn, 'metadata', 'an object of strings or undefined', metadata);
  }
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw checkError(fn, `metadata ${quote(k)}`, 'a string', v);
    }
    header['__metadata__'] = metadata;
  }
  let offset = 0;
  const parts: { data: StateDictData; begin: number; bytes: number }[] = [];
  for (const [name, t] of dict) {
    if (name === '__metadata__') throw new Error(`${fn}: '__metadata__' is reserved and cannot name a tensor.`);
    if (numelOf(t.shape) !== t.data.length) {
      throw new Error(
        `${fn}: tensor ${quote(name)} has shape ${JSON.stringify(t.shape)} but ${t.data.length} elements.`,
      );
    }
    const { code, size } = codeOf(t.data, t.dtype);
    const bytes = t.data.length * size;
    header[name] = { dtype: code, shape: t.shape, data_offsets: [offset, offset + bytes] };
    parts.push({ data: t.data, begin: offset, bytes });
    offset += bytes;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.byteLength / 8) * 8;
  if (padded !== json.byteLength) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.byteLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  const base = 8 + json.byteLength;
  for (const { data, begin, bytes } of parts) {
    // The format is little-endian: copy bytes on little-endian hosts, write explicitly otherwise.
    const at = base + begin;
    if (HOST_LITTLE_ENDIAN || data instanceof Uint8Array) {
      out.set(new Uint8Array(data.buffer, data.byteOffset, bytes), at);
    } else if (data instanceof Float32Array) {
      for (let i = 0; i < data.length; i++) view.setFloat32(at + i * 4, data[i]!, true);
    } else if (data instanceof BigInt64Array) {
      for (let i = 0; i < data.length; i++) view.setBigInt64(at + i * 8, data[i]!, true);
    } else if (data instanceof Int32Array) {
      for (let i = 0; i < data.length; i++) view.setInt32(at + i * 4, data[i]!, true);
    }
  }
  return out;
}
