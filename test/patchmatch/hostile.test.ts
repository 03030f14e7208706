// Regression tests for the hostile-input defects of PatchMatch (unbounded iterations, signals
// ignored inside a field, allocation before the size check, TypeErrors on null options and
// non-function callbacks, inconsistent limits and seeds, null patch sizes, Uint8ClampedArray
// masks), the input snapshots every call takes, and the sliced field runs behind the signal.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareFieldJob, snapshotFieldCall } from '../../src/patchmatch/field-call.js';
import { createParallelPatchMatch, createPatchMatch } from '../../src/patchmatch/index.js';
import type { Mask, Nnf, ParallelPatchMatch, PatchMatch } from '../../src/patchmatch/index.js';
import { jsKernel } from '../../src/patchmatch/js-kernel.js';
import type { Kernel } from '../../src/patchmatch/kernel.js';
import { runField, runFieldWhole } from '../../src/patchmatch/scheduler.js';
import { createWasmKernel } from '../../src/patchmatch/wasm-kernel.js';
import { coverRanges, describePatchMatch, randomImage } from './helpers.js';

function rectMask(w: number, h: number, x0: number, y0: number, x1: number, y1: number): Mask {
  const data = new Uint8Array(w * h);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data[y * w + x] = 1;
  return { width: w, height: h, data };
}

/** Resolves with the Error a call throws or rejects with (fails the test if it succeeds). */
async function failure(call: () => unknown): Promise<Error> {
  try {
    await call();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

/** A clear failure: a plain Error (no TypeError or RangeError) naming its owner, ending with a period. */
function expectClear(err: Error, owner: string, argument: RegExp | string): void {
  expect(err).toBeInstanceOf(Error);
  expect(err.constructor).toBe(Error);
  expect(err.message.startsWith(`${owner}: `)).toBe(true);
  expect(err.message.endsWith('.')).toBe(true);
  expect(err.message).toMatch(argument);
}

const fieldOf = (nnf: Nnf) => ({ x: Array.from(nnf.x), y: Array.from(nnf.y), d: Array.from(nnf.distance) });

describePatchMatch('PatchMatch hostile options (regressions)', (pm, backend) => {
  const t = randomImage(20, 18, 1);
  const s = randomImage(24, 22, 2);

  it('bounds iterations and every count option, naming the function and argument', async () => {
    expectClear(
      await failure(() => pm().nnf(t, s, { iterations: 1e9 })),
      'PatchMatch.nnf',
      /iterations must be at most 1000, got 1000000000/,
    );
    const hole = rectMask(20, 18, 8, 8, 12, 12);
    expectClear(
      await failure(() => pm().inpaint(t, hole, { nnfIterations: 1e9 })),
      'PatchMatch.inpaint',
      /nnfIterations must be at most 1000/,
    );
    expectClear(
      await failure(() => pm().inpaint(t, hole, { emIterations: 1e9 })),
      'PatchMatch.inpaint',
      /emIterations must be at most 100/,
    );
    expectClear(
      await failure(() => pm().inpaint(t, hole, { levels: 1e9 })),
      'PatchMatch.inpaint',
      /levels must be at most 32/,
    );
    const tex = { width: 30, height: 30 };
    expectClear(
      await failure(() => pm().synthesizeTexture(s, { ...tex, nnfIterations: 1001 })),
      'PatchMatch.synthesizeTexture',
      /nnfIterations must be at most 1000/,
    );
    expectClear(
      await failure(() => pm().synthesizeTexture(s, { ...tex, emIterations: 101 })),
      'PatchMatch.synthesizeTexture',
      /emIterations must be at most 100/,
    );
  });

  it('stops nnf with the most iterations on AbortSignal.timeout, inside the field', async () => {
    const big = randomImage(160, 160, 3);
    let passes = 0;
    const err = await failure(() =>
      pm().nnf(big, big, {
        iterations: 1000,
        signal: AbortSignal.timeout(50),
        onProgress: (p) => void (passes = p.iteration),
      }),
    );
    expect(err.name).toBe('AbortError');
    expect(err.message).toBe('PatchMatch.nnf: aborted.');
    expect(passes).toBeLessThan(1000);
  });

  it('stops inpaint with the most nnfIterations on AbortSignal.timeout (the signal reaches the field)', async () => {
    const image = randomImage(120, 120, 4);
    const mask = rectMask(120, 120, 40, 40, 80, 80);
    let steps = 0;
    const err = await failure(() =>
      pm().inpaint(image, mask, {
        levels: 1,
        nnfIterations: 1000,
        signal: AbortSignal.timeout(50),
        onProgress: () => void steps++,
      }),
    );
    expect(err.name).toBe('AbortError');
    expect(err.message).toBe('PatchMatch.inpaint: aborted.');
    // 1000 passes over the 46x46 field around the hole take seconds, far longer than the
    // signal's 50 ms: it fired inside the first field, before the first EM step ended.
    expect(steps).toBe(0);
  });

  it('rejects texture sizes beyond the memory limit before allocating, naming synthesizeTexture and the size', async () => {
    for (const side of [100000, 30000]) {
      const err = await failure(() => pm().synthesizeTexture(s, { width: side, height: side }));
      expectClear(
        err,
        'PatchMatch.synthesizeTexture',
        new RegExp(`width x height \\(${side}x${side}\\).*more than the configured limit`),
      );
    }
    // Larger than any number of bytes: still a clear Error.
    expectClear(
      await failure(() => pm().synthesizeTexture(s, { width: 1e300, height: 1e300 })),
      'PatchMatch.synthesizeTexture',
      /width must be at most/,
    );
    expectClear(
      await failure(() => pm().synthesizeTexture(s, { width: 2 ** 52, height: 2 ** 52 })),
      'PatchMatch.synthesizeTexture',
      /need more than 2\^53 bytes of working memory/,
    );
  });

  it('rejects options: null and non-objects in every function', async () => {
    const nnf = await pm().nnf(t, s, { patchSize: 5 });
    const hole = rectMask(20, 18, 8, 8, 12, 12);
    for (const bad of [null, 5, 'fast', [1]]) {
      const opts = bad as never;
      const calls: Array<[string, () => unknown]> = [
        ['createPatchMatch', () => createPatchMatch(opts)],
        ['PatchMatch.nnf', () => pm().nnf(t, s, opts)],
        ['PatchMatch.vote', () => pm().vote(nnf, s, opts)],
        ['PatchMatch.inpaint', () => pm().inpaint(t, hole, opts)],
      ];
      for (const [owner, call] of calls) {
        expectClear(await failure(call), owner, /options must be an object or undefined/);
      }
      expectClear(
        await failure(() => pm().synthesizeTexture(s, opts)),
        'PatchMatch.synthesizeTexture',
        /options \{ width, height \} are required/,
      );
    }
  });

  it("rejects a start other than 'auto', 'quilt' or 'tiles' before any work", async () => {
    const s = { width: 20, height: 20, data: new Uint8Array(20 * 20 * 4) };
    for (const start of [
      null,
      5,
      'random',
      'QUILT',
      'Auto',
      ['quilt'],
      { toString: () => 'quilt' },
      'x'.repeat(10000),
    ]) {
      let progressed = false;
      const err = await failure(() =>
        pm().synthesizeTexture(s, {
          width: 30,
          height: 30,
          start: start as never,
          onProgress: () => (progressed = true),
        }),
      );
      expectClear(err, 'PatchMatch.synthesizeTexture', /start must be 'auto', 'quilt' or 'tiles'/);
      expect(err.message.length).toBeLessThan(300);
      expect(progressed).toBe(false);
    }
  });

  it('rejects a non-function onProgress and a non-signal signal before any work', async () => {
    const hole = rectMask(20, 18, 8, 8, 12, 12);
    const cb = 5 as never;
    expectClear(
      await failure(() => pm().nnf(t, s, { onProgress: cb })),
      'PatchMatch.nnf',
      /onProgress must be a function or undefined, got 5/,
    );
    expectClear(
      await failure(() => pm().inpaint(t, hole, { onProgress: cb })),
      'PatchMatch.inpaint',
      /onProgress must be a function or undefined, got 5/,
    );
    expectClear(
      await failure(() => pm().synthesizeTexture(s, { width: 30, height: 30, onProgress: cb })),
      'PatchMatch.synthesizeTexture',
      /onProgress must be a function/,
    );
    expectClear(
      await failure(() => pm().nnf(t, s, { signal: {} as never })),
      'PatchMatch.nnf',
      /signal must be an AbortSignal or undefined, got an object/,
    );
  });

  it('applies one seed rule everywhere: integers 0..2^32 - 1, never wrapped', async () => {
    const hole = rectMask(20, 18, 8, 8, 12, 12);
    for (const seed of [2 ** 40, 2 ** 32, -1, 0.5, NaN]) {
      const rule = /seed must be an integer from 0 to 2\^32 - 1/;
      expectClear(await failure(() => pm().nnf(t, s, { seed })), 'PatchMatch.nnf', rule);
      expectClear(await failure(() => pm().inpaint(t, hole, { seed })), 'PatchMatch.inpaint', rule);
      expectClear(
        await failure(() => pm().synthesizeTexture(s, { width: 30, height: 30, seed })),
        'PatchMatch.synthesizeTexture',
        rule,
      );
    }
    // Both ends of the range work.
    await pm().nnf(t, s, { seed: 0, iterations: 1 });
    await pm().nnf(t, s, { seed: 2 ** 32 - 1, iterations: 1 });
  });

  it('rejects patchSize: null instead of taking it for 7', async () => {
    const hole = rectMask(20, 18, 8, 8, 12, 12);
    const p = null as never;
    expectClear(
      await failure(() => pm().nnf(t, s, { patchSize: p })),
      'PatchMatch.nnf',
      /patchSize must be an odd integer >= 3, got null/,
    );
    expectClear(
      await failure(() => pm().inpaint(t, hole, { patchSize: p })),
      'PatchMatch.inpaint',
      /patchSize must be an odd integer >= 3, got null/,
    );
    expectClear(
      await failure(() => pm().synthesizeTexture(s, { width: 30, height: 30, patchSize: p })),
      'PatchMatch.synthesizeTexture',
      /got null/,
    );
    expectClear(
      await failure(() => pm().nnf(t, s, { iterations: null as never })),
      'PatchMatch.nnf',
      /iterations must be an integer >= 0, got null/,
    );
  });

  it('accepts Uint8ClampedArray masks, with the same result as Uint8Array masks', async () => {
    const hole = rectMask(20, 18, 6, 6, 12, 11);
    const clamped: Mask = { ...hole, data: new Uint8ClampedArray(hole.data) };
    expect((await pm().inpaint(t, clamped, { patchSize: 3, seed: 3 })).data).toEqual(
      (await pm().inpaint(t, hole, { patchSize: 3, seed: 3 })).data,
    );
    const sm = rectMask(24, 22, 0, 0, 5, 5);
    const a = await pm().nnf(t, s, {
      sourceMask: { ...sm, data: new Uint8ClampedArray(sm.data) },
      targetMask: clamped,
    });
    const b = await pm().nnf(t, s, { sourceMask: sm, targetMask: hole });
    expect(fieldOf(a)).toEqual(fieldOf(b));
  });

  it('changes nothing when a call fails: inputs untouched, the engine gives the same fields after', async () => {
    const before = fieldOf(await pm().nnf(t, s, { seed: 11 }));
    const tCopy = t.data.slice();
    const hole = rectMask(20, 18, 8, 8, 12, 12);
    const holeCopy = hole.data.slice();
    await failure(() => pm().nnf(t, s, { iterations: 1e9 }));
    await failure(() => pm().nnf(t, s, { signal: AbortSignal.abort() }));
    await failure(() => pm().inpaint(t, hole, { nnfIterations: 1000, signal: AbortSignal.timeout(20) }));
    await failure(() =>
      pm().nnf(t, s, {
        iterations: 50,
        onProgress: () => {
          throw new Error('from the callback');
        },
      }),
    );
    expect(t.data).toEqual(tCopy);
    expect(hole.data).toEqual(holeCopy);
    expect(fieldOf(await pm().nnf(t, s, { seed: 11 }))).toEqual(before);
    const fresh = await createPatchMatch({ backend });
    expect(fieldOf(await fresh.nnf(t, s, { seed: 11 }))).toEqual(before);
  });

  it('runs concurrent nnf calls one after another with the results of separate calls', async () => {
    const [a, b] = await Promise.all([pm().nnf(t, s, { seed: 1 }), pm().nnf(s, t, { seed: 2, patchSize: 5 })]);
    expect(fieldOf(a)).toEqual(fieldOf(await pm().nnf(t, s, { seed: 1 })));
    expect(fieldOf(b)).toEqual(fieldOf(await pm().nnf(s, t, { seed: 2, patchSize: 5 })));
  });
});

describe('createPatchMatch and createParallelPatchMatch limits', () => {
  it('createParallelPatchMatch has the limits of createPatchMatch', async () => {
    for (const create of [createPatchMatch, createParallelPatchMatch] as const) {
      const owner = create.name;
      expectClear(
        await failure(() => create({ maxMemoryBytes: 2 ** 33 })),
        owner,
        /maxMemoryBytes must be at most 4294901760/,
      );
      expectClear(
        await failure(() => create({ maxMemoryBytes: 100 })),
        owner,
        /maxMemoryBytes must be an integer >= 1048576, got 100/,
      );
      expectClear(
        await failure(() => create({ maxMemoryBytes: null as never })),
        owner,
        /maxMemoryBytes must be an integer >= 1048576, got null/,
      );
      expectClear(
        await failure(() => create(null as never)),
        owner,
        /options must be an object or undefined, got null/,
      );
    }
    expectClear(
      await failure(() => createParallelPatchMatch({ workers: 65 })),
      'createParallelPatchMatch',
      /workers must be at most 64, got 65/,
    );
    expectClear(
      await failure(() => createParallelPatchMatch({ workers: null as never })),
      'createParallelPatchMatch',
      /workers must be an integer >= 1, got null/,
    );
  });
});

describePatchMatch('PatchMatch input snapshots', (pm, backend) => {
  const t = randomImage(30, 26, 5);
  const s = randomImage(34, 30, 6);
  const scramble = (a: Uint8Array | Uint8ClampedArray | Int32Array) => {
    for (let i = 0; i < a.length; i++) a[i] = (a[i]! * 7 + 13) & 0x7f;
  };

  it('nnf: changing the images, masks and initial field after the call changes nothing', async () => {
    const sm = rectMask(34, 30, 3, 3, 9, 9);
    const tm = rectMask(30, 26, 10, 10, 20, 20);
    const init = await pm().nnf(t, s, { seed: 4 });
    const options = () => ({ seed: 9, iterations: 3, sourceMask: sm, targetMask: tm, initial: init });
    const expected = fieldOf(await (await createPatchMatch({ backend })).nnf(t, s, options()));
    const [t2, s2] = [structuredClone(t), structuredClone(s)];
    const [sm2, tm2, init2] = [structuredClone(sm), structuredClone(tm), structuredClone(init)];
    const o = { seed: 9, iterations: 3, sourceMask: sm2, targetMask: tm2, initial: init2 };
    const running = pm().nnf(t2, s2, o);
    for (const a of [t2.data, s2.data, sm2.data, tm2.data, init2.x, init2.y]) scramble(a);
    expect(fieldOf(await running)).toEqual(expected);
  });

  it('nnf: changing the images in onProgress changes nothing', async () => {
    const expected = fieldOf(await pm().nnf(t, s, { seed: 3, iterations: 4 }));
    const [t2, s2] = [structuredClone(t), structuredClone(s)];
    const got = await pm().nnf(t2, s2, {
      seed: 3,
      iterations: 4,
      onProgress: () => {
        scramble(t2.data);
        scramble(s2.data);
      },
    });
    expect(fieldOf(got)).toEqual(expected);
  });

  it('inpaint: changing the image and mask during the call (in onProgress and right after it) changes nothing', async () => {
    const mask = rectMask(30, 26, 10, 8, 18, 16);
    const expected = await pm().inpaint(t, mask, { patchSize: 5, seed: 2 });
    for (const when of ['after', 'progress'] as const) {
      const [t2, m2] = [structuredClone(t), structuredClone(mask)];
      const mutate = () => {
        scramble(t2.data);
        m2.data.fill(1);
      };
      const running = pm().inpaint(t2, m2, {
        patchSize: 5,
        seed: 2,
        ...(when === 'progress' ? { onProgress: mutate } : {}),
      });
      if (when === 'after') mutate();
      expect((await running).data).toEqual(expected.data);
    }
  });

  it('synthesizeTexture: changing the sample after the call changes nothing', async () => {
    const sample = randomImage(20, 20, 8);
    const expected = await pm().synthesizeTexture(sample, {
      width: 28,
      height: 24,
      patchSize: 5,
      emIterations: 2,
      seed: 5,
    });
    const s2 = structuredClone(sample);
    const running = pm().synthesizeTexture(s2, {
      width: 28,
      height: 24,
      patchSize: 5,
      emIterations: 2,
      seed: 5,
      onProgress: () => scramble(s2.data),
    });
    scramble(s2.data);
    expect((await running).data).toEqual(expected.data);
  });
});

describe('ParallelPatchMatch input snapshots and signal', () => {
  let ppm: ParallelPatchMatch;
  let pm: PatchMatch;
  beforeAll(async () => {
    [ppm, pm] = await Promise.all([createParallelPatchMatch({ workers: 1 }), createPatchMatch({ backend: 'wasm' })]);
  });
  afterAll(async () => {
    await ppm?.terminate();
  });

  it('copies the inputs at the call, and stops between passes when the signal fires', async () => {
    const t = randomImage(30, 26, 5);
    const s = randomImage(34, 30, 6);
    const expected = fieldOf(await pm.nnf(t, s, { seed: 6, iterations: 3 }));
    const [t2, s2] = [structuredClone(t), structuredClone(s)];
    const running = ppm.nnf(t2, s2, { seed: 6, iterations: 3 });
    t2.data.fill(0);
    s2.data.fill(255);
    expect(fieldOf(await running)).toEqual(expected);
    const controller = new AbortController();
    const err = await failure(() =>
      ppm.nnf(t, s, {
        iterations: 1000,
        signal: controller.signal,
        onProgress: (p) => p.iteration === 2 && controller.abort(),
      }),
    );
    expect(err.name).toBe('AbortError');
    expect(err.message).toBe('ParallelPatchMatch.nnf: aborted.');
    // The engine is in step for the next call.
    expect(fieldOf(await ppm.nnf(t, s, { seed: 6, iterations: 3 }))).toEqual(expected);
    expectClear(
      await failure(() => ppm.nnf(t, s, { onProgress: 'x' as never })),
      'ParallelPatchMatch.nnf',
      /onProgress must be a function/,
    );
  });
});

describe('sliced field runs', () => {
  let kernels: Kernel[];
  beforeAll(async () => {
    kernels = [await createWasmKernel(), jsKernel];
  });

  it('give exactly the field of whole passes, however the passes are split (both kernels)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 5, max: 30 }),
        fc.integer({ min: 5, max: 24 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 8 }),
        async (w, h, seed, cuts) => {
          const t = randomImage(w, h, seed | 1);
          const s = randomImage(h + 3, w + 2, (seed >>> 1) | 1);
          const { job } = prepareFieldJob('test', t, s, { patchSize: 5, iterations: 3, seed }, 2 ** 30);
          const n = (w - 4) * (h - 4);
          for (const kernel of kernels) {
            const whole = runFieldWhole(kernel, job);
            const run = kernel.startField(job);
            try {
              // Ranges of the given lengths, cycled: ascending, and descending for reverse passes.
              const cover = (reverse: boolean, work: (a: number, b: number) => void) =>
                coverRanges(n, cuts, reverse, work);
              cover(false, (a, b) => run.initialise(a, b));
              for (let it = 0; it < 3; it++) cover((it & 1) === 1, (a, b) => run.iterate((it & 1) === 1, a, b));
              const sliced = run.result();
              expect(Array.from(sliced.x)).toEqual(Array.from(whole.x));
              expect(Array.from(sliced.y)).toEqual(Array.from(whole.y));
              expect(Array.from(sliced.distance)).toEqual(Array.from(whole.distance));
            } finally {
              run.release();
            }
          }
        },
      ),
      { numRuns: 25, seed: 5 },
    );
  });

  it('check the signal after every range of a pass, not only between passes', async () => {
    const t = randomImage(60, 60, 1);
    const controller = new AbortController();
    let ranges = 0;
    const hooks: number[] = [];
    // Every range takes 5 ms, so ranges stay small (at most the first range's 256 entries) and a pass has many.
    const wait = () => {
      const until = performance.now() + 5;
      while (performance.now() < until);
    };
    const slow: Kernel = {
      ...jsKernel,
      startField: (j) => {
        const run = jsKernel.startField(j);
        return {
          ...run,
          initialise: (a, b) => {
            wait();
            run.initialise(a, b);
          },
          iterate: (reverse, a, b) => {
            wait();
            run.iterate(reverse, a, b);
            if (++ranges === 3) controller.abort();
          },
        };
      },
    };
    const call = snapshotFieldCall(
      'test',
      t,
      t,
      {
        patchSize: 3,
        iterations: 4,
        seed: 1,
        signal: controller.signal,
        onProgress: (p) => void hooks.push(p.iteration),
      },
      2 ** 30,
    );
    const err = await failure(() => runField(slow, call));
    expect(err.name).toBe('AbortError');
    expect(ranges).toBe(3);
    expect(hooks).toEqual([0]);
  });
});
