/**
 * One case of bench/hostile-io.bench.ts, run in a fresh process so its peak resident memory is
 * its own: builds a hostile input (at most 1 MB unless named otherwise), reads it, and prints
 * one JSON line `{ bytes, ms, worstMs, runs, rssBeforeMB, rssPeakMB, outcome }`. Fuzz cases run
 * many inputs and report the slowest one (`worstMs`) and the peak over all of them.
 * Usage: node --import tsx bench/workers/hostile-io-case.ts <case>
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { readSafetensors } from '../../src/io/read-safetensors';
import { readTorchCheckpoint } from '../../src/io/read-torch-checkpoint';
import { mutate, mutation, pickleStep } from '../../test/io/hostile-arbitraries';
import {
  f32Bytes,
  makePth,
  makeSafetensorsRaw,
  PickleWriter,
  sharedDictUnderManyKeys,
  stateDictPickle,
} from '../../test/io/hostile-builders';
import { fixtureBytes } from '../../test/io/fixtures';

const MB = 1024 * 1024;

/** A state dict `{ 'w': <value> }` as a .pth. */
function withValue(body: (w: PickleWriter) => void, asKey = false): Uint8Array {
  const w = new PickleWriter().proto(2).orderedDict();
  if (asKey) {
    body(w);
    w.str('v');
  } else {
    w.str('w');
    body(w);
  }
  return makePth(w.setitem().stop().bytes());
}
const laughs = (w: PickleWriter): void => {
  w.str('x'.repeat(1000)).put(0).pop();
  for (let i = 1; i <= 60; i++)
    w.get(i - 1)
      .get(i - 1)
      .tuple2()
      .put(i)
      .pop();
  w.get(60);
};
const nested =
  (depth: number) =>
  (w: PickleWriter): void => {
    w.emptyTuple();
    for (let i = 0; i < depth; i++) w.tuple1();
  };
const pth = (b: Uint8Array) => () => readTorchCheckpoint(b);
const one = (b: Uint8Array) => ({ input: b, reads: [pth(b)] });
const st = (b: Uint8Array) => () => readSafetensors(b);

/** Case name -> its input and the read(s) to run. */
const CASES: Record<string, () => { input: Uint8Array; reads: (() => unknown)[] }> = {
  'long4 of 1 MB (cap)': () => {
    const b = makePth(
      new PickleWriter()
        .proto(2)
        .long4(new Uint8Array(MB - 200).fill(0x41))
        .stop()
        .bytes(),
    );
    return { input: b, reads: [pth(b)] };
  },
  '500 long4 of 2 KiB': () => {
    const w = new PickleWriter().proto(2).emptyList().mark();
    for (let i = 0; i < 500; i++) w.long4(new Uint8Array(2048).fill(i & 0xff));
    const b = makePth(w.appends().stop().bytes());
    return { input: b, reads: [pth(b)] };
  },
  'billion laughs (2^60) as value': () => one(withValue(laughs)),
  'billion laughs as key': () => one(withValue(laughs, true)),
  'billion laughs as persistent id': () => {
    const w = new PickleWriter().proto(2);
    laughs(w);
    return one(makePth(w.binpersid().stop().bytes()));
  },
  '900k nested tuples as key': () => one(withValue(nested(900_000), true)),
  '900k nested tuples as size': () =>
    one(
      withValue((w) => {
        w.global('torch._utils', '_rebuild_tensor_v2').mark();
        w.mark().str('storage').global('torch', 'FloatStorage').str('0').str('cpu').int(1).tuple().binpersid();
        w.int(0);
        nested(900_000)(w);
        w.ints([1]).newFalse().orderedDict().tuple().reduce();
      }),
    ),
  '900k nested tuples as persistent id': () => {
    const w = new PickleWriter().proto(2);
    nested(900_000)(w);
    return one(makePth(w.binpersid().stop().bytes()));
  },
  'APPENDS of 450k items': () =>
    one(
      withValue((w) => {
        w.emptyList().mark();
        for (let i = 0; i < 450_000; i++) w.int(i & 0xff);
        w.appends();
      }),
    ),
  '_codecs.encode of a memoised 500 KB str, 30k times': () => {
    const w = new PickleWriter().proto(2).emptyList().mark().str('y'.repeat(500_000)).put(0).pop();
    for (let i = 0; i < 30_000; i++) w.global('_codecs', 'encode').get(0).tuple1().reduce();
    return one(makePth(w.appends().stop().bytes()));
  },
  'STACK_GLOBAL + REDUCE of a memoised 1000-char name, 60k times': () => {
    const w = new PickleWriter().proto(2).emptyList().mark().str('m'.repeat(1000)).put(0).str('n').put(1).pop().pop();
    for (let i = 0; i < 60_000; i++) w.get(0).get(1).op(0x93).emptyTuple().reduce();
    return one(makePth(w.appends().stop().bytes()));
  },
  'one dict shared under 50k keys': () => one(sharedDictUnderManyKeys(50_000)),
  'zip extra field past the end': () => {
    const b = fixtureBytes('tiny_net.pth').slice();
    const v = new DataView(b.buffer);
    let eocd = b.length - 22;
    while (v.getUint32(eocd, true) !== 0x06054b50) eocd--;
    v.setUint16(v.getUint32(eocd + 16, true) + 30, 0xffff, true);
    return { input: b, reads: [pth(b)] };
  },
  'stride-0 view 32768 x 32768 (refused)': () => {
    const b = makePth(stateDictPickle([{ name: 'w', key: '0', numel: 1, size: [32768, 32768], stride: [0, 0] }]), {
      '0': f32Bytes([1]),
    });
    return { input: b, reads: [pth(b)] };
  },
  '16 views of a 1 MB storage (largest default result)': () => {
    const n = 250_000;
    const specs = Array.from({ length: 16 }, (_, i) => ({ name: `t${i}`, key: '0', numel: n, size: [n], stride: [1] }));
    const b = makePth(stateDictPickle(specs), { '0': new Uint8Array(4 * n) });
    return { input: b, reads: [pth(b)] };
  },
  '1 MB int8 storage, 16 views (widest default result)': () => {
    const n = 1_000_000;
    const specs = Array.from({ length: 16 }, (_, i) => ({
      name: `t${i}`,
      storageType: 'CharStorage',
      key: '0',
      numel: n,
      size: [n],
      stride: [1],
    }));
    const b = makePth(stateDictPickle(specs), { '0': new Uint8Array(n) });
    return { input: b, reads: [pth(b)] };
  },
  'safetensors: null entry': () => {
    const b = makeSafetensorsRaw('{"a":null}');
    return { input: b, reads: [st(b)] };
  },
  'safetensors: 1 MB of nested arrays': () => {
    const b = makeSafetensorsRaw(`{"__metadata__":{"a":${'['.repeat(MB - 100)}`);
    return { input: b, reads: [st(b)] };
  },
  'safetensors: header length 2^63': () => {
    const b = new Uint8Array(64);
    new DataView(b.buffer).setBigUint64(0, 2n ** 63n, true);
    return { input: b, reads: [st(b)] };
  },
  'safetensors: 20k tensors, 1 MB header, out of order': () => {
    const parts: string[] = [];
    for (let i = 19_999; i >= 0; i--) parts.push(`"t${i}":{"dtype":"U8","shape":[1],"data_offsets":[${i},${i + 1}]}`);
    const b = makeSafetensorsRaw(`{${parts.join(',')}}`, new Uint8Array(20_000));
    return { input: b, reads: [st(b)] };
  },
  'safetensors: 1 MB metadata string': () => {
    const b = makeSafetensorsRaw(`{"__metadata__":{"a":"${'z'.repeat(MB - 100)}"}}`);
    return { input: b, reads: [st(b)] };
  },
  'legacy .pth': () => {
    const b = fixtureBytes('legacy.pth');
    return { input: b, reads: [pth(b)] };
  },
};

/** Fuzz cases: many inputs, each read once. */
const FUZZ: Record<string, () => { input: Uint8Array; reads: (() => unknown)[] }> = {
  'fuzz: 3000 mutants of tiny_net.pth / extras.pth': () => {
    const seeds = [fixtureBytes('tiny_net.pth'), fixtureBytes('extras.pth')];
    const files = fc
      .sample(fc.tuple(fc.nat(1), fc.array(mutation, { minLength: 1, maxLength: 4 })), { numRuns: 3000, seed: 1 })
      .map(([s, m]) => mutate(seeds[s]!, m));
    return { input: seeds[1]!, reads: files.map(pth) };
  },
  'fuzz: 3000 random pickle programs': () => {
    const progs = fc.sample(fc.array(pickleStep, { maxLength: 40 }), { numRuns: 3000, seed: 2 }).map((steps) => {
      const w = new PickleWriter().proto(2);
      for (const s of steps) s(w);
      return makePth(w.stop().bytes(), { '0': new Uint8Array(64) });
    });
    return { input: progs.reduce((a, b) => (b.length > a.length ? b : a)), reads: progs.map(pth) };
  },
  'fuzz: 3000 mutants of .safetensors': () => {
    const seeds = [fixtureBytes('tiny_net.safetensors'), fixtureBytes('extras.safetensors')];
    const files = fc
      .sample(fc.tuple(fc.nat(1), fc.array(mutation, { minLength: 1, maxLength: 4 })), { numRuns: 3000, seed: 3 })
      .map(([s, m]) => mutate(seeds[s]!, m));
    return { input: seeds[0]!, reads: files.map(st) };
  },
};

export const CASE_NAMES = [...Object.keys(CASES), ...Object.keys(FUZZ)];

function main(name: string): void {
  const make = CASES[name] ?? FUZZ[name];
  if (make === undefined) throw new Error(`hostile-io-case: unknown case ${JSON.stringify(name)}`);
  const { input, reads } = make();
  const rssBeforeMB = process.resourceUsage().maxRSS / 1024;
  let worstMs = 0;
  let outcome = '';
  const t0 = performance.now();
  for (const read of reads) {
    const t = performance.now();
    try {
      read();
      outcome ||= 'ok';
    } catch (e) {
      if (!(e instanceof Error) || e.constructor !== Error) throw e;
      outcome = e.message.length > 160 ? `${e.message.slice(0, 160)}…` : e.message;
    }
    worstMs = Math.max(worstMs, performance.now() - t);
  }
  const ms = performance.now() - t0;
  const rssPeakMB = process.resourceUsage().maxRSS / 1024;
  console.log(
    JSON.stringify({
      case: name,
      bytes: input.length,
      runs: reads.length,
      ms,
      worstMs,
      rssBeforeMB,
      rssPeakMB,
      outcome,
    }),
  );
}

// Run only as the entry script (the benchmark imports this module for CASE_NAMES).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href)
  main(process.argv[2] ?? '');
