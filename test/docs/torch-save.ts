/**
 * A minimal `torch.save` writer for the documentation tests: the zip format of torch >= 1.6
 * (`archive/data.pkl`, one stored entry per storage under `archive/data/`, `archive/version`) with
 * a protocol-2 pickle of an `OrderedDict` of float32 and int64 tensors, optionally wrapped in a dict with
 * extra entries (`{'epoch': 5, 'model': state_dict}`). The snippets in the docs load `.pth` files
 * the user got from PyTorch; the tests make such files here instead of committing large ones.
 *
 * The output loads with `torch.load` (checked against torch 1.13 when this was written) and with
 * `io.readTorchCheckpoint`.
 */
import type { StateDict } from '../../src/io/index';

const enc = new TextEncoder();

class Bytes {
  private readonly parts: Uint8Array[] = [];
  length = 0;
  push(...bytes: number[]): this {
    return this.raw(Uint8Array.from(bytes));
  }
  raw(b: Uint8Array): this {
    this.parts.push(b);
    this.length += b.length;
    return this;
  }
  u16(v: number): this {
    return this.push(v & 0xff, (v >>> 8) & 0xff);
  }
  u32(v: number): this {
    return this.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }
  out(): Uint8Array {
    const o = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      o.set(p, at);
      at += p.length;
    }
    return o;
  }
}

// Pickle opcodes (protocol 2).
const MARK = 0x28,
  STOP = 0x2e,
  TUPLE = 0x74,
  EMPTY_TUPLE = 0x29,
  EMPTY_DICT = 0x7d,
  SETITEMS = 0x75;
const REDUCE = 0x52,
  BINPERSID = 0x51,
  NEWFALSE = 0x89,
  BININT = 0x4a,
  GLOBAL = 0x63,
  BINUNICODE = 0x58;

function global(p: Bytes, module: string, name: string): void {
  p.push(GLOBAL).raw(enc.encode(`${module}\n${name}\n`));
}
function str(p: Bytes, s: string): void {
  const b = enc.encode(s);
  p.push(BINUNICODE).u32(b.length).raw(b);
}
function int(p: Bytes, v: number): void {
  p.push(BININT).u32(v >>> 0);
}
function intTuple(p: Bytes, values: readonly number[]): void {
  p.push(MARK);
  for (const v of values) int(p, v);
  p.push(TUPLE);
}
function orderedDict(p: Bytes): void {
  global(p, 'collections', 'OrderedDict');
  p.push(EMPTY_TUPLE, REDUCE);
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

/** CRC-32 (IEEE), as zip entries need. */
function crc32(data: Uint8Array): number {
  let c = ~0;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** A zip of stored (uncompressed) entries, each payload aligned to 64 bytes as torch writes them. */
function zip(entries: readonly [string, Uint8Array][]): Uint8Array {
  const body = new Bytes();
  const central = new Bytes();
  for (const [name, data] of entries) {
    const nameBytes = enc.encode(name);
    const offset = body.length;
    const headerEnd = offset + 30 + nameBytes.length + 4;
    const pad = (64 - (headerEnd % 64)) % 64;
    const crc = crc32(data);
    body.u32(0x04034b50).u16(20).u16(0).u16(0).u16(0).u16(0x21).u32(crc).u32(data.length).u32(data.length);
    body
      .u16(nameBytes.length)
      .u16(4 + pad)
      .raw(nameBytes);
    body.u16(0xcafe).u16(pad).raw(new Uint8Array(pad)).raw(data); // a padding extra field
    central.u32(0x02014b50).u16(20).u16(20).u16(0).u16(0).u16(0).u16(0x21).u32(crc).u32(data.length).u32(data.length);
    central.u16(nameBytes.length).u16(0).u16(0).u16(0).u16(0).u32(0).u32(offset).raw(nameBytes);
  }
  const cdOffset = body.length;
  const cdSize = central.length;
  body.raw(central.out());
  body.u32(0x06054b50).u16(0).u16(0).u16(entries.length).u16(entries.length).u32(cdSize).u32(cdOffset).u16(0);
  return body.out();
}

/**
 * `torch.save(state_dict)` bytes for a state dict of float32 and int64 tensors; with `wrap`, the state dict
 * is saved as `wrap.key` of a dict that also holds `wrap.extra` integers.
 */
export function torchSave(sd: StateDict, wrap?: { key: string; extra?: Record<string, number> }): Uint8Array {
  const p = new Bytes().push(0x80, 2);
  const storages: [string, Uint8Array][] = [];
  if (wrap) {
    p.push(EMPTY_DICT, MARK);
    for (const [k, v] of Object.entries(wrap.extra ?? {})) {
      str(p, k);
      int(p, v);
    }
    str(p, wrap.key);
  }
  orderedDict(p);
  p.push(MARK);
  for (const [name, t] of sd) {
    const storage = t.dtype === 'float32' ? 'FloatStorage' : t.dtype === 'int64' ? 'LongStorage' : undefined;
    if (!storage || !(t.data instanceof Float32Array || t.data instanceof BigInt64Array)) {
      throw new Error(`torchSave: ${name} is ${t.dtype}; only float32 and int64 are written`);
    }
    const key = String(storages.length);
    storages.push([`archive/data/${key}`, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)]);
    const strides = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
    str(p, name);
    global(p, 'torch._utils', '_rebuild_tensor_v2');
    p.push(MARK);
    p.push(MARK);
    str(p, 'storage');
    global(p, 'torch', storage);
    str(p, key);
    str(p, 'cpu');
    int(p, t.data.length);
    p.push(TUPLE, BINPERSID);
    int(p, 0);
    intTuple(p, t.shape);
    intTuple(p, strides);
    p.push(NEWFALSE);
    orderedDict(p);
    p.push(TUPLE, REDUCE);
  }
  p.push(SETITEMS);
  if (wrap) p.push(SETITEMS);
  p.push(STOP);
  return zip([['archive/data.pkl', p.out()], ...storages, ['archive/version', enc.encode('3\n')]]);
}
