// Property tests: random option values (null, NaN, +-Infinity, huge, negative, fractional, wrong
// types, strings, objects) for every PatchMatch function give either a well-formed result or a
// clear Error: a plain Error (never a TypeError or RangeError) whose message starts with the
// function's name, names one of the options given (or states a data-dependent reason), ends
// with a period and stays short. A call that does not settle within WATCHDOG_MS fails: a hang
// detector, far above what any accepted call here needs. Failed calls leave the inputs and the
// engine as they were.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createParallelPatchMatch, createPatchMatch } from '../../src/patchmatch/index.js';
import type { Mask, Nnf, ParallelPatchMatch, PatchMatch, RgbaImage } from '../../src/patchmatch/index.js';
import { describePatchMatch, randomImage } from './helpers.js';

const WATCHDOG_MS = 20_000;

/** Values no option should choke on. */
const hostile = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.constantFrom<unknown>(
        null,
        undefined,
        NaN,
        Infinity,
        -Infinity,
        -0,
        0,
        1,
        2,
        3,
        5,
        7,
        9,
        -1,
        -7,
        0.5,
        7.5,
        2 ** 31,
        2 ** 32 - 1,
        2 ** 32,
        2 ** 40,
        2 ** 53,
        Number.MAX_SAFE_INTEGER,
        1e308,
        -1e308,
        Number.MIN_VALUE,
        true,
        false,
        '',
        '7',
        'wasm',
        'js',
        'x'.repeat(5000),
        [],
        [7],
        {},
        { valueOf: () => 7 },
        () => 7,
        Symbol('s'),
        7n,
        new Date(0),
        new Uint8Array(4),
      ),
    },
    { weight: 2, arbitrary: fc.integer({ min: -20, max: 40 }) },
    { weight: 1, arbitrary: fc.integer({ min: -(2 ** 33), max: 2 ** 33 }) },
    { weight: 1, arbitrary: fc.double() },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
    { weight: 1, arbitrary: fc.object({ maxDepth: 1, maxKeys: 3 }) },
  );

/**
 * Options over `keys`: each key absent or holding a good value, then up to three keys
 * (sometimes none) overwritten with hostile values.
 */
function optionsArb(keys: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  const names = Object.keys(keys);
  return fc
    .tuple(
      fc.record(keys, { requiredKeys: [] }),
      fc.subarray(names, { maxLength: Math.min(3, names.length) }),
      fc.array(hostile(), { minLength: 3, maxLength: 3 }),
    )
    .map(([good, bad, values]) => {
      const o: Record<string, unknown> = { ...good };
      bad.forEach((k, i) => (o[k] = values[i]));
      return o;
    });
}

const watchdog = <T>(what: string, promise: Promise<T>): Promise<T> =>
  Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`WATCHDOG: ${what} did not settle within ${WATCHDOG_MS} ms`)),
        WATCHDOG_MS,
      );
      void promise.finally(() => clearTimeout(timer)).catch(() => undefined);
    }),
  ]);

/** Reasons that come from the data, not from one option. */
const DATA_REASONS =
  /need about|need more than|touches (the mask|a masked pixel)|is larger than the|covers the whole image|aborted/;

/** Runs `call` and checks its outcome: a result passing `check`, or a clear Error naming `owner` and one of the options. */
async function outcome(
  owner: string,
  options: unknown,
  call: () => unknown,
  check: (result: never) => void,
): Promise<'ok' | 'error'> {
  let result: unknown;
  try {
    result = await watchdog(owner, Promise.resolve().then(call));
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('WATCHDOG')) throw err;
    expect(err).toBeInstanceOf(Error);
    const e = err as Error;
    if (e.name !== 'AbortError') expect(e.constructor).toBe(Error);
    expect(e.message.startsWith(`${owner}: `)).toBe(true);
    expect(e.message.endsWith('.')).toBe(true);
    expect(e.message.length).toBeLessThan(400);
    const keys = options !== null && typeof options === 'object' ? Object.keys(options) : [];
    const named = /options/.test(e.message) || keys.some((k) => e.message.includes(k)) || DATA_REASONS.test(e.message);
    if (!named) throw new Error(`${owner}: message names none of ${JSON.stringify(keys)}: ${e.message}`);
    return 'error';
  }
  check(result as never);
  return 'ok';
}

const image = (w: number, h: number, seed: number): RgbaImage => randomImage(w, h, seed);
const expectImage = (im: RgbaImage, w: number, h: number) => {
  expect(im.width).toBe(w);
  expect(im.height).toBe(h);
  expect(im.data.length).toBe(w * h * 4);
};

/** Options or their absence: undefined, null and other non-objects included. */
const optionsOrNot = (arb: fc.Arbitrary<Record<string, unknown>>) =>
  fc.oneof({ weight: 8, arbitrary: arb }, { weight: 1, arbitrary: hostile() });

/**
 * A safety net for calls that draw no signal: accepted counts here are small, so it never fires
 * on a working engine (the outcome would still be a clear AbortError).
 */
const soon = () => AbortSignal.timeout(10_000);
/** `options` with the safety-net signal added when it is an object that draws no signal of its own. */
const withSafetySignal = (options: unknown): unknown =>
  options !== null && typeof options === 'object' && !('signal' in options) ? { ...options, signal: soon() } : options;
/** A signal that never fires, or one that already has. */
const goodSignal = fc.constantFrom(0, 1).map((k) => (k === 0 ? new AbortController().signal : AbortSignal.abort()));
const goodMask = (w: number, h: number): Mask => {
  const data = new Uint8Array(w * h);
  for (let y = 2; y < 6; y++) data.fill(1, y * w + 3, y * w + 7);
  return { width: w, height: h, data };
};

/** Good values for the options inpaint and synthesizeTexture share. */
const synthesisKeys = {
  patchSize: fc.constantFrom(3, 5, 7),
  levels: fc.integer({ min: 1, max: 32 }),
  emIterations: fc.integer({ min: 1, max: 4 }),
  nnfIterations: fc.integer({ min: 1, max: 8 }),
  seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  onProgress: fc.constant(() => undefined),
  signal: goodSignal,
};

const RUNS = 40;

describePatchMatch('PatchMatch options fuzz', (pm, backend) => {
  const t = image(14, 12, 1);
  const s = image(16, 15, 2);
  const copies = () => [t.data.slice(), s.data.slice()];

  it('nnf: a field or a clear Error for any options', async () => {
    const before = copies();
    const reference = await pm().nnf(t, s, { seed: 3 });
    const counts = { ok: 0, error: 0 };
    await fc.assert(
      fc.asyncProperty(
        optionsOrNot(
          optionsArb({
            patchSize: fc.constantFrom(3, 5, 7, 9, 11),
            iterations: fc.integer({ min: 0, max: 20 }),
            seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
            targetMask: fc.constant(goodMask(14, 12)),
            sourceMask: fc.constant(goodMask(16, 15)),
            // A good initial field depends on patchSize: only its hostile values are drawn here.
            initial: fc.constant(undefined),
            onProgress: fc.constant(() => undefined),
            signal: goodSignal,
          }),
        ),
        async (options) => {
          const o = withSafetySignal(options);
          counts[
            await outcome(
              'PatchMatch.nnf',
              o,
              () => pm().nnf(t, s, o as never),
              (f: Nnf) => {
                expect(f.x.length).toBe(f.width * f.height);
                expect(f.width).toBe(14 - f.patchSize + 1);
              },
            )
          ]++;
        },
      ),
      { numRuns: RUNS, seed: 17 },
    );
    expect(counts.ok).toBeGreaterThan(0);
    expect(counts.error).toBeGreaterThan(0);
    expect(copies()).toEqual(before);
    // The engine computes the same field as before the fuzzing.
    expect(Array.from((await pm().nnf(t, s, { seed: 3 })).x)).toEqual(Array.from(reference.x));
  });

  it('vote: an image or a clear Error for any options', async () => {
    const field = await pm().nnf(t, s, { seed: 3, patchSize: 5 });
    await fc.assert(
      fc.asyncProperty(
        optionsOrNot(
          optionsArb({
            weights: fc.constant(Array.from(field.distance, (d) => 1 / (1 + d))),
            width: fc.constant(14),
            height: fc.constant(12),
          }),
        ),
        async (options) => {
          await outcome(
            'PatchMatch.vote',
            options,
            () => pm().vote(field, s, options as never),
            (im: RgbaImage) => expectImage(im, 14, 12),
          );
        },
      ),
      { numRuns: RUNS, seed: 18 },
    );
  });

  it('inpaint: an image or a clear Error for any options', async () => {
    const img = image(24, 20, 4);
    const mask = goodMask(24, 20);
    const before = [img.data.slice(), mask.data.slice()];
    const counts = { ok: 0, error: 0 };
    await fc.assert(
      fc.asyncProperty(
        optionsOrNot(
          optionsArb({
            ...synthesisKeys,
            gradientWeight: fc.constantFrom(0, 0.5, 2, 16),
            screening: fc.constantFrom(0.01, 0.1, 1, 100),
            gradientDomain: fc.boolean(),
          }),
        ),
        async (options) => {
          const o = withSafetySignal(options);
          counts[
            await outcome(
              'PatchMatch.inpaint',
              o,
              () => pm().inpaint(img, mask, o as never),
              (im: RgbaImage) => expectImage(im, 24, 20),
            )
          ]++;
        },
      ),
      { numRuns: RUNS, seed: 19 },
    );
    expect(counts.ok).toBeGreaterThan(0);
    expect(counts.error).toBeGreaterThan(0);
    expect([img.data, mask.data]).toEqual(before);
  });

  it('synthesizeTexture: an image or a clear Error for any options', async () => {
    const sample = image(20, 20, 5);
    const counts = { ok: 0, error: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          {
            weight: 8,
            arbitrary: fc
              .tuple(
                optionsArb({ ...synthesisKeys, start: fc.constantFrom('auto', 'quilt', 'tiles') }),
                fc.oneof(hostile(), fc.integer({ min: 7, max: 40 })),
                fc.oneof(hostile(), fc.integer({ min: 7, max: 40 })),
              )
              .map(([o, width, height]) => ({ ...o, width, height })),
          },
          { weight: 1, arbitrary: hostile() },
        ),
        async (options) => {
          const o = withSafetySignal(options);
          counts[
            await outcome(
              'PatchMatch.synthesizeTexture',
              o,
              () => pm().synthesizeTexture(sample, o as never),
              (im: RgbaImage) => {
                const { width, height } = o as { width: number; height: number };
                expectImage(im, width, height);
              },
            )
          ]++;
        },
      ),
      { numRuns: RUNS, seed: 20 },
    );
    expect(counts.ok).toBeGreaterThan(0);
    expect(counts.error).toBeGreaterThan(0);
  });

  it('nnf, vote, inpaint, synthesizeTexture: a clear Error for hostile images, masks and fields', async () => {
    const field = await pm().nnf(t, s, { seed: 3, patchSize: 5 });
    const mask = goodMask(14, 12);
    const arg = <T>(good: T) =>
      fc.oneof(
        hostile(),
        fc.constant(good),
        fc.constant({ ...(good as object), width: 2 ** 40 }),
        fc.constant({ ...(good as object), data: null }),
      );
    await fc.assert(
      fc.asyncProperty(arg(t), arg(s), arg(field), arg(mask), async (target, source, nnf, m) => {
        await outcome(
          'PatchMatch.nnf',
          { target, source },
          () => pm().nnf(target as never, source as never, { iterations: 1 }),
          () => undefined,
        );
        await outcome(
          'PatchMatch.vote',
          { nnf, source },
          () => pm().vote(nnf as never, source as never),
          () => undefined,
        );
        await outcome(
          'PatchMatch.inpaint',
          { image: target, mask: m },
          () => pm().inpaint(target as never, m as never, { emIterations: 1 }),
          () => undefined,
        );
        await outcome(
          'PatchMatch.synthesizeTexture',
          { sample: source },
          () => pm().synthesizeTexture(source as never, { width: 20, height: 20, emIterations: 1 }),
          () => undefined,
        );
      }),
      { numRuns: 30, seed: 24 },
    );
  });

  it('createPatchMatch: an engine or a clear Error for any options', async () => {
    await fc.assert(
      fc.asyncProperty(
        optionsOrNot(
          optionsArb({
            backend: fc.constant(backend),
            maxMemoryBytes: fc.integer({ min: 2 ** 20, max: 65535 * 65536 }),
          }),
        ),
        async (options) => {
          await outcome(
            'createPatchMatch',
            options,
            () => createPatchMatch(options as never),
            (engine: PatchMatch) => {
              expect(['wasm', 'js']).toContain(engine.backend);
            },
          );
        },
      ),
      { numRuns: RUNS, seed: 21 },
    );
  });
});

describe('createParallelPatchMatch options fuzz', () => {
  const started: ParallelPatchMatch[] = [];
  afterAll(async () => {
    await Promise.all(started.map((e) => e.terminate()));
  });

  it('an engine or a clear Error for any options, and the same for its nnf', async () => {
    await fc.assert(
      fc.asyncProperty(
        optionsOrNot(
          optionsArb({
            workers: fc.integer({ min: 1, max: 3 }),
            maxMemoryBytes: fc.integer({ min: 2 ** 20, max: 65535 * 65536 }),
          }),
        ),
        async (options) => {
          // Keep the thread count small: a valid random count may be up to 64.
          const workers =
            options !== null && typeof options === 'object' ? (options as { workers?: unknown }).workers : undefined;
          const o = typeof workers === 'number' && workers > 3 ? { ...(options as object), workers: 3 } : options;
          await outcome(
            'createParallelPatchMatch',
            o,
            () => createParallelPatchMatch(o as never),
            (engine: ParallelPatchMatch) => {
              started.push(engine);
              expect(engine.workers).toBeGreaterThanOrEqual(1);
            },
          );
        },
      ),
      { numRuns: 12, seed: 22 },
    );
    const ppm = await createParallelPatchMatch({ workers: 2 });
    started.push(ppm);
    const t = image(14, 12, 1);
    const s = image(16, 15, 2);
    await fc.assert(
      fc.asyncProperty(
        optionsOrNot(
          optionsArb({
            patchSize: fc.constantFrom(3, 5, 7),
            iterations: fc.integer({ min: 0, max: 20 }),
            seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
            onProgress: fc.constant(() => undefined),
            signal: goodSignal,
          }),
        ),
        async (options) => {
          const o = withSafetySignal(options);
          await outcome(
            'ParallelPatchMatch.nnf',
            o,
            () => ppm.nnf(t, s, o as never),
            (f: Nnf) => expect(f.x.length).toBe(f.width * f.height),
          );
        },
      ),
      { numRuns: 20, seed: 23 },
    );
  });
});
