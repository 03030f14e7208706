import type { StateDictData, TorchDType } from '../state-dict';
import { formatShape } from './describe';

/** Bytes per element of each stored dtype. @internal */
export const DTYPE_BYTES: Readonly<Record<TorchDType, number>> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

/** Whether typed arrays on this machine are little-endian (they are on every common platform). */
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A plain `Uint8Array` view of the same bytes. Node's `Buffer` (what `readFileSync` returns) is a
 * Uint8Array subclass whose `slice` returns a view instead of a copy; normalising at the entry
 * points keeps every later `slice` a real copy.
 * @internal
 */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype
    ? bytes
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Product of a shape (1 for a scalar). @internal */
export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** IEEE 754 binary16 bits to a number (subnormals, infinities and NaN included). @internal */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const F32_SCRATCH = new Float32Array(1);
const U32_SCRATCH = new Uint32Array(F32_SCRATCH.buffer);

/** bfloat16 bits (the top half of a float32) to a number. @internal */
export function bfloat16ToFloat(b: number): number {
  U32_SCRATCH[0] = (b & 0xffff) << 16;
  return F32_SCRATCH[0]!;
}

/**
 * Decodes `count` elements of `dtype` from raw bytes into the widened array type
 * (see `TorchDType`). `littleEndian` is the byte order of the source.
 * @internal
 */
export function decodeElements(raw: Uint8Array, dtype: TorchDType, count: number, littleEndian = true): StateDictData {
  const size = DTYPE_BYTES[dtype];
  if (raw.byteLength < count * size) {
    throw new Error(
      `decodeElements: need ${count * size} bytes for ${count} ${dtype} elements, got ${raw.byteLength}.`,
    );
  }
  // Fast path: same byte order as the host, so a byte copy is the array (the copy also aligns).
  if (littleEndian === HOST_LITTLE_ENDIAN) {
    if (dtype === 'float32') return new Float32Array(raw.slice(0, count * 4).buffer);
    if (dtype === 'int32') return new Int32Array(raw.slice(0, count * 4).buffer);
    if (dtype === 'int64') return new BigInt64Array(raw.slice(0, count * 8).buffer);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, count * size);
  switch (dtype) {
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, littleEndian);
      return out;
    }
    case 'float64': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, littleEndian);
      return out;
    }
    case 'float16': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, littleEndian));
      return out;
    }
    case 'bfloat16': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = bfloat16ToFloat(view.getUint16(i * 2, littleEndian));
      return out;
    }
    case 'int64': {
      const out = new BigInt64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getBigInt64(i * 8, littleEndian);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, littleEndian);
      return out;
    }
    case 'int16': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, littleEndian);
      return out;
    }
    case 'int8': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt8(i);
      return out;
    }
    case 'uint8':
      return raw.slice(0, count);
    case 'bool': {
      const out = new Uint8Array(count);
      for (let i = 0; i < count; i++) out[i] = raw[i] !== 0 ? 1 : 0;
      return out;
    }
  }
}

/** An empty array of the same type as `like`. */
function allocLike(like: StateDictData, n: number): StateDictData {
  if (like instanceof Float32Array) return new Float32Array(n);
  if (like instanceof Int32Array) return new Int32Array(n);
  if (like instanceof BigInt64Array) return new BigInt64Array(n);
  return new Uint8Array(n);
}

/**
 * Gathers a strided view (`offset`, `size`, `stride` in elements, as `torch.as_strided`) of a flat
 * storage into a new contiguous row-major array. Throws if the view reaches outside the storage.
 * @internal
 */
export function gatherStrided(
  storage: StateDictData,
  offset: number,
  size: readonly number[],
  stride: readonly number[],
  owner: string,
): StateDictData {
  if (size.length !== stride.length) {
    throw new Error(`${owner}: size ${formatShape(size)} and stride ${formatShape(stride)} differ in rank.`);
  }
  if (!size.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new Error(`${owner}: invalid size ${formatShape(size)}.`);
  }
  const n = numelOf(size);
  if (n === 0) return allocLike(storage, 0);
  // Bounds: the highest element the view touches must be inside the storage.
  let last = offset;
  for (let d = 0; d < size.length; d++) {
    if (stride[d]! < 0) throw new Error(`${owner}: negative stride ${formatShape(stride)} is not supported.`);
    last += (size[d]! - 1) * stride[d]!;
  }
  if (offset < 0 || last >= storage.length) {
    throw new Error(
      `${owner}: view (offset ${offset}, size ${formatShape(size)}, stride ${formatShape(stride)}) ` +
        `reaches element ${last} of a storage of ${storage.length} elements.`,
    );
  }
  // Contiguous fast path: the strides are the row-major strides of `size`.
  let contiguous = true;
  let expect = 1;
  for (let d = size.length - 1; d >= 0; d--) {
    if (size[d] !== 1 && stride[d] !== expect) contiguous = false;
    expect *= size[d]!;
  }
  if (contiguous) return storage.slice(offset, offset + n) as StateDictData;

  const out = allocLike(storage, n);
  const rank = size.length;
  const idx = new Array<number>(rank).fill(0);
  let src = offset;
  for (let i = 0; i < n; i++) {
    (out as Float32Array)[i] = (storage as Float32Array)[src]!;
    // Odometer increment over the multi-index, keeping `src` in step.
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      src += stride[d]!;
      if (idx[d]! < size[d]!) break;
      src -= idx[d]! * stride[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * Permutes the axes of a row-major array: output axis i is input axis `perm[i]` (as
 * `torch.permute` / `tf.transpose`). Returns the new data and shape.
 * @internal
 */
export function permuteData<T extends StateDictData>(
  data: T,
  shape: readonly number[],
  perm: readonly number[],
): { data: T; shape: number[] } {
  const rank = shape.length;
  const inStrides = new Array<number>(rank);
  let s = 1;
  for (let d = rank - 1; d >= 0; d--) {
    inStrides[d] = s;
    s *= shape[d]!;
  }
  const outShape = perm.map((p) => shape[p]!);
  const gathered = gatherStrided(
    data,
    0,
    outShape,
    perm.map((p) => inStrides[p]!),
    'permuteData',
  );
  return { data: gathered as T, shape: outShape };
}

/** Widens any state-dict array to `Float32Array` (a copy). @internal */
export function toFloat32(data: StateDictData): Float32Array {
  if (data instanceof Float32Array) return data;
  const out = new Float32Array(data.length);
  if (data instanceof BigInt64Array) {
    for (let i = 0; i < data.length; i++) out[i] = Number(data[i]);
  } else {
    out.set(data);
  }
  return out;
}
