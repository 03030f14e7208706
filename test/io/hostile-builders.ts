/**
 * Builders of small checkpoint files for the hostile-input tests and the hostile-io benchmark:
 * a stored ZIP writer laid out as torch.save lays it out, a pickle writer with the opcodes torch
 * uses (and the ones an attacker would), a torch state-dict pickle, and safetensors files from a
 * header object or raw header text.
 */

/** Builds a minimal stored zip holding `entries` (name -> bytes), as torch.save lays it out. */
export function makeZip(entries: [string, Uint8Array][], method = 0): Uint8Array {
  const enc = new TextEncoder();
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const n = enc.encode(name);
    const local = new Uint8Array(30 + n.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(8, method, true);
    lv.setUint32(18, data.length, true);
    lv.setUint32(22, data.length, true);
    lv.setUint16(26, n.length, true);
    local.set(n, 30);
    const c = new Uint8Array(46 + n.length);
    const cv = new DataView(c.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(10, method, true);
    cv.setUint32(20, data.length, true);
    cv.setUint32(24, data.length, true);
    cv.setUint16(28, n.length, true);
    cv.setUint32(42, offset, true);
    c.set(n, 46);
    central.push(c);
    chunks.push(local, data);
    offset += local.length + data.length;
  }
  const cdSize = central.reduce((a, c) => a + c.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  return concat([...chunks, ...central, eocd]);
}

/** Concatenates byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, c) => a + c.length, 0));
  let p = 0;
  for (const c of parts) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

/** Pickle bytes from opcodes given as a latin-1 string. */
export function pickleBytes(src: string): Uint8Array {
  return Uint8Array.from(src, (c) => c.charCodeAt(0));
}

/** A pickle writer: each method appends one opcode (with its argument). */
export class PickleWriter {
  private chunks: Uint8Array[] = [];
  private pending: number[] = [];

  /** Raw bytes. */
  op(...bytes: number[]): this {
    for (const b of bytes) this.pending.push(b);
    if (this.pending.length > 65536) this.flush();
    return this;
  }
  private flush(): void {
    this.chunks.push(Uint8Array.from(this.pending));
    this.pending = [];
  }
  private u32(n: number): number[] {
    return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
  }
  proto(version = 2): this {
    return this.op(0x80, version);
  }
  /** An int, as torch's pickler writes it (BININT1/2, BININT, or LONG1). */
  int(n: number | bigint): this {
    const v = BigInt(n);
    if (v >= 0n && v < 256n) return this.op(0x4b, Number(v));
    if (v >= 0n && v < 65536n) return this.op(0x4d, Number(v) & 0xff, Number(v) >> 8);
    if (v >= -(2n ** 31n) && v < 2n ** 31n) return this.op(0x4a, ...this.u32(Number(BigInt.asUintN(32, v))));
    const bytes: number[] = [];
    let x = v;
    for (;;) {
      bytes.push(Number(x & 0xffn));
      x >>= 8n;
      const signClear = (bytes[bytes.length - 1]! & 0x80) === 0;
      if ((x === 0n && signClear) || (x === -1n && !signClear)) break;
    }
    return this.op(0x8a, bytes.length, ...bytes);
  }
  /** LONG4 of raw little-endian two's-complement bytes. */
  long4(bytes: Uint8Array): this {
    this.flush();
    this.op(0x8b, ...this.u32(bytes.length));
    this.flush();
    this.chunks.push(bytes);
    return this;
  }
  float(x: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, x, false);
    return this.op(0x47, ...b);
  }
  str(s: string): this {
    const b = new TextEncoder().encode(s);
    this.op(0x58, ...this.u32(b.length));
    this.flush();
    this.chunks.push(b);
    return this;
  }
  global(module: string, name: string): this {
    this.flush();
    this.chunks.push(pickleBytes(`c${module}\n${name}\n`));
    return this;
  }
  mark(): this {
    return this.op(0x28);
  }
  tuple(): this {
    return this.op(0x74);
  }
  tuple1(): this {
    return this.op(0x85);
  }
  tuple2(): this {
    return this.op(0x86);
  }
  emptyTuple(): this {
    return this.op(0x29);
  }
  emptyList(): this {
    return this.op(0x5d);
  }
  emptyDict(): this {
    return this.op(0x7d);
  }
  none(): this {
    return this.op(0x4e);
  }
  newFalse(): this {
    return this.op(0x89);
  }
  append(): this {
    return this.op(0x61);
  }
  appends(): this {
    return this.op(0x65);
  }
  setitem(): this {
    return this.op(0x73);
  }
  setitems(): this {
    return this.op(0x75);
  }
  reduce(): this {
    return this.op(0x52);
  }
  build(): this {
    return this.op(0x62);
  }
  newobj(): this {
    return this.op(0x81);
  }
  binpersid(): this {
    return this.op(0x51);
  }
  dup(): this {
    return this.op(0x32);
  }
  pop(): this {
    return this.op(0x30);
  }
  put(i: number): this {
    return this.op(0x72, ...this.u32(i));
  }
  get(i: number): this {
    return this.op(0x6a, ...this.u32(i));
  }
  stop(): this {
    return this.op(0x2e);
  }
  /** `collections.OrderedDict()`. */
  orderedDict(): this {
    return this.global('collections', 'OrderedDict').emptyTuple().reduce();
  }
  /** A tuple of ints. */
  ints(values: readonly (number | bigint)[]): this {
    this.mark();
    for (const v of values) this.int(v);
    return this.tuple();
  }
  bytes(): Uint8Array {
    this.flush();
    return concat(this.chunks);
  }
}

/** One tensor of a generated state dict, as `_rebuild_tensor_v2` arguments. */
export interface TensorSpec {
  name: string;
  storageType?: string;
  key: string;
  numel: number | bigint;
  offset?: number;
  size: readonly (number | bigint)[];
  stride: readonly (number | bigint)[];
}

/** Appends `_rebuild_tensor_v2(('storage', torch.<type>, key, 'cpu', numel), offset, size, stride, False, OrderedDict())`. */
export function writeTensor(w: PickleWriter, t: TensorSpec): PickleWriter {
  w.global('torch._utils', '_rebuild_tensor_v2').mark();
  w.mark()
    .str('storage')
    .global('torch', t.storageType ?? 'FloatStorage')
    .str(t.key)
    .str('cpu')
    .int(t.numel)
    .tuple()
    .binpersid();
  w.int(t.offset ?? 0)
    .ints(t.size)
    .ints(t.stride)
    .newFalse()
    .orderedDict()
    .tuple();
  return w.reduce();
}

/** The data.pkl of `torch.save(OrderedDict(...))` for the given tensors, protocol 2. */
export function stateDictPickle(tensors: readonly TensorSpec[]): Uint8Array {
  const w = new PickleWriter().proto(2).orderedDict().mark();
  for (const t of tensors) writeTensor(w.str(t.name), t);
  return w.setitems().stop().bytes();
}

/** A torch.save-style archive: `archive/data.pkl`, `archive/data/<key>` and `archive/version`. */
export function makePth(pkl: Uint8Array, storages: Record<string, Uint8Array> = {}): Uint8Array {
  return makeZip([
    ['archive/data.pkl', pkl],
    ...Object.entries(storages).map(([k, v]) => [`archive/data/${k}`, v] as [string, Uint8Array]),
    ['archive/version', new TextEncoder().encode('3\n')],
  ]);
}

/** Little-endian float32 bytes. */
export function f32Bytes(values: readonly number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

/** A safetensors file from raw header text (any bytes) and data. */
export function makeSafetensorsRaw(header: string | Uint8Array, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = typeof header === 'string' ? new TextEncoder().encode(header) : header;
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** A safetensors file from a header object and raw data bytes. */
export function makeSafetensors(header: unknown, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  return makeSafetensorsRaw(JSON.stringify(header), data);
}

/** Names a hostile pickle may GLOBAL/REDUCE/INST/OBJ; the canary counts calls of any of them. */
export const CANARY_NAMES: readonly [string, string][] = [
  ['__main__', 'tfjsSynthCanary'],
  ['builtins', 'tfjsSynthCanary'],
  ['globalThis', 'tfjsSynthCanary'],
  ['builtins', 'eval'],
  ['os', 'system'],
  ['posix', 'system'],
  ['subprocess', 'Popen'],
  ['builtins', 'getattr'],
  ['builtins', 'constructor'],
  ['Object', '__proto__'],
  ['__proto__', 'polluted'],
  ['torch', 'load'],
  ['torch._utils', '_rebuild_tensor_v2.__globals__'],
];

/**
 * A state dict whose `n` keys all hold one shared dict of `n + 1` tensors and a trailing int:
 * a file of O(n) bytes that costs O(n^2) if every key's value were scanned again.
 */
export function sharedDictUnderManyKeys(n: number): Uint8Array {
  const w = new PickleWriter().proto(2).emptyDict().mark();
  w.str('t');
  writeTensor(w, { name: '', key: '0', numel: 1, size: [1], stride: [1] }).put(1);
  for (let i = 0; i < n; i++) w.int(i).get(1);
  w.str('last').int(0).setitems().put(0).pop().orderedDict().mark();
  for (let i = 0; i < n; i++) w.str(`k${i}`).get(0);
  return makePth(w.setitems().stop().bytes(), { '0': f32Bytes([1]) });
}
