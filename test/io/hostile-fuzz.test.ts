/**
 * Fuzzing of the checkpoint readers with fast-check: mutants of valid `.pth` (zip + pickle) and
 * `.safetensors` files (truncation, flipped and inserted bytes, saturated length fields),
 * random pickle programs (deep nesting, memo abuse, huge declared lengths, GLOBAL / REDUCE /
 * BUILD / INST / OBJ / NEWOBJ of callables), random tensor views (huge or negative sizes,
 * strides, offsets and counts) and random safetensors headers. Every case must end in a clear
 * Error (a plain Error naming the reader, under 2,000 characters) or a correct result, with
 * no code executed (a canary global the pickles name is never called, Object.prototype stays
 * clean), a result no larger than the materialisation bound, and, for loadTorchStateDict, the
 * model's weights unchanged after a failed load. Time is bounded by each test's timeout (no
 * assertion on time; bench/hostile-io.bench.ts measures the worst cases).
 */
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { exportTorchStateDict } from '../../src/io/export-torch-state-dict';
import { unpickle } from '../../src/io/internal/pickle';
import { ZipArchive } from '../../src/io/internal/zip';
import { loadTorchStateDict } from '../../src/io/load-torch-state-dict';
import { readSafetensors } from '../../src/io/read-safetensors';
import { readTorchCheckpoint } from '../../src/io/read-torch-checkpoint';
import type { StateDict } from '../../src/io/state-dict';
import { describeBackends } from '../harness/backends';
import { fixtureBytes } from './fixtures';
import {
  CANARY_NAMES,
  f32Bytes,
  makePth,
  makeSafetensorsRaw,
  makeZip,
  PickleWriter,
  stateDictPickle,
  type TensorSpec,
} from './hostile-builders';
import { mutate, mutation, pickleStep } from './hostile-arbitraries';
import { installCanary, isClearError } from './hostile-checks';

const PTH = /^readTorchCheckpoint: /;
const ST = /^readSafetensors: /;
const PICKLE = /^fuzz: pickle /;
/** Elements a .pth result may hold: the materialisation cap's default bound for any file. */
const pthElementBound = (fileBytes: number): number => Math.max(16 * fileBytes, 2 ** 20);

/** A successful read is consistent and within the materialisation bound. */
function expectConsistent(sd: StateDict, elementBound: number): void {
  let total = 0;
  for (const t of sd.values()) {
    expect(t.data.length).toBe(t.shape.reduce((a, d) => a * d, 1));
    total += t.data.length;
  }
  expect(total).toBeLessThanOrEqual(elementBound);
}

/** Runs a read: a result passes `onResult`, an exception must be a clear Error of `owner`. */
function expectResultOrClearError<T>(read: () => T, owner: RegExp, onResult: (r: T) => void): 'ok' | 'error' {
  let result: T;
  try {
    result = read();
  } catch (e) {
    if (!isClearError(e, owner)) {
      throw new Error(
        `not a clear Error: ${e instanceof Error ? `${e.constructor.name}: ${e.message.slice(0, 500)}` : String(e)}`,
      );
    }
    return 'error';
  }
  onResult(result);
  return 'ok';
}

const canary = installCanary();

describe('fuzz: .pth files', () => {
  const seeds = ['tiny_net.pth', 'tiny_net_proto4.pth', 'extras.pth', 'training_checkpoint.pth'].map((n) =>
    fixtureBytes(n),
  );

  it('mutated archives give a clear Error or a consistent result', () => {
    const outcomes = { ok: 0, error: 0 };
    fc.assert(
      fc.property(fc.nat(seeds.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 }), (s, muts) => {
        const file = mutate(seeds[s]!, muts);
        outcomes[
          expectResultOrClearError(
            () => readTorchCheckpoint(file, s === 3 ? { stateDictKey: 'state_dict' } : {}),
            PTH,
            (sd) => expectConsistent(sd, pthElementBound(file.length)),
          )
        ]++;
        canary.assertUntouched();
      }),
      { numRuns: 400 },
    );
    expect(outcomes.error).toBeGreaterThan(0);
  }, 120_000);

  it('mutated pickles inside intact archives give a clear Error or a consistent result', () => {
    const seed = fixtureBytes('tiny_net.pth');
    const zip = new ZipArchive(seed, 'test');
    const names = [...zip.entries.keys()];
    const entries = names.map((n) => [n, zip.read(n).slice()] as [string, Uint8Array]);
    const pkl = entries.find(([n]) => n.endsWith('data.pkl'))!;
    const outcomes = { ok: 0, error: 0 };
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (muts) => {
        const file = makeZip(entries.map(([n, d]) => [n, d === pkl[1] ? mutate(d, muts) : d]));
        outcomes[
          expectResultOrClearError(
            () => readTorchCheckpoint(file),
            PTH,
            (sd) => expectConsistent(sd, pthElementBound(file.length)),
          )
        ]++;
        canary.assertUntouched();
      }),
      { numRuns: 400 },
    );
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(outcomes.error).toBeGreaterThan(0);
  }, 120_000);
});

describe('fuzz: random pickle programs', () => {
  it('end in a clear Error or a value, and never run code', () => {
    const outcomes = { ok: 0, error: 0 };
    fc.assert(
      fc.property(fc.array(pickleStep, { maxLength: 40 }), fc.boolean(), (steps, stop) => {
        const w = new PickleWriter().proto(2);
        for (const step of steps) step(w);
        if (stop) w.stop();
        const bytes = w.bytes();
        outcomes[
          expectResultOrClearError(
            () => unpickle(bytes, 'fuzz'),
            PICKLE,
            () => undefined,
          )
        ]++;
        const file = makePth(bytes, { '0': new Uint8Array(64) });
        expectResultOrClearError(
          () => readTorchCheckpoint(file),
          PTH,
          (sd) => expectConsistent(sd, pthElementBound(file.length)),
        );
        canary.assertUntouched();
      }),
      { numRuns: 400 },
    );
    expect(outcomes.error).toBeGreaterThan(0);
  }, 120_000);

  it('programs that call every canary name through REDUCE, NEWOBJ, BUILD, INST and OBJ yield placeholders or Errors', () => {
    for (const [m, n] of CANARY_NAMES) {
      const reduce = new PickleWriter().proto(2).global(m, n).mark().str('echo pwned').tuple().reduce().stop().bytes();
      const newobj = new PickleWriter().proto(2).global(m, n).emptyTuple().newobj().emptyDict().build().stop().bytes();
      const inst = new PickleWriter()
        .proto(2)
        .mark()
        .op(0x69, ...new TextEncoder().encode(`${m}\n${n}\n`))
        .stop()
        .bytes();
      const obj = new PickleWriter().proto(2).mark().global(m, n).op(0x6f).stop().bytes();
      for (const bytes of [reduce, newobj, inst, obj]) {
        expectResultOrClearError(
          () => unpickle(bytes, 'fuzz'),
          PICKLE,
          (v) => expect(v).toHaveProperty('global', `${m}.${n}`),
        );
      }
    }
    canary.assertUntouched();
  });
});

/** A random tensor view: sizes, strides, offsets and counts from small to hostile. */
const dim = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 6 }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 2 ** 31, 2 ** 53, 32768) },
  { weight: 1, arbitrary: fc.constantFrom(2n ** 70n, -(2n ** 63n)) },
);
const tensorSpec: fc.Arbitrary<TensorSpec> = fc.record({
  name: fc.constantFrom('a', 'b', 'c', 'w.0', '1'),
  storageType: fc.constantFrom(
    'FloatStorage',
    'FloatStorage',
    'FloatStorage',
    'LongStorage',
    'HalfStorage',
    'ComplexFloatStorage',
  ),
  key: fc.constantFrom('0', '1', '2'),
  numel: dim,
  offset: fc.oneof(
    { weight: 5, arbitrary: fc.integer({ min: 0, max: 4 }) },
    { weight: 1, arbitrary: fc.constantFrom(-1, 2 ** 40) },
  ),
  size: fc.array(dim, { maxLength: 4 }),
  stride: fc.array(dim, { maxLength: 4 }),
});

/** The reference gather: element i of a view is storage[offset + sum(index_d * stride_d)]. */
function referenceGather(storage: Float32Array, spec: TensorSpec): number[] {
  const size = spec.size.map(Number);
  const stride = spec.stride.map(Number);
  const n = size.reduce((a, d) => a * d, 1);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let rest = i;
    let src = spec.offset ?? 0;
    for (let d = size.length - 1; d >= 0; d--) {
      src += (rest % size[d]!) * stride[d]!;
      rest = Math.floor(rest / size[d]!);
    }
    out.push(storage[src]!);
  }
  return out;
}

describe('fuzz: random tensor views', () => {
  it('give a clear Error or exactly the viewed values', () => {
    const outcomes = { ok: 0, error: 0 };
    fc.assert(
      fc.property(
        fc.array(tensorSpec, { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 0, max: 48 }), { minLength: 3, maxLength: 3 }),
        (specs, lengths) => {
          // Storage bytes: a float32 ramp, so every element is distinct.
          const storages: Record<string, Uint8Array> = {};
          lengths.forEach(
            (len, k) => (storages[String(k)] = f32Bytes(Array.from({ length: len }, (_, i) => 100 * k + i))),
          );
          const file = makePth(stateDictPickle(specs), storages);
          outcomes[
            expectResultOrClearError(
              () => readTorchCheckpoint(file),
              PTH,
              (sd) => {
                expectConsistent(sd, pthElementBound(file.length));
                for (const spec of specs) {
                  // Later entries of one name replace earlier ones, as in a Python dict.
                  if (specs.filter((s) => s.name === spec.name).pop() !== spec || spec.storageType !== 'FloatStorage')
                    continue;
                  const raw = storages[spec.key]!;
                  const storage = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
                  expect(Array.from(sd.get(spec.name)!.data as Float32Array)).toEqual(referenceGather(storage, spec));
                }
              },
            )
          ]++;
          canary.assertUntouched();
        },
      ),
      { numRuns: 500 },
    );
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(outcomes.error).toBeGreaterThan(0);
  }, 120_000);
});

describe('fuzz: .safetensors files', () => {
  const seeds = ['tiny_net.safetensors', 'extras.safetensors'].map((n) => fixtureBytes(n));

  it('mutated files give a clear Error or a result of at most 4 bytes per data byte', () => {
    fc.assert(
      fc.property(fc.nat(seeds.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 }), (s, muts) => {
        const file = mutate(seeds[s]!, muts);
        expectResultOrClearError(
          () => readSafetensors(file),
          ST,
          (sd) => {
            let bytes = 0;
            for (const t of sd.values()) {
              expect(t.data.length).toBe(t.shape.reduce((a, d) => a * d, 1));
              bytes += t.data.byteLength;
            }
            expect(bytes).toBeLessThanOrEqual(4 * file.length);
          },
        );
      }),
      { numRuns: 400 },
    );
  }, 120_000);

  const jsonLeaf = fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -5, max: 64 }),
    fc.constantFrom(2 ** 53, 1.5, 1e300),
    fc.string({ maxLength: 4 }),
  );
  const shape = fc.oneof(
    { weight: 6, arbitrary: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }) },
    { weight: 1, arbitrary: fc.array(jsonLeaf, { maxLength: 3 }) },
    { weight: 1, arbitrary: jsonLeaf },
  );
  const offsets = fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 64 })) },
    { weight: 1, arbitrary: fc.array(jsonLeaf, { maxLength: 3 }) },
  );
  const entry = fc.oneof(
    {
      weight: 8,
      arbitrary: fc.record(
        { dtype: fc.constantFrom('F32', 'F16', 'I8', 'U8', 'I64', 'BOOL', 'C64', 'f32'), shape, data_offsets: offsets },
        { requiredKeys: [] },
      ),
    },
    { weight: 1, arbitrary: jsonLeaf },
  );
  const header = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd', '__metadata__', '__proto__', 'constructor'), entry, {
    maxKeys: 4,
  });

  it('random headers give a clear Error or tensors that tile the data exactly', () => {
    const outcomes = { ok: 0, error: 0 };
    fc.assert(
      fc.property(
        header,
        fc.integer({ min: 0, max: 64 }),
        fc.constantFrom('', '\ufeff', 'dup'),
        (h, dataLen, variant) => {
          const data = Uint8Array.from({ length: dataLen }, (_, i) => i);
          const plain = JSON.stringify(h);
          let text = plain;
          if (variant === '\ufeff') text = `\ufeff${text}`;
          if (variant === 'dup') text = text.replace(/^\{("[^"]*":)/, '{$1null,$1');
          const hostile = text !== plain;
          const file = makeSafetensorsRaw(text, data);
          outcomes[
            expectResultOrClearError(
              () => readSafetensors(file),
              ST,
              (sd) => {
                expect(hostile, 'a BOM or a duplicate key was accepted').toBe(false);
                let covered = 0;
                for (const [name, t] of sd) {
                  const info = (h as Record<string, { data_offsets: [number, number] }>)[name]!;
                  covered += info.data_offsets[1] - info.data_offsets[0];
                  if (t.dtype === 'uint8')
                    expect(Array.from(t.data as Uint8Array)).toEqual(Array.from(data.subarray(...info.data_offsets)));
                }
                expect(covered).toBe(dataLen);
              },
            )
          ]++;
          canary.assertUntouched();
        },
      ),
      { numRuns: 600 },
    );
    expect(outcomes.error).toBeGreaterThan(0);
  }, 120_000);

  /** Corruptions of a valid header; 'none' must read exactly, every other one must be refused. */
  const corruption = fc.constantFrom(
    'none',
    'null entry',
    'reversed',
    'gap',
    'overlap',
    'alias',
    'trailing',
    'short',
    'duplicate',
    'bom',
    'metadata number',
    'float shape',
    'huge shape',
    'negative shape',
    'missing offsets',
    'unknown dtype',
    'deep metadata',
  );
  const tensors = fc.array(
    fc.record({
      dtype: fc.constantFrom('U8', 'F32', 'I64'),
      shape: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 3 }),
    }),
    { minLength: 2, maxLength: 5 },
  );
  const widths: Record<string, number> = { U8: 1, F32: 4, I64: 8 };

  it('valid headers read exactly and each corruption of them is refused', () => {
    fc.assert(
      fc.property(tensors, corruption, fc.nat(), (specs, kind, pick) => {
        const entries: Record<string, unknown>[] = [];
        let at = 0;
        for (const t of specs) {
          const n = widths[t.dtype]! * t.shape.reduce((a, d) => a * d, 1);
          entries.push({ dtype: t.dtype, shape: t.shape, data_offsets: [at, at + n] });
          at += n;
        }
        const data = Uint8Array.from({ length: at }, (_, i) => (i * 7) & 0xff);
        const i = pick % entries.length;
        const e = entries[i]!;
        const [b, end] = e['data_offsets'] as [number, number];
        const metadata: Record<string, unknown> = { format: 'pt' };
        let extra = 0;
        let prefix = '';
        let dupKey = false;
        switch (kind) {
          case 'null entry':
            entries[i] = null as never;
            break;
          case 'reversed':
            e['data_offsets'] = [end, b];
            break;
          case 'gap':
            e['data_offsets'] = [b + 1, end + 1];
            extra = 1;
            break;
          case 'overlap':
            if (i > 0) e['data_offsets'] = [b - 1, end - 1];
            else e['data_offsets'] = [b + 1, end + 1];
            break;
          case 'alias':
            entries[(i + 1) % entries.length]!['data_offsets'] = [b, end];
            break;
          case 'trailing':
            extra = 1;
            break;
          case 'short':
            extra = -1;
            break;
          case 'duplicate':
            dupKey = true;
            break;
          case 'bom':
            prefix = '\ufeff';
            break;
          case 'metadata number':
            metadata['epoch'] = 3;
            break;
          case 'float shape':
            e['shape'] = '__FLOAT__';
            break;
          case 'huge shape':
            e['shape'] = [2 ** 31, 2 ** 31, 2 ** 31];
            break;
          case 'negative shape':
            e['shape'] = [-1];
            break;
          case 'missing offsets':
            delete e['data_offsets'];
            break;
          case 'unknown dtype':
            e['dtype'] = 'F8_E4M3';
            break;
          case 'deep metadata':
            metadata['x'] = [[['y']]];
            break;
        }
        const header: Record<string, unknown> = { __metadata__: metadata };
        entries.forEach((x, k) => (header[`t${k}`] = x));
        let text = prefix + JSON.stringify(header).replace('"__FLOAT__"', '[1.0]');
        if (dupKey) text = text.replace('{"__metadata__"', '{"t0":null,"__metadata__"');
        const body =
          extra >= 0 ? Uint8Array.from({ length: at + extra }, (_, k) => (k * 7) & 0xff) : data.subarray(0, at - 1);
        const file = makeSafetensorsRaw(text, body);
        const outcome = expectResultOrClearError(
          () => readSafetensors(file),
          ST,
          (sd) => {
            expect(kind, `corruption '${kind}' was accepted`).toBe('none');
            entries.forEach((x, k) => {
              const t = sd.get(`t${k}`)!;
              const [s0, s1] = x['data_offsets'] as [number, number];
              expect(t.shape).toEqual(x['shape']);
              if (t.dtype === 'uint8')
                expect(Array.from(t.data as Uint8Array)).toEqual(Array.from(data.subarray(s0, s1)));
              if (t.dtype === 'float32') expect(t.data).toEqual(new Float32Array(data.slice(s0, s1).buffer));
              if (t.dtype === 'int64') expect(t.data).toEqual(new BigInt64Array(data.slice(s0, s1).buffer));
            });
          },
        );
        if (kind === 'none') expect(outcome).toBe('ok');
      }),
      { numRuns: 500 },
    );
  }, 120_000);

  it('a header object never reaches Object.prototype', () => {
    const file = makeSafetensorsRaw(
      '{"__proto__":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"constructor":{"dtype":"U8","shape":[0],"data_offsets":[1,1]}}',
      new Uint8Array([7]),
    );
    const sd = readSafetensors(file);
    expect(sd.get('__proto__')!.data).toEqual(new Uint8Array([7]));
    canary.assertUntouched();
  });
});

describeBackends('fuzz: loadTorchStateDict', () => {
  /** Conv2d(3, 4, 3) named '0', as nn.Sequential(nn.Conv2d(3, 4, 3)). */
  function net(): tfl.LayersModel {
    const input = tfl.input({ shape: [8, 8, 3] });
    const conv = tfl.layers.conv2d({ name: '0', filters: 4, kernelSize: 3 });
    return tfl.model({ inputs: input, outputs: conv.apply(input) as tfl.SymbolicTensor });
  }
  const snapshot = (m: tfl.LayersModel): Float32Array[] =>
    m.weights.map((w) => w.read().dataSync() as Float32Array).map((a) => a.slice());

  it('leaves the weights unchanged after every failed load of a mutated file', () => {
    const model = net();
    const safetensors = exportTorchStateDict(model);
    const weight = Array.from({ length: 4 * 3 * 3 * 3 }, (_, i) => i / 100);
    const pth = makePth(
      stateDictPickle([
        { name: '0.weight', key: '0', numel: 108, size: [4, 3, 3, 3], stride: [27, 9, 3, 1] },
        { name: '0.bias', key: '1', numel: 4, size: [4], stride: [1] },
      ]),
      { '0': f32Bytes(weight), '1': f32Bytes([1, 2, 3, 4]) },
    );
    loadTorchStateDict(model, pth); // the seed itself loads
    const original = snapshot(model);
    const seeds = [safetensors, pth];
    const outcomes = { ok: 0, error: 0 };
    fc.assert(
      fc.property(fc.nat(1), fc.array(mutation, { minLength: 1, maxLength: 3 }), (s, muts) => {
        const file = mutate(seeds[s]!, muts);
        const before = snapshot(model);
        const outcome = expectResultOrClearError(
          () => loadTorchStateDict(model, file),
          /^(readTorchCheckpoint|readSafetensors|loadTorchStateDict): /,
          () => undefined,
        );
        outcomes[outcome]++;
        if (outcome === 'error') expect(snapshot(model)).toEqual(before);
        else model.setWeights(original.map((a, i) => tf.tensor(a, model.weights[i]!.shape as number[])));
        canary.assertUntouched();
      }),
      { numRuns: 150 },
    );
    expect(outcomes.error).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBeLessThan(100);
  }, 120_000);
});
