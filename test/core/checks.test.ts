import { describe, expect, it } from 'vitest';
import {
  MAX_SEED,
  checkAbortSignal,
  checkBoolean,
  checkError,
  checkFunction,
  checkInteger,
  checkNonNegativeInteger,
  checkNumber,
  checkOneOf,
  checkOptions,
  checkPair,
  checkPositiveInteger,
  checkSafeIntegerSeed,
  checkSeed,
  describeValue,
} from '../../src/core/checks';

/** The one message shape: `owner: arg must be <requirement>, got <value>.` */
const SHAPE = /^[A-Za-z0-9.]+: [A-Za-z.[\]0-9]+ must be .+, got .+\.$/;

/** Runs `f`, expects it to throw, and returns the message (checked against the shared shape). */
function messageOf(f: () => unknown): string {
  let message: string | undefined;
  try {
    f();
  } catch (e) {
    message = (e as Error).message;
  }
  expect(message, 'expected a throw').toBeDefined();
  expect(message).toMatch(SHAPE);
  return message!;
}

describe('describeValue', () => {
  it('shows small primitives as JSON-ish text', () => {
    expect(describeValue(3)).toBe('3');
    expect(describeValue(2.5)).toBe('2.5');
    expect(describeValue('batch')).toBe('"batch"');
    expect(describeValue(true)).toBe('true');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(undefined)).toBe('undefined');
  });

  it('names the numbers JSON cannot', () => {
    expect(describeValue(Number.NaN)).toBe('NaN');
    expect(describeValue(Number.POSITIVE_INFINITY)).toBe('Infinity');
    expect(describeValue(Number.NEGATIVE_INFINITY)).toBe('-Infinity');
    expect(describeValue(-0)).toBe('-0');
    expect(describeValue(12n)).toBe('12n');
    expect(describeValue(10n ** 100n)).toBe('a bigint of 101 digits');
  });

  it('describes symbols, functions, arrays, typed arrays and objects by kind and size', () => {
    expect(describeValue(Symbol('s'))).toBe('a symbol');
    expect(describeValue(function named() {})).toBe('a function named');
    expect(describeValue(() => 1)).toBe('a function');
    // Up to four primitives are shown (never more, never nested); longer arrays by length only.
    expect(describeValue([1, 2, 3])).toBe('[1,2,3]');
    expect(describeValue([Number.NaN, null, 'ab', true])).toBe('[NaN,null,"ab",true]');
    expect(describeValue([1, 2, 3, 4, 5])).toBe('an array of length 5');
    expect(describeValue([[1], 2])).toBe('an array of length 2');
    expect(describeValue(['x'.repeat(1e6), 1])).toBe(`["${'x'.repeat(40)}"... (1000000 chars),1]`);
    expect(describeValue([undefined, 1])).toBe('an array of length 2');
    expect(describeValue(new Float32Array(4))).toBe('a Float32Array of length 4');
    expect(describeValue(new DataView(new ArrayBuffer(8)))).toBe('a DataView of 8 bytes');
    expect(describeValue(new ArrayBuffer(16))).toBe('an ArrayBuffer of 16 bytes');
    expect(describeValue({ a: 1 })).toBe('an object');
    expect(describeValue(Object.create(null))).toBe('an object');
    expect(describeValue(new Map())).toBe('an object Map');
    class Foo {}
    expect(describeValue(new Foo())).toBe('an object Foo');
  });

  it('stays O(1) in size for a 10 MB string and a 1e6-element array', () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    const s = describeValue(big);
    expect(s).toBe(`"${'x'.repeat(40)}"... (10485760 chars)`);
    expect(s.length).toBeLessThan(80);
    const arr = new Array<number>(1e6).fill(7);
    expect(describeValue(arr)).toBe('an array of length 1000000');
    const m = messageOf(() => checkInteger('f', 'n', big));
    expect(m.length).toBeLessThan(120);
    expect(messageOf(() => checkInteger('f', 'n', arr)).length).toBeLessThan(120);
    const longName = { [`k${'y'.repeat(1e5)}`]: 1 };
    expect(describeValue(longName)).toBe('an object');
  });

  it('never throws: throwing getters, Proxies, revoked Proxies, cycles', () => {
    const getter = Object.defineProperty({}, 'constructor', {
      get() {
        throw new Error('boom');
      },
    });
    expect(describeValue(getter)).toBe('an object');
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('get');
        },
        getPrototypeOf() {
          throw new Error('proto');
        },
        getOwnPropertyDescriptor() {
          throw new Error('desc');
        },
      },
    );
    expect(typeof describeValue(hostile)).toBe('string');
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(describeValue(proxy)).toBe('an object');
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;
    expect(describeValue(cyclic)).toBe('an object');
    const fnProxy = new Proxy(() => 0, {
      getOwnPropertyDescriptor() {
        throw new Error('desc');
      },
    });
    expect(describeValue(fnProxy)).toBe('an object');
  });
});

describe('checkError', () => {
  it('builds the shared message shape with the final period', () => {
    expect(checkError('Owner', 'arg', 'a thing', 5).message).toBe('Owner: arg must be a thing, got 5.');
  });
});

describe('checkInteger and friends', () => {
  it('accepts integers within the range and returns them', () => {
    expect(checkInteger('f', 'n', 0)).toBe(0);
    expect(checkInteger('f', 'n', 5, { min: 5 })).toBe(5);
    expect(checkInteger('f', 'n', -3, { max: -3 })).toBe(-3);
    expect(checkInteger('f', 'n', 7, { min: 0, max: 7 })).toBe(7);
    expect(checkPositiveInteger('f', 'n', 1)).toBe(1);
    expect(checkNonNegativeInteger('f', 'n', 0)).toBe(0);
  });

  it('rejects non-integers and out-of-range values, naming the rule', () => {
    expect(messageOf(() => checkInteger('resnetGenerator', 'ngf', 1.5, { min: 1 }))).toBe(
      'resnetGenerator: ngf must be an integer >= 1, got 1.5.',
    );
    expect(messageOf(() => checkInteger('f', 'n', 9, { max: 8 }))).toBe('f: n must be an integer <= 8, got 9.');
    expect(messageOf(() => checkInteger('f', 'n', -1, { min: 0, max: 8 }))).toBe(
      'f: n must be an integer in [0, 8], got -1.',
    );
    expect(messageOf(() => checkInteger('f', 'n', '3'))).toBe('f: n must be an integer, got "3".');
    expect(messageOf(() => checkInteger('f', 'n', Number.NaN))).toBe('f: n must be an integer, got NaN.');
    expect(messageOf(() => checkInteger('f', 'n', Number.POSITIVE_INFINITY))).toBe(
      'f: n must be an integer, got Infinity.',
    );
    expect(messageOf(() => checkPositiveInteger('f', 'n', 0))).toBe('f: n must be a positive integer, got 0.');
    expect(messageOf(() => checkPositiveInteger('f', 'n', null))).toBe('f: n must be a positive integer, got null.');
    expect(messageOf(() => checkNonNegativeInteger('f', 'n', -1))).toBe('f: n must be a non-negative integer, got -1.');
    expect(messageOf(() => checkNonNegativeInteger('f', 'n', 2n))).toBe('f: n must be a non-negative integer, got 2n.');
  });
});

describe('checkNumber', () => {
  it('accepts finite numbers within inclusive and exclusive bounds', () => {
    expect(checkNumber('f', 'x', -1e300)).toBe(-1e300);
    expect(checkNumber('f', 'x', 0, { min: 0 })).toBe(0);
    expect(checkNumber('f', 'x', 1, { min: 0, max: 1, minExclusive: true })).toBe(1);
    expect(checkNumber('f', 'x', 0.5, { max: 1, maxExclusive: true })).toBe(0.5);
  });

  it('rejects NaN, infinities, non-numbers and values past a bound', () => {
    expect(messageOf(() => checkNumber('f', 'x', Number.NaN))).toBe('f: x must be a finite number, got NaN.');
    expect(messageOf(() => checkNumber('f', 'x', Number.NEGATIVE_INFINITY))).toBe(
      'f: x must be a finite number, got -Infinity.',
    );
    expect(messageOf(() => checkNumber('f', 'x', '1'))).toBe('f: x must be a finite number, got "1".');
    expect(messageOf(() => checkNumber('Pix2PixTrainer', 'lr', 0, { min: 0, minExclusive: true }))).toBe(
      'Pix2PixTrainer: lr must be a finite number > 0, got 0.',
    );
    expect(messageOf(() => checkNumber('f', 'x', -0.1, { min: 0 }))).toBe(
      'f: x must be a finite number >= 0, got -0.1.',
    );
    expect(messageOf(() => checkNumber('f', 'x', 1, { max: 1, maxExclusive: true }))).toBe(
      'f: x must be a finite number < 1, got 1.',
    );
    expect(messageOf(() => checkNumber('f', 'x', 2, { max: 1 }))).toBe('f: x must be a finite number <= 1, got 2.');
    expect(messageOf(() => checkNumber('f', 'x', 0, { min: 0, max: 1, minExclusive: true }))).toBe(
      'f: x must be a finite number in (0, 1], got 0.',
    );
    expect(messageOf(() => checkNumber('f', 'x', 1, { min: 0, max: 1, maxExclusive: true }))).toBe(
      'f: x must be a finite number in [0, 1), got 1.',
    );
  });
});

describe('checkBoolean', () => {
  it('accepts booleans only', () => {
    expect(checkBoolean('f', 'b', false)).toBe(false);
    expect(messageOf(() => checkBoolean('InstanceNormalization', 'center', 'yes'))).toBe(
      'InstanceNormalization: center must be a boolean, got "yes".',
    );
    expect(messageOf(() => checkBoolean('f', 'b', 1))).toBe('f: b must be a boolean, got 1.');
  });
});

describe('checkOneOf', () => {
  it('accepts a listed choice and lists the choices when rejecting', () => {
    const norms = ['batch', 'instance', 'none'] as const;
    expect(checkOneOf('unetGenerator', 'norm', 'none', norms)).toBe('none');
    expect(messageOf(() => checkOneOf('unetGenerator', 'norm', 'group', norms))).toBe(
      `unetGenerator: norm must be one of 'batch', 'instance', 'none', got "group".`,
    );
    expect(messageOf(() => checkOneOf('f', 'k', 4, [1, 2, 3]))).toBe('f: k must be one of 1, 2, 3, got 4.');
    // No coercion: '1' is not 1.
    expect(() => checkOneOf('f', 'k', '1', [1, 2, 3])).toThrow(/got "1"\.$/);
  });
});

describe('checkOptions', () => {
  it('reads undefined as {} and passes objects through', () => {
    expect(checkOptions('f', 'options', undefined)).toEqual({});
    const o = { a: 1 };
    expect(checkOptions('f', 'options', o)).toBe(o);
  });

  it('rejects null, arrays, primitives and functions', () => {
    for (const [bad, got] of [
      [null, 'null'],
      [[1], '[1]'],
      [3, '3'],
      ['x', '"x"'],
      [() => 0, 'a function'],
    ] as const) {
      expect(messageOf(() => checkOptions('f', 'options', bad as unknown as object))).toBe(
        `f: options must be an options object or undefined, got ${got}.`,
      );
    }
  });
});

describe('checkFunction', () => {
  it('accepts functions and names the expected signature when rejecting', () => {
    const g = (x: number): number => x;
    expect(checkFunction('f', 'cb', g)).toBe(g);
    expect(messageOf(() => checkFunction('gradientPenalty', 'discriminator', 3, '(x) => Tensor'))).toBe(
      'gradientPenalty: discriminator must be a function (x) => Tensor, got 3.',
    );
    expect(messageOf(() => checkFunction('f', 'cb', {}))).toBe('f: cb must be a function, got an object.');
  });
});

describe('checkAbortSignal', () => {
  it('accepts undefined and AbortSignals', () => {
    expect(checkAbortSignal('f', 'signal', undefined)).toBeUndefined();
    const c = new AbortController();
    expect(checkAbortSignal('f', 'signal', c.signal)).toBe(c.signal);
    c.abort();
    expect(checkAbortSignal('f', 'signal', c.signal)).toBe(c.signal);
  });

  it('rejects null, plain objects and look-alikes without listeners', () => {
    expect(messageOf(() => checkAbortSignal('f', 'signal', null))).toBe(
      'f: signal must be an AbortSignal or undefined, got null.',
    );
    expect(messageOf(() => checkAbortSignal('f', 'signal', { aborted: false }))).toMatch(/got an object\.$/);
    expect(messageOf(() => checkAbortSignal('f', 'signal', true))).toMatch(/got true\.$/);
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(messageOf(() => checkAbortSignal('f', 'signal', proxy))).toMatch(/got an object\.$/);
  });
});

describe('seeds', () => {
  it('checkSeed: undefined or an integer in [0, 2^32 - 1]', () => {
    expect(MAX_SEED).toBe(2 ** 32 - 1);
    expect(checkSeed('f', 'seed', undefined)).toBeUndefined();
    expect(checkSeed('f', 'seed', 0)).toBe(0);
    expect(checkSeed('f', 'seed', MAX_SEED)).toBe(MAX_SEED);
    expect(messageOf(() => checkSeed('f', 'seed', -1))).toBe('f: seed must be an integer in [0, 4294967295], got -1.');
    expect(messageOf(() => checkSeed('f', 'seed', 2 ** 32))).toBe(
      'f: seed must be an integer in [0, 4294967295], got 4294967296.',
    );
    expect(messageOf(() => checkSeed('f', 'seed', 1.5))).toMatch(/got 1\.5\.$/);
    expect(messageOf(() => checkSeed('f', 'seed', null))).toMatch(/got null\.$/);
  });

  it('checkSafeIntegerSeed: undefined or any safe integer (the builders and SpectralNormalization)', () => {
    expect(checkSafeIntegerSeed('f', 'seed', undefined)).toBeUndefined();
    expect(checkSafeIntegerSeed('f', 'seed', -5)).toBe(-5);
    expect(checkSafeIntegerSeed('f', 'seed', 2 ** 40)).toBe(2 ** 40);
    expect(messageOf(() => checkSafeIntegerSeed('f', 'seed', 2 ** 53))).toBe(
      'f: seed must be an integer, got 9007199254740992.',
    );
    expect(messageOf(() => checkSafeIntegerSeed('f', 'seed', '3'))).toBe('f: seed must be an integer, got "3".');
    expect(messageOf(() => checkSafeIntegerSeed('f', 'seed', Number.NaN))).toBe('f: seed must be an integer, got NaN.');
  });
});

describe('checkPair', () => {
  it('turns a number into a pair and passes pairs through', () => {
    expect(checkPair('f', 'k', 3, 1)).toEqual([3, 3]);
    expect(checkPair('f', 'k', [2, 5], 1)).toEqual([2, 5]);
    expect(checkPair('f', 'p', [0, 0], 0)).toEqual([0, 0]);
    expect(checkPair('f', 'p', [4, 9], 4)).toEqual([4, 9]);
  });

  it('rejects wrong lengths, non-integers and values below min, with the rule in words', () => {
    expect(messageOf(() => checkPair('GatedConv2D', 'kernelSize', null, 1))).toBe(
      'GatedConv2D: kernelSize must be a positive integer or a pair of them, got null.',
    );
    expect(messageOf(() => checkPair('f', 'p', [-1, 0], 0))).toBe(
      'f: p must be a non-negative integer or a pair of them, got [-1,0].',
    );
    expect(messageOf(() => checkPair('f', 'p', [1, 2, 3], 0))).toMatch(/got \[1,2,3\]\.$/);
    expect(messageOf(() => checkPair('f', 'p', [1.5, 2], 1))).toMatch(/must be a positive integer or a pair of them/);
    expect(messageOf(() => checkPair('f', 'p', 3, 4))).toBe('f: p must be an integer >= 4 or a pair of them, got 3.');
    expect(messageOf(() => checkPair('f', 'p', ['1', 1], 0))).toMatch(/got \["1",1\]\.$/);
  });
});
