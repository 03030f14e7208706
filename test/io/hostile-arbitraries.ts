/**
 * fast-check arbitraries shared by the reader fuzz tests and the hostile-io benchmark: byte-level
 * mutations of a file, and steps of a random (often hostile) pickle program.
 */
import fc from 'fast-check';
import { CANARY_NAMES, type PickleWriter } from './hostile-builders';

/** One byte-level mutation, its position given as a fraction of the file. */
export type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'set'; at: number; bytes: number[] }
  | { kind: 'insert'; at: number; bytes: number[] }
  | { kind: 'delete'; at: number; n: number }
  | { kind: 'saturate'; at: number; width: 2 | 4 | 8; high: boolean };

const position = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: position }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('set' as const),
      at: position,
      bytes: fc.array(fc.nat(255), { minLength: 1, maxLength: 4 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('insert' as const),
      at: position,
      bytes: fc.array(fc.nat(255), { minLength: 1, maxLength: 16 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('delete' as const), at: position, n: fc.integer({ min: 1, max: 16 }) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('saturate' as const),
      at: position,
      width: fc.constantFrom(2 as const, 4 as const, 8 as const),
      high: fc.boolean(),
    }),
  },
);

/** Applies mutations in order to a copy of `seed`. */
export function mutate(seed: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let b = seed.slice();
  for (const m of mutations) {
    const at = Math.floor(m.at * b.length);
    switch (m.kind) {
      case 'truncate':
        b = b.slice(0, at);
        break;
      case 'set':
        m.bytes.forEach((v, i) => {
          if (at + i < b.length) b[at + i] = v;
        });
        break;
      case 'insert': {
        const out = new Uint8Array(b.length + m.bytes.length);
        out.set(b.subarray(0, at));
        out.set(m.bytes, at);
        out.set(b.subarray(at), at + m.bytes.length);
        b = out;
        break;
      }
      case 'delete': {
        const end = Math.min(b.length, at + m.n);
        const out = new Uint8Array(b.length - (end - at));
        out.set(b.subarray(0, at));
        out.set(b.subarray(end), at);
        b = out;
        break;
      }
      case 'saturate':
        // A length or count field forced to its largest (or largest signed) value.
        for (let i = 0; i < m.width && at + i < b.length; i++) b[at + i] = i === m.width - 1 && !m.high ? 0x7f : 0xff;
        break;
    }
  }
  return b;
}

/** One step of a random pickle program. */
export const pickleStep: fc.Arbitrary<(w: PickleWriter) => void> = fc.oneof(
  fc.integer({ min: -(2 ** 40), max: 2 ** 40 }).map((n) => (w: PickleWriter) => void w.int(n)),
  fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }).map((n) => (w: PickleWriter) => void w.int(n)),
  fc.string({ maxLength: 8 }).map((s) => (w: PickleWriter) => void w.str(s)),
  fc.double().map((x) => (w: PickleWriter) => void w.float(x)),
  fc
    .constantFrom(
      ...CANARY_NAMES,
      ['collections', 'OrderedDict'],
      ['torch', 'FloatStorage'],
      ['torch', 'Size'],
      ['torch._utils', '_rebuild_tensor_v2'],
      ['torch._utils', '_rebuild_parameter'],
      ['_codecs', 'encode'],
    )
    .map(
      ([m, n]) =>
        (w: PickleWriter) =>
          void w.global(m, n),
    ),
  fc.constantFrom<(w: PickleWriter) => void>(
    (w) => void w.mark(),
    (w) => void w.tuple(),
    (w) => void w.tuple1(),
    (w) => void w.tuple2(),
    (w) => void w.emptyTuple(),
    (w) => void w.emptyList(),
    (w) => void w.emptyDict(),
    (w) => void w.none(),
    (w) => void w.append(),
    (w) => void w.appends(),
    (w) => void w.setitem(),
    (w) => void w.setitems(),
    (w) => void w.reduce(),
    (w) => void w.build(),
    (w) => void w.newobj(),
    (w) => void w.binpersid(),
    (w) => void w.dup(),
    (w) => void w.pop(),
    (w) => void w.op(0x31), // POP_MARK
    (w) => void w.op(0x92), // NEWOBJ_EX (unsupported)
    (w) => void w.op(0x69, ...new TextEncoder().encode('__main__\ntfjsSynthCanary\n')), // INST
    (w) => void w.op(0x6f), // OBJ
    (w) => void w.op(0x50, ...new TextEncoder().encode('0\n')), // PERSID (text)
    (w) => void w.op(0x58, 0xff, 0xff, 0xff, 0x7f), // BINUNICODE claiming 2 GiB
    (w) => void w.op(0x8d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), // BINUNICODE8 claiming 2^64
    (w) => void w.op(0x8b, 0xff, 0xff, 0xff, 0x7f), // LONG4 claiming 2 GiB
    (w) => void w.op(0x8b, 0x00, 0x00, 0x04, 0x00), // LONG4 of 256 KiB (past the cap)
    (w) => void w.op(0x95, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), // FRAME
    (w) => void w.op(0x80, 0xff), // PROTO 255
  ),
  fc.nat(8).map((i) => (w: PickleWriter) => void w.put(i)),
  fc.nat(8).map((i) => (w: PickleWriter) => void w.get(i)),
  // Deep nesting and memo "billion laughs" as whole steps.
  fc.integer({ min: 1, max: 20_000 }).map((depth) => (w: PickleWriter) => {
    w.emptyTuple();
    for (let i = 0; i < depth; i++) w.tuple1();
  }),
  fc.integer({ min: 1, max: 60 }).map((levels) => (w: PickleWriter) => {
    w.str('ab').put(100).pop();
    for (let i = 1; i <= levels; i++)
      w.get(99 + i)
        .get(99 + i)
        .tuple2()
        .put(100 + i)
        .pop();
    w.get(100 + levels);
  }),
);
