import { describeValue, formatShape, listed, MAX_LISTED, quote } from './internal/describe';
import { decodeElements, DTYPE_BYTES, gatherStrided, plainBytes } from './internal/dtypes';
import { limitOption, optionsObject } from './internal/options';
import { looksLikeLegacyTorchSave, PickledTensor, unpickle, type PickledStorage } from './internal/pickle';
import { looksLikeZip, ZipArchive } from './internal/zip';
import type { StateDict, StateDictData, TorchDType } from './state-dict';

/** Options of {@link readTorchCheckpoint}. */
export interface ReadTorchCheckpointOptions {
  /**
   * When the file holds a dict that *contains* the state dict (e.g. `torch.save({'epoch': 3,
   * 'state_dict': net.state_dict()})`), the key to take it from, such as `'state_dict'`,
   * `'model'` or `'netG'`. Default: none; the top-level object must be the state dict itself.
   */
  stateDictKey?: string;
  /**
   * Materialisation cap: the tensors returned may hold at most this many times as many elements
   * as the storages they view (or 1,048,576 elements, whichever is more). Tensors are views, so
   * without a cap a few bytes could claim gigabytes (a stride-0 view of one float as
   * 32768 x 32768, or one storage viewed by thousands of tensors). Default 16; `Infinity`
   * removes the cap. Exceeding it is an Error raised before anything is decoded.
   */
  maxExpansion?: number;
}

/** Default of {@link ReadTorchCheckpointOptions.maxExpansion}. */
const DEFAULT_MAX_EXPANSION = 16;

/** Elements always allowed whatever the storages hold (small broadcast buffers). */
const EXPANSION_ALLOWANCE = 2 ** 20;

/** torch storage classes and their element dtype. */
const STORAGE_DTYPES: Readonly<Record<string, TorchDType>> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

/** A storage as first met, with the tensor that named it. */
interface StoragePlan {
  storage: PickledStorage;
  dtype: TorchDType;
  raw: Uint8Array;
  firstTensor: string;
}

/**
 * Reads a PyTorch checkpoint written by `torch.save` (the zip format of torch >= 1.6) into a
 * {@link StateDict}, in TypeScript only: a small ZIP reader finds `<archive>/data.pkl` and the raw
 * storages `<archive>/data/<key>`, and a restricted pickle machine rebuilds the tensors (storage
 * offsets and non-contiguous strides honoured, so a saved transposed view reads as its logical
 * values). Nothing in the file is executed: only `OrderedDict`, torch's tensor/parameter rebuild
 * functions and storage classes are interpreted; other pickled objects (an `argparse.Namespace`
 * or numpy scalar saved beside the weights) are inert placeholders, accepted outside the state
 * dict and an Error inside it.
 *
 * Supported storages: Float, Double, Half, BFloat16 (decoded to `Float32Array`), Long
 * (`BigInt64Array`), Int, Short, Char (`Int32Array`), Byte, Bool (`Uint8Array`). A `byteorder`
 * entry of `big` is honoured. Legacy (pre-1.6, non-zip) files and TorchScript archives are
 * refused with an Error saying so.
 *
 * Hostile files end in an Error, in time and memory bounded by the file's size: state-dict keys
 * must be strs, storage counts non-negative, a storage key names one storage class and size,
 * ranks are at most 64, integers at most 2,048 bytes, and the tensors may hold at most
 * `maxExpansion` times the elements of their storages (see {@link ReadTorchCheckpointOptions}).
 *
 * @param input The file contents (a Uint8Array or a Node Buffer).
 * @param options See {@link ReadTorchCheckpointOptions}.
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { io } from 'tfjs-synth';
 * // torch.save(netG.state_dict(), 'latest_net_G.pth')
 * const sd = io.readTorchCheckpoint(readFileSync('latest_net_G.pth'));
 * // torch.save({'epoch': 5, 'model': net.state_dict()}, 'ckpt.pth')
 * const sd2 = io.readTorchCheckpoint(readFileSync('ckpt.pth'), { stateDictKey: 'model' });
 * ```
 */
export function readTorchCheckpoint(input: Uint8Array, options?: ReadTorchCheckpointOptions): StateDict {
  const fn = 'readTorchCheckpoint';
  if (!(input instanceof Uint8Array)) {
    throw new Error(`${fn}: expected a Uint8Array (or Buffer), got ${describeValue(input, true)}.`);
  }
  const opts = optionsObject(options, fn);
  const { stateDictKey } = opts;
  if (stateDictKey !== undefined && typeof stateDictKey !== 'string') {
    throw new Error(`${fn}: stateDictKey must be a string, got ${describeValue(stateDictKey, true)}.`);
  }
  const maxExpansion = limitOption(opts.maxExpansion, 'maxExpansion', fn, DEFAULT_MAX_EXPANSION, {
    min: 1,
    max: Infinity,
    integer: false,
  });
  const bytes = plainBytes(input);
  if (!looksLikeZip(bytes)) {
    if (looksLikeLegacyTorchSave(bytes) || bytes[0] === 0x80) {
      throw new Error(
        `${fn}: this is a legacy (torch < 1.6, non-zip) torch.save file, which is not supported; ` +
          're-save it with a newer torch (torch.save(torch.load(f), f2)).',
      );
    }
    throw new Error(`${fn}: not a torch.save zip archive (the file does not start with 'PK').`);
  }
  const zip = new ZipArchive(bytes, fn);
  const names = [...zip.entries.keys()];
  const pklName = names.find((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pklName === undefined) {
    const isScript = names.some((n) => n.endsWith('/constants.pkl'));
    throw new Error(
      `${fn}: archive has no '<name>/data.pkl' entry` +
        (isScript ? ' (it looks like a TorchScript archive from torch.jit.save; save a state_dict instead).' : '.'),
    );
  }
  const prefix = pklName.slice(0, -'data.pkl'.length);
  let littleEndian = true;
  if (zip.entries.has(`${prefix}byteorder`)) {
    const order = new TextDecoder().decode(zip.read(`${prefix}byteorder`)).trim();
    if (order !== 'little' && order !== 'big') throw new Error(`${fn}: unknown byteorder ${quote(order)}.`);
    littleEndian = order === 'little';
  }

  let root = unpickle(zip.read(pklName), fn);
  if (stateDictKey !== undefined) {
    if (!(root instanceof Map)) {
      throw new Error(
        `${fn}: stateDictKey ${quote(stateDictKey)} not found: the checkpoint holds ${describeValue(root)}, not a dict.`,
      );
    }
    if (!root.has(stateDictKey)) {
      const keys: string[] = [];
      for (const k of root.keys()) {
        if (keys.length === MAX_LISTED) break;
        keys.push(typeof k === 'string' ? quote(k) : describeValue(k));
      }
      throw new Error(
        `${fn}: stateDictKey ${quote(stateDictKey)} not found; the checkpoint's top-level keys are: ${listed(keys, root.size)}.`,
      );
    }
    root = root.get(stateDictKey);
  }
  const tensors = stateDictEntries(root, fn);

  // Pass 1: validate every view and size the result before decoding anything.
  const storages = new Map<string, StoragePlan>();
  let storageBytes = 0;
  let storageElements = 0;
  let resultElements = 0;
  let largest = { name: '', numel: -1 };
  for (const [name, tensor] of tensors) {
    const { storage, offset, size, stride } = tensor;
    const tensorName = `tensor ${quote(name)}`;
    const dtype = Object.hasOwn(STORAGE_DTYPES, storage.storageType) ? STORAGE_DTYPES[storage.storageType]! : undefined;
    if (dtype === undefined) {
      throw new Error(
        `${fn}: ${tensorName} uses unsupported storage ${quote(`torch.${storage.storageType}`)}; ` +
          `supported: ${Object.keys(STORAGE_DTYPES).join(', ')}.`,
      );
    }
    let plan = storages.get(storage.key);
    if (plan === undefined) {
      const raw = zip.read(`${prefix}data/${storage.key}`);
      const need = storage.numel * DTYPE_BYTES[dtype];
      if (raw.byteLength < need) {
        throw new Error(
          `${fn}: storage ${quote(storage.key)} of ${tensorName} has ${raw.byteLength} bytes, ` +
            `expected ${need} (${storage.numel} ${dtype}).`,
        );
      }
      // torch writes each storage once; entries sharing bytes would let a file decode itself many times.
      storageBytes += need;
      if (storageBytes > bytes.byteLength) {
        throw new Error(
          `${fn}: storages claim more bytes than the ${bytes.byteLength}-byte file holds (archive entries overlap).`,
        );
      }
      storageElements += storage.numel;
      plan = { storage, dtype, raw, firstTensor: name };
      storages.set(storage.key, plan);
    } else if (plan.storage.storageType !== storage.storageType || plan.storage.numel !== storage.numel) {
      throw new Error(
        `${fn}: ${tensorName} names storage ${quote(storage.key)} as ${quote(`torch.${storage.storageType}`)} of ` +
          `${storage.numel} elements, but tensor ${quote(plan.firstTensor)} named it ${quote(`torch.${plan.storage.storageType}`)} ` +
          `of ${plan.storage.numel}; a storage has one type and size.`,
      );
    }
    const numel = checkView(storage.numel, offset, size, stride, `${fn}: ${tensorName}`);
    resultElements += numel;
    if (numel > largest.numel) largest = { name, numel };
  }
  const allowed = Math.max(maxExpansion * storageElements, EXPANSION_ALLOWANCE);
  if (resultElements > allowed) {
    throw new Error(
      `${fn}: the tensors would hold ${resultElements} elements, more than ${maxExpansion} times the ${storageElements} ` +
        `elements of their storages (the largest, ${quote(largest.name)}, has ${largest.numel}: a view with stride 0, or many ` +
        'views of one storage). If the file is trusted, pass a higher maxExpansion (Infinity for no cap).',
    );
  }

  // Pass 2: decode each storage once (several tensors may view it) and gather the views.
  const decoded = new Map<string, StateDictData>();
  const out: StateDict = new Map();
  for (const [name, { storage, offset, size, stride }] of tensors) {
    const plan = storages.get(storage.key)!;
    let data = decoded.get(storage.key);
    if (data === undefined) {
      data = decodeElements(plan.raw, plan.dtype, storage.numel, littleEndian);
      decoded.set(storage.key, data);
    }
    const owner = `${fn}: tensor ${quote(name)}`;
    let values: StateDictData;
    try {
      values = gatherStrided(data, offset, size, stride, owner);
    } catch (e) {
      if (e instanceof RangeError)
        throw new Error(`${owner}: cannot allocate its ${formatShape(size)} elements (${e.message}).`);
      throw e;
    }
    out.set(name, { dtype: plan.dtype, shape: [...size], data: values });
  }
  return out;
}

/** The (str key, tensor) pairs of the state dict, or an Error naming what else it holds. */
function stateDictEntries(root: unknown, fn: string): [string, PickledTensor][] {
  if (!(root instanceof Map)) {
    throw new Error(`${fn}: the checkpoint does not hold a dict of tensors (got ${describeValue(root)}).`);
  }
  const out: [string, PickledTensor][] = [];
  const nonTensors: string[] = [];
  let nonTensorCount = 0;
  let hint: string | undefined;
  // Each dict is scanned once: one shared dict under a million keys must not be scanned a million times.
  const scanned = new Set<Map<unknown, unknown>>();
  for (const [key, value] of root as Map<unknown, unknown>) {
    // Python state dicts have str keys; String() would make int 1 and str '1' (or None and
    // 'null') collide.
    if (typeof key !== 'string') {
      throw new Error(`${fn}: the state dict has a key that is not a str: ${describeValue(key)}.`);
    }
    if (value instanceof PickledTensor) {
      out.push([key, value]);
      continue;
    }
    if (nonTensorCount++ < MAX_LISTED) nonTensors.push(`${quote(key)} (${describeValue(value)})`);
    // Suggest a nested dict that holds only tensors (not, say, the optimizer's state).
    if (hint === undefined && value instanceof Map && value.size > 0 && !scanned.has(value)) {
      scanned.add(value);
      let allTensors = true;
      for (const t of value.values()) {
        if (!(t instanceof PickledTensor)) {
          allTensors = false;
          break;
        }
      }
      if (allTensors) hint = key;
    }
  }
  if (nonTensorCount > 0) {
    throw new Error(
      `${fn}: entries ${listed(nonTensors, nonTensorCount)} are not tensors` +
        (hint !== undefined ? `; if the state dict is nested, pass { stateDictKey: ${quote(hint)} }.` : '.'),
    );
  }
  return out;
}

/**
 * Checks that a view (`offset`, `size`, `stride` in elements) stays inside a storage of
 * `storageNumel` elements, without a product that could lose precision, and returns its element
 * count (capped at 2^53, which the expansion check then refuses).
 */
function checkView(storageNumel: number, offset: number, size: number[], stride: number[], owner: string): number {
  let numel = 1;
  for (const d of size) {
    if (d === 0) return 0;
    numel = Math.min(numel * d, Number.MAX_SAFE_INTEGER + 1);
  }
  let last = offset;
  let inside = offset < storageNumel;
  for (let d = 0; d < size.length && inside; d++) {
    const reach = (size[d]! - 1) * stride[d]!;
    inside = reach < storageNumel && last + reach < storageNumel;
    last += reach;
  }
  if (!inside) {
    throw new Error(
      `${owner}: view (offset ${offset}, size ${formatShape(size)}, stride ${formatShape(stride)}) ` +
        `reaches past the end of its storage of ${storageNumel} elements.`,
    );
  }
  return numel;
}
