import { decodeElements, DTYPE_BYTES, gatherStrided, plainBytes } from './internal/dtypes';
import { PickledTensor, PyOpaque, unpickle } from './internal/pickle';
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
}

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

/** A short description of an unpickled value for Error messages. */
function describe(v: unknown): string {
  if (v instanceof PyOpaque) return `a pickled '${v.global}' object`;
  if (v instanceof Map) return 'a dict';
  if (Array.isArray(v)) return 'a list or tuple';
  if (v === null) return 'None';
  return typeof v;
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
export function readTorchCheckpoint(input: Uint8Array, options: ReadTorchCheckpointOptions = {}): StateDict {
  const fn = 'readTorchCheckpoint';
  if (!(input instanceof Uint8Array)) throw new Error(`${fn}: expected a Uint8Array (or Buffer), got ${String(input)}.`);
  const bytes = plainBytes(input);
  if (!looksLikeZip(bytes)) {
    if (bytes.byteLength >= 2 && bytes[0] === 0x80) {
      throw new Error(
        `${fn}: this is a legacy (torch < 1.6, non-zip) torch.save file, which is not supported; ` +
          're-save it with a newer torch (torch.save(torch.load(f), f2)).',
      );
    }
    throw new Error(`${fn}: not a torch.save zip archive (the file does not start with 'PK').`);
  }
  const zip = new ZipArchive(bytes, fn);
  const pklName = [...zip.entries.keys()].find((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pklName === undefined) {
    const isScript = [...zip.entries.keys()].some((n) => n.endsWith('/constants.pkl'));
    throw new Error(
      `${fn}: archive has no '<name>/data.pkl' entry` +
        (isScript ? ' (it looks like a TorchScript archive from torch.jit.save; save a state_dict instead).' : '.'),
    );
  }
  const prefix = pklName.slice(0, -'data.pkl'.length);
  let littleEndian = true;
  if (zip.entries.has(`${prefix}byteorder`)) {
    const order = new TextDecoder().decode(zip.read(`${prefix}byteorder`)).trim();
    if (order !== 'little' && order !== 'big') throw new Error(`${fn}: unknown byteorder '${order}'.`);
    littleEndian = order === 'little';
  }

  let root = unpickle(zip.read(pklName), fn);
  if (options.stateDictKey !== undefined) {
    if (!(root instanceof Map) || !root.has(options.stateDictKey)) {
      const keys = root instanceof Map ? [...root.keys()].map(String).join(', ') : typeof root;
      throw new Error(`${fn}: stateDictKey '${options.stateDictKey}' not found; the checkpoint's top-level keys are: ${keys}.`);
    }
    root = root.get(options.stateDictKey);
  }
  if (!(root instanceof Map)) {
    throw new Error(`${fn}: the checkpoint does not hold a dict of tensors (got ${describe(root)}).`);
  }
  const nonTensors = [...root.entries()].filter(([, v]) => !(v instanceof PickledTensor));
  if (nonTensors.length > 0) {
    // Suggest a nested dict that holds only tensors (not, say, the optimizer's state).
    const hint = nonTensors.find(
      ([, v]) => v instanceof Map && v.size > 0 && [...v.values()].every((t) => t instanceof PickledTensor),
    );
    throw new Error(
      `${fn}: entries ${nonTensors.map(([k, v]) => `'${String(k)}' (${describe(v)})`).join(', ')} are not tensors` +
        (hint !== undefined ? `; if the state dict is nested, pass { stateDictKey: '${String(hint[0])}' }.` : '.'),
    );
  }

  // Decode each storage once: several tensors may view the same storage.
  const storages = new Map<string, StateDictData>();
  const out: StateDict = new Map();
  for (const [name, value] of root as Map<unknown, PickledTensor>) {
    const { storage, offset, size, stride } = value;
    const dtype = STORAGE_DTYPES[storage.storageType];
    if (dtype === undefined) {
      throw new Error(
        `${fn}: tensor '${String(name)}' uses unsupported storage torch.${storage.storageType}; ` +
          `supported: ${Object.keys(STORAGE_DTYPES).join(', ')}.`,
      );
    }
    let data = storages.get(storage.key);
    if (data === undefined) {
      const raw = zip.read(`${prefix}data/${storage.key}`);
      const need = storage.numel * DTYPE_BYTES[dtype];
      if (raw.byteLength < need) {
        throw new Error(
          `${fn}: storage '${storage.key}' of tensor '${String(name)}' has ${raw.byteLength} bytes, ` +
            `expected ${need} (${storage.numel} ${dtype}).`,
        );
      }
      data = decodeElements(raw, dtype, storage.numel, littleEndian);
      storages.set(storage.key, data);
    }
    const owner = `${fn}: tensor '${String(name)}'`;
    out.set(String(name), { dtype, shape: [...size], data: gatherStrided(data, offset, size, stride, owner) });
  }
  return out;
}
