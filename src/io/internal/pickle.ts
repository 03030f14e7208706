/**
 * A restricted pickle virtual machine for PyTorch checkpoints. It never executes anything: the
 * only "callables" are a fixed allow-list of globals (`collections.OrderedDict`, torch's tensor
 * rebuild functions and storage classes, ...) interpreted here. Any other global (an
 * `argparse.Namespace` saved beside the weights, a numpy scalar, ...) becomes an inert
 * {@link PyOpaque} placeholder naming it, so a checkpoint whose *state dict* is readable still
 * reads; the caller rejects placeholders wherever tensors are needed.
 *
 * Python values map to: None -> null, bool -> boolean, int -> number (bigint beyond 2^53),
 * float -> number, str -> string, bytes -> Uint8Array, list/tuple -> Array, dict/OrderedDict ->
 * Map (keys kept as they are: an int key is not the str key of the same digits), tensors ->
 * {@link PickledTensor}.
 *
 * Bounded by the file's size: every opcode does work proportional to the bytes it reads or the
 * values it pops (integers decode in linear time, MARK positions sit on their own stack, nothing
 * is spread into an argument list), values are shared by reference and never walked, so a memo
 * "billion laughs" graph or a deeply nested list costs what its bytes cost. The one opcode pair
 * that copies a shared value (`_codecs.encode` of a memoised string) draws on a copy budget
 * proportional to the file.
 * @internal
 */
import { describeValue, quote } from './describe';
import { PickledTensor, PyGlobal, PyOpaque, type PickledStorage } from './pickle-values';

export { PickledTensor, PyGlobal, PyOpaque, type PickledStorage } from './pickle-values';

/**
 * Longest LONG1/LONG4 integer read, in bytes (16,384 bits). torch writes only int64 values
 * (sizes, strides, offsets, numel: 8 bytes); the cap leaves room for any integer Python prints
 * under its default 4,300-digit limit (about 1,786 bytes), so ordinary extras saved beside the
 * weights still read, and refuses anything larger as not a checkpoint value. Decoding is linear,
 * so the cap bounds memory, not time.
 * @internal
 */
export const MAX_LONG_BYTES = 2048;

/**
 * Longest `module.name` of a global, in characters. Real ones are under 100; the cap keeps the
 * cost of naming, comparing and describing a global independent of the file.
 * @internal
 */
export const MAX_GLOBAL_NAME = 1024;

/** Highest tensor rank accepted (PyTorch's own kernels stop at 25 dimensions). @internal */
export const MAX_RANK = 64;

/** Globals the VM interprets, by full name. */
const ALLOWED_GLOBALS = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
  'torch.Size',
  '_codecs.encode',
]);

/** Whether a global names a torch storage class (`torch.FloatStorage`, ...). */
function isStorageClass(g: PyGlobal): boolean {
  return g.module === 'torch' && g.name.endsWith('Storage');
}

/**
 * The magic number a legacy (torch < 1.6, non-zip) `torch.save` file starts with, after the
 * PROTO opcode (and a FRAME for protocol 4+): LONG1 of 10 bytes, 0x1950a86a20f9469cfc6c.
 */
const LEGACY_MAGIC = [0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

/**
 * Whether the bytes start like a legacy (non-zip) `torch.save` file: a pickle whose first value
 * is torch's magic number. Specific enough that no safetensors file matches (its first 8 bytes
 * would be a header length beyond 2^50).
 * @internal
 */
export function looksLikeLegacyTorchSave(bytes: Uint8Array): boolean {
  if (bytes.byteLength < 2 + LEGACY_MAGIC.length || bytes[0] !== 0x80 || bytes[1]! < 2 || bytes[1]! > 5) return false;
  let at = 2;
  if (bytes[2] === 0x95) at += 9; // FRAME and its 8-byte length
  if (bytes.byteLength < at + LEGACY_MAGIC.length) return false;
  return LEGACY_MAGIC.every((b, i) => bytes[at + i] === b);
}

/** Two hex digits of each byte value. */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/**
 * Decodes a little-endian two's-complement integer (LONG1/LONG4) in linear time: the bytes are
 * written out as one hex string, which `BigInt` parses in a single pass.
 */
function decodeLong(bytes: Uint8Array): number | bigint {
  const n = bytes.length;
  if (n === 0) return 0;
  const negative = (bytes[n - 1]! & 0x80) !== 0;
  if (n <= 6) {
    // 48 bits fit a double exactly.
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + bytes[i]!;
    return negative ? v - 2 ** (8 * n) : v;
  }
  const digits = new Array<string>(n);
  for (let i = 0; i < n; i++) digits[n - 1 - i] = HEX[bytes[i]!]!;
  let v = BigInt(`0x${digits.join('')}`);
  if (negative) v -= 1n << BigInt(8 * n);
  return v >= -BigInt(Number.MAX_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/**
 * Runs a pickle (protocols 2-5 binary opcodes) and returns the unpickled value. Persistent ids
 * must be torch's storage tuples and become {@link PickledStorage} records. `owner` prefixes
 * Error messages.
 * @internal
 */
export function unpickle(bytes: Uint8Array, owner: string): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8');
  const latin1 = new TextDecoder('latin1');
  const stack: unknown[] = [];
  /** Stack lengths at each open MARK (CPython's "metastack"), so finding a mark is O(1). */
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let pos = 0;
  let opStart = 0;
  // Elements copied out of shared (memoised) values; the file's bytes pay for everything else.
  let copyBudget = 4 * bytes.byteLength + (1 << 20);

  const fail = (msg: string): never => {
    throw new Error(`${owner}: pickle ${msg} (at byte ${opStart}).`);
  };
  const need = (n: number): void => {
    if (n > bytes.byteLength - pos) fail(`ends early: needed ${n} more bytes (truncated or corrupt file)`);
  };
  const u8 = (): number => {
    need(1);
    return bytes[pos++]!;
  };
  const u16 = (): number => {
    need(2);
    const v = view.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = (): number => {
    need(4);
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const take = (n: number): Uint8Array => {
    need(n);
    const b = bytes.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('text line has no newline');
    const s = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const charge = (n: number): void => {
    copyBudget -= n;
    if (copyBudget < 0) fail('copies more data than its size allows (a hostile or corrupt file)');
  };
  /** Stack length below which the innermost MARK protects the stack. */
  const fence = (): number => (marks.length > 0 ? marks[marks.length - 1]! : 0);
  const pop = (): unknown => {
    if (stack.length <= fence()) fail('stack underflow');
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length <= fence()) fail('stack underflow');
    return stack[stack.length - 1];
  };
  /** Pops everything above the most recent MARK and the mark itself. */
  const popMark = (): unknown[] => {
    if (marks.length === 0) fail('no MARK on the stack');
    return stack.splice(marks.pop()!);
  };
  const toInt = (v: unknown, what: string): number => {
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    if (typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER)) {
      return Number(v);
    }
    return fail(`expected an integer for ${what}, got ${describeValue(v)}`);
  };
  const natural = (v: unknown, what: string): number => {
    const n = toInt(v, what);
    if (n < 0) fail(`${what} must not be negative, got ${n}`);
    return n;
  };
  /** A tensor size or stride: a tuple of at most MAX_RANK non-negative integers. */
  const dims = (v: unknown, what: string): number[] => {
    if (!Array.isArray(v)) return fail(`expected a tuple for ${what}, got ${describeValue(v)}`);
    if (v.length > MAX_RANK) fail(`${what} has ${v.length} dimensions, more than the ${MAX_RANK} supported`);
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = natural(v[i], what);
    return out;
  };
  const global = (module: string, name: string): PyGlobal => {
    if (module.length + name.length + 1 > MAX_GLOBAL_NAME) {
      fail(
        `global name of ${module.length + name.length + 1} characters exceeds the ${MAX_GLOBAL_NAME}-character limit`,
      );
    }
    return new PyGlobal(module, name);
  };
  const isAllowed = (g: PyGlobal): boolean => ALLOWED_GLOBALS.has(g.fullName) || isStorageClass(g);
  const call = (fnValue: unknown, args: unknown): unknown => {
    if (!(fnValue instanceof PyGlobal)) return fail(`REDUCE on a non-callable: ${describeValue(fnValue)}`);
    if (!Array.isArray(args)) return fail(`REDUCE arguments are not a tuple: ${describeValue(args)}`);
    // Not executed, not even looked at: the result is a named placeholder.
    if (!isAllowed(fnValue)) return new PyOpaque(fnValue.fullName);
    switch (fnValue.fullName) {
      case 'collections.OrderedDict':
        // OrderedDict.__reduce__ always passes (); the items follow as SETITEMS.
        if (args.length !== 0) fail(`OrderedDict called with ${args.length} arguments (expected none)`);
        return new Map();
      case 'torch._utils._rebuild_tensor':
      case 'torch._utils._rebuild_tensor_v2': {
        if (args.length < 4) fail(`${fnValue.name} expects at least 4 arguments, got ${args.length}`);
        const storage = args[0] as PickledStorage;
        if (storage === null || typeof storage !== 'object' || storage.kind !== 'storage') {
          return fail(`${fnValue.name} expects a storage, got ${describeValue(args[0])}`);
        }
        const size = dims(args[2], 'size');
        const stride = dims(args[3], 'stride');
        if (size.length !== stride.length)
          fail(`size (${size.length} dims) and stride (${stride.length} dims) differ in rank`);
        return new PickledTensor(storage, natural(args[1], 'storage offset'), size, stride);
      }
      case 'torch._utils._rebuild_parameter':
      case 'torch._utils._rebuild_parameter_with_state':
        if (args.length === 0) fail(`${fnValue.name} expects a tensor argument`);
        return args[0];
      case 'torch.Size':
        // Shared, not copied: a memoised tuple reused a million times costs nothing.
        if (args.length !== 1 || !Array.isArray(args[0])) fail('torch.Size expects one tuple');
        return args[0];
      case '_codecs.encode': {
        // Protocol 2 pickles bytes as _codecs.encode(latin-1 text, 'latin1').
        const text = args[0];
        if (typeof text !== 'string') return fail(`_codecs.encode expects a str, got ${describeValue(text)}`);
        charge(text.length);
        const out = new Uint8Array(text.length);
        for (let i = 0; i < text.length; i++) {
          const c = text.charCodeAt(i);
          if (c > 0xff) fail('_codecs.encode of a str that is not latin-1');
          out[i] = c;
        }
        return out;
      }
      default:
        // Storage classes are allow-listed for persistent ids, never called.
        return fail(`cannot call ${quote(fnValue.fullName)}`);
    }
  };
  const persistentLoad = (pid: unknown): PickledStorage => {
    if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== 'storage') {
      return fail(
        `unsupported persistent id (${describeValue(pid)}); expected ('storage', type, key, location, numel)`,
      );
    }
    const [, type, key, location, numel] = pid as [string, unknown, unknown, unknown, unknown];
    if (!(type instanceof PyGlobal) || !isStorageClass(type)) {
      return fail(`persistent id names no storage class (${describeValue(type)})`);
    }
    if (typeof key !== 'string') return fail(`storage key must be a str, got ${describeValue(key)}`);
    if (typeof location !== 'string') return fail(`storage location must be a str, got ${describeValue(location)}`);
    return { kind: 'storage', storageType: type.name, key, location, numel: natural(numel, 'storage numel') };
  };

  for (;;) {
    opStart = pos;
    const op = u8();
    switch (op) {
      case 0x80: {
        // PROTO
        const protocol = u8();
        if (protocol > 5) fail(`protocol ${protocol} is not supported (2 to 5 are)`);
        break;
      }
      case 0x95: // FRAME: an 8-byte length hint; the frame contents are ordinary opcodes.
        take(8);
        break;
      case 0x2e: // STOP
        if (marks.length !== 0 || stack.length !== 1) {
          fail(`STOP with ${stack.length} values and ${marks.length} open MARKs on the stack`);
        }
        return stack[0];
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x30: // POP: the top value, or the innermost MARK when nothing sits above it (as CPython)
        if (stack.length > fence()) stack.pop();
        else if (marks.length > 0) marks.pop();
        else fail('stack underflow');
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        need(4);
        stack.push(view.getInt32(pos, true));
        pos += 4;
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(decodeLong(take(u8())));
        break;
      case 0x8b: {
        // LONG4
        need(4);
        const n = view.getInt32(pos, true);
        pos += 4;
        if (n < 0) fail('negative LONG4 length');
        if (n > MAX_LONG_BYTES) fail(`LONG4 integer of ${n} bytes exceeds the ${MAX_LONG_BYTES}-byte limit`);
        stack.push(decodeLong(take(n)));
        break;
      }
      case 0x49: {
        // INT (text): also encodes booleans as 00/01.
        const s = line();
        if (s === '00' || s === '01') {
          stack.push(s === '01');
        } else if (/^[-+]?[0-9]{1,20}$/.test(s)) {
          const v = BigInt(s);
          stack.push(v >= -BigInt(Number.MAX_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        } else {
          fail(`INT is not a decimal integer of at most 20 digits: ${quote(s)}`);
        }
        break;
      }
      case 0x47: // BINFLOAT (big-endian double)
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x58: // BINUNICODE
        stack.push(utf8.decode(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8.decode(take(u8())));
        break;
      case 0x8d: {
        // BINUNICODE8
        need(8);
        const n = view.getBigUint64(pos, true);
        pos += 8;
        if (n > BigInt(bytes.byteLength)) fail('ends early: a BINUNICODE8 string is longer than the file');
        stack.push(utf8.decode(take(Number(n))));
        break;
      }
      case 0x54: // BINSTRING (py2 str)
        stack.push(latin1.decode(take(u32())));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1.decode(take(u8())));
        break;
      case 0x42: // BINBYTES
        stack.push(take(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8()).slice());
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const idx = op === 0x68 ? u8() : u32();
        if (!memo.has(idx)) fail(`memo has no entry ${idx}`);
        stack.push(memo.get(idx));
        break;
      }
      case 0x74: // TUPLE
        stack.push(popMark());
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        const target = top();
        if (!(target instanceof Map)) fail(`SETITEM on ${describeValue(target)}, not a dict`);
        (target as Map<unknown, unknown>).set(k, v);
        break;
      }
      case 0x75: {
        // SETITEMS
        const kv = popMark();
        const target = top();
        if (!(target instanceof Map)) fail(`SETITEMS on ${describeValue(target)}, not a dict`);
        if (kv.length % 2 !== 0) fail(`SETITEMS with an odd number (${kv.length}) of keys and values`);
        for (let i = 0; i < kv.length; i += 2) (target as Map<unknown, unknown>).set(kv[i], kv[i + 1]);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        const target = top();
        if (!Array.isArray(target)) fail(`APPEND on ${describeValue(target)}, not a list`);
        (target as unknown[]).push(v);
        break;
      }
      case 0x65: {
        // APPENDS: one push per item; spreading a million items into push() overflows the stack.
        const items = popMark();
        const target = top();
        if (!Array.isArray(target)) fail(`APPENDS on ${describeValue(target)}, not a list`);
        for (const item of items) (target as unknown[]).push(item);
        break;
      }
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        stack.push(global(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strs');
        stack.push(global(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fnValue = pop();
        stack.push(call(fnValue, args));
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args); OrderedDict, or a placeholder for anything else.
        const args = pop();
        const cls = pop();
        if (!(cls instanceof PyGlobal)) return fail(`NEWOBJ of a non-class: ${describeValue(cls)}`);
        if (cls.fullName !== 'collections.OrderedDict' && isAllowed(cls)) fail(`NEWOBJ of ${quote(cls.fullName)}`);
        stack.push(call(cls, args));
        break;
      }
      case 0x62: {
        // BUILD: OrderedDict attributes (torch's `_metadata`), tensor state and the state of
        // placeholders carry nothing we need.
        pop();
        const target = top();
        if (!(target instanceof Map) && !(target instanceof PickledTensor) && !(target instanceof PyOpaque)) {
          fail(`BUILD on ${describeValue(target)}`);
        }
        break;
      }
      case 0x51: // BINPERSID
        stack.push(persistentLoad(pop()));
        break;
      default:
        fail(`opcode 0x${op.toString(16).padStart(2, '0')} is not supported`);
    }
  }
}
