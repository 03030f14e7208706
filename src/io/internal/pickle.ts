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
 * Map, tensors -> {@link PickledTensor}.
 * @internal
 */

/** A reference to a global (`module.name`) met by GLOBAL / STACK_GLOBAL. @internal */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get fullName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** An object of a non-allow-listed class or call, kept only as its name; never constructed. @internal */
export class PyOpaque {
  constructor(readonly global: string) {}
  toString(): string {
    return `<pickled ${this.global}>`;
  }
}

/** A storage named by a persistent id `('storage', storage_type, key, location, numel)`. @internal */
export interface PickledStorage {
  kind: 'storage';
  storageType: string;
  key: string;
  location: string;
  numel: number;
}

/** A tensor rebuilt by `torch._utils._rebuild_tensor_v2`: a strided view of a storage. @internal */
export class PickledTensor {
  constructor(
    readonly storage: PickledStorage,
    readonly offset: number,
    readonly size: number[],
    readonly stride: number[],
  ) {}
}

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

/** A stack marker pushed by MARK. */
const MARK = Symbol('mark');

function toInt(v: unknown, what: string, owner: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER)) {
    return Number(v);
  }
  throw new Error(`${owner}: expected an integer for ${what}, got ${String(v)}.`);
}

function intList(v: unknown, what: string, owner: string): number[] {
  if (!Array.isArray(v)) throw new Error(`${owner}: expected a tuple for ${what}, got ${String(v)}.`);
  return v.map((x) => toInt(x, what, owner));
}

/** Decodes a little-endian two's-complement integer of `n` bytes (LONG1/LONG4). */
function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  if (bytes[bytes.length - 1]! & 0x80) v -= 1n << BigInt(8 * bytes.length);
  return v >= -BigInt(Number.MAX_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/**
 * Runs a pickle (protocols 2-5 binary opcodes) and returns the unpickled value.
 * `persistentLoad` resolves BINPERSID ids. `owner` prefixes Error messages.
 * @internal
 */
export function unpickle(bytes: Uint8Array, owner: string): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8');
  const latin1 = new TextDecoder('latin1');
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  let pos = 0;

  const fail = (msg: string): never => {
    throw new Error(`${owner}: pickle ${msg} (at byte ${pos}).`);
  };
  const need = (n: number): void => {
    if (pos + n > bytes.byteLength) fail(`ends early: needed ${n} more bytes (truncated or corrupt file)`);
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
  const pop = (): unknown => {
    if (stack.length === 0) fail('stack underflow');
    const v = stack.pop();
    if (v === MARK) fail('unexpected MARK on the stack');
    return v;
  };
  const top = (): unknown => {
    if (stack.length === 0) fail('stack underflow');
    return stack[stack.length - 1];
  };
  /** Pops everything above the most recent MARK (and the mark). */
  const popMark = (): unknown[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) fail('no MARK on the stack');
    const items = stack.splice(at);
    items.shift();
    return items;
  };
  const setItems = (target: unknown, kv: unknown[]): void => {
    if (!(target instanceof Map)) fail(`SETITEM(S) on a non-dict ${String(target)}`);
    for (let i = 0; i + 1 < kv.length; i += 2) (target as Map<unknown, unknown>).set(kv[i], kv[i + 1]);
  };
  const append = (target: unknown, items: unknown[]): void => {
    if (!Array.isArray(target)) fail(`APPEND(S) on a non-list ${String(target)}`);
    (target as unknown[]).push(...items);
  };
  const global = (module: string, name: string): PyGlobal => new PyGlobal(module, name);
  const isAllowed = (g: PyGlobal): boolean => ALLOWED_GLOBALS.has(g.fullName) || isStorageClass(g);
  const call = (fnValue: unknown, args: unknown): unknown => {
    if (!(fnValue instanceof PyGlobal)) return fail(`REDUCE on a non-callable ${String(fnValue)}`);
    if (!Array.isArray(args)) return fail(`REDUCE arguments are not a tuple`);
    // Not executed, not even looked at: the result is a named placeholder.
    if (!isAllowed(fnValue)) return new PyOpaque(fnValue.fullName);
    switch (fnValue.fullName) {
      case 'collections.OrderedDict':
        return new Map();
      case 'torch._utils._rebuild_tensor':
      case 'torch._utils._rebuild_tensor_v2': {
        const storage = args[0] as PickledStorage;
        if (storage === null || typeof storage !== 'object' || storage.kind !== 'storage') {
          return fail(`${fnValue.name} expects a storage, got ${String(args[0])}`);
        }
        return new PickledTensor(
          storage,
          toInt(args[1], 'storage offset', owner),
          intList(args[2], 'size', owner),
          intList(args[3], 'stride', owner),
        );
      }
      case 'torch._utils._rebuild_parameter':
      case 'torch._utils._rebuild_parameter_with_state':
        return args[0];
      case 'torch.Size':
        return Array.isArray(args[0]) ? [...args[0]] : [];
      case '_codecs.encode':
        // Protocol 2 pickles bytes as _codecs.encode(latin-1 text, 'latin1').
        if (typeof args[0] !== 'string') return fail('_codecs.encode expects a string');
        return Uint8Array.from(args[0] as string, (c) => c.charCodeAt(0) & 0xff);
      default:
        return fail(`cannot call '${fnValue.fullName}'`);
    }
  };
  const persistentLoad = (pid: unknown): PickledStorage => {
    if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) {
      return fail(`unsupported persistent id ${JSON.stringify(pid, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
    }
    const [, type, key, location, numel] = pid as [string, unknown, unknown, unknown, unknown];
    if (!(type instanceof PyGlobal) || !isStorageClass(type)) return fail(`persistent id has no storage class`);
    return {
      kind: 'storage',
      storageType: type.name,
      key: String(key),
      location: String(location),
      numel: toInt(numel, 'storage numel', owner),
    };
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        u8();
        break;
      case 0x95: // FRAME: an 8-byte length hint; the frame contents are ordinary opcodes.
        take(8);
        break;
      case 0x2e: // STOP
        if (stack.length !== 1) fail(`STOP with ${stack.length} values on the stack`);
        return stack[0];
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x30: // POP
        pop();
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
        stack.push(decodeLong(take(n)));
        break;
      }
      case 0x49: {
        // INT (text): also encodes booleans as 00/01.
        const s = line();
        stack.push(s === '00' ? false : s === '01' ? true : Number.parseInt(s, 10));
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
        const n = Number(view.getBigUint64(pos, true));
        pos += 8;
        stack.push(utf8.decode(take(n)));
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
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const kv = popMark();
        setItems(top(), kv);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        append(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        append(top(), items);
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
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
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
        if (!(cls instanceof PyGlobal)) fail(`NEWOBJ of a non-class ${String(cls)}`);
        const c = cls as PyGlobal;
        stack.push(c.fullName === 'collections.OrderedDict' || !isAllowed(c) ? call(c, args) : fail(`NEWOBJ of '${c.fullName}'`));
        break;
      }
      case 0x62: {
        // BUILD: OrderedDict attributes (torch's `_metadata`), tensor state and the state of
        // placeholders carry nothing we need.
        pop();
        const target = top();
        if (!(target instanceof Map) && !(target instanceof PickledTensor) && !(target instanceof PyOpaque)) {
          fail(`BUILD on an unsupported object ${String(target)}`);
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
