/**
 * The library's argument checks, in one place. Every check throws a plain `Error` of one shape:
 *
 * `${owner}: ${arg} must be <requirement>, got <value>.`
 *
 * where `owner` names the public function or class ("resnetGenerator", "GatedConv2D",
 * "Pix2PixTrainer.step"), `arg` the argument or option, and `<value>` is {@link describeValue}'s
 * bounded description of what was passed: a caller's value never sizes an error message, and
 * describing it never throws.
 *
 * This file imports nothing (test/import-graph.test.ts), so every folder may use it.
 *
 * @example
 * ```ts
 * import { checkInteger, checkOneOf } from './checks';
 * checkInteger('resnetGenerator', 'ngf', 64, { min: 1 }); // 64
 * checkOneOf('unetGenerator', 'norm', 'batch', ['batch', 'instance', 'none'] as const); // 'batch'
 * // checkInteger('resnetGenerator', 'ngf', 1.5, { min: 1 }) throws
 * // "resnetGenerator: ngf must be an integer >= 1, got 1.5."
 * ```
 * @internal
 */

/** Longest string shown whole by {@link describeValue}; longer ones are cut to this many characters. */
const MAX_STRING_CHARS = 40;

/** The largest seed of the 32-bit generators (2^32 - 1). */
export const MAX_SEED = 4294967295;

function describeString(s: string): string {
  if (s.length <= MAX_STRING_CHARS) return JSON.stringify(s);
  return `${JSON.stringify(s.slice(0, MAX_STRING_CHARS))}... (${s.length} chars)`;
}

function describeNumber(n: number): string {
  if (Object.is(n, -0)) return '-0';
  // NaN, Infinity and -Infinity print as themselves (JSON.stringify would say null).
  return String(n);
}

/** The name of an object's class, read without running user code where possible. */
function className(value: object): string {
  try {
    const tag = Object.prototype.toString.call(value).slice(8, -1);
    if (tag !== 'Object') return tag;
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto === null) return 'Object';
    const ctor = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value as unknown;
    const name = typeof ctor === 'function' ? Object.getOwnPropertyDescriptor(ctor, 'name')?.value : undefined;
    return typeof name === 'string' && name.length > 0 ? describeName(name) : 'Object';
  } catch {
    // A revoked Proxy throws on every inspection.
    return 'object';
  }
}

/** A class or function name, cut like a string but without quotes. */
function describeName(name: string): string {
  return name.length <= MAX_STRING_CHARS ? name : `${name.slice(0, MAX_STRING_CHARS)}...`;
}

/** Most elements an array may have to be shown by content. */
const MAX_SHOWN_ELEMENTS = 4;

/**
 * `[1,2]` (compact, as JSON.stringify wrote these messages before) for up to four own primitive
 * elements, each described; else `an array of length n`.
 */
function describeArray(a: readonly unknown[]): string {
  const n = a.length;
  if (n <= MAX_SHOWN_ELEMENTS) {
    const parts: string[] = [];
    for (let i = 0; i < n; i++) {
      // Own data properties only: no getters run, holes and nested objects are not shown.
      const d = Object.getOwnPropertyDescriptor(a, i);
      const v: unknown = d && 'value' in d ? d.value : undefined;
      if (!d || !('value' in d) || (v !== null && (typeof v === 'object' || typeof v === 'function'))) break;
      parts.push(describeValue(v));
    }
    if (parts.length === n) return `[${parts.join(',')}]`;
  }
  return `an array of length ${n}`;
}

/**
 * A short, bounded description of any value for an error message. Small primitives read as
 * JSON (`3`, `"batch"`, `true`, `null`), plus `undefined`, `NaN`, `Infinity`, `-0`, `12n`;
 * strings longer than 40 characters are cut (`"aaaa..."... (10485760 chars)`); an array of at
 * most four primitives is shown (`[3,3]`); other arrays, typed arrays and objects are
 * described by class and size (`an array of length 1000000`,
 * `a Float32Array of length 4`, `an object Foo`), never by content. The result is at most about
 * about 300 characters whatever the value, and describing never throws (getters, Proxies and cycles
 * are not walked).
 *
 * @example
 * ```ts
 * import { describeValue } from './checks';
 * describeValue(Number.NaN); // 'NaN'
 * describeValue('x'.repeat(1e7)); // '"xxxx..."... (10000000 chars)'
 * describeValue(new Array(1e6)); // 'an array of length 1000000'
 * ```
 */
export function describeValue(value: unknown): string {
  try {
    switch (typeof value) {
      case 'undefined':
        return 'undefined';
      case 'boolean':
        return String(value);
      case 'number':
        return describeNumber(value);
      case 'bigint':
        // A bigint's digits grow with it; show the short ones only.
        if (value.toString().length <= MAX_STRING_CHARS) return `${value.toString()}n`;
        return `a bigint of ${value.toString().length} digits`;
      case 'string':
        return describeString(value);
      case 'symbol':
        return 'a symbol';
      case 'function': {
        const name = Object.getOwnPropertyDescriptor(value, 'name')?.value as unknown;
        return typeof name === 'string' && name.length > 0 ? `a function ${describeName(name)}` : 'a function';
      }
      default:
        break;
    }
    if (value === null) return 'null';
    const obj = value as object;
    if (Array.isArray(obj)) return describeArray(obj);
    if (ArrayBuffer.isView(obj)) {
      const len = (obj as { length?: unknown }).length;
      const kind = className(obj);
      return typeof len === 'number' ? `a ${kind} of length ${len}` : `a ${kind} of ${obj.byteLength} bytes`;
    }
    if (obj instanceof ArrayBuffer) return `an ArrayBuffer of ${obj.byteLength} bytes`;
    const kind = className(obj);
    return kind === 'Object' ? 'an object' : `an object ${kind}`;
  } catch {
    // A Proxy may throw from any trap (isArray on a revoked one, getPrototypeOf, ...).
    return 'an object';
  }
}

/**
 * The Error every check throws: `${owner}: ${arg} must be ${requirement}, got ${value}.`, with
 * the value described by {@link describeValue}. Use it for checks this module does not have.
 *
 * @example
 * ```ts
 * import { checkError } from './checks';
 * const kernelSize = 4;
 * const error = kernelSize % 2 === 1 ? null : checkError('ContextualAttention', 'kernelSize', 'a positive odd integer', kernelSize);
 * console.log(error?.message); // ContextualAttention: kernelSize must be a positive odd integer, got 4.
 * ```
 */
export function checkError(owner: string, arg: string, requirement: string, value: unknown): Error {
  return new Error(`${owner}: ${arg} must be ${requirement}, got ${describeValue(value)}.`);
}

/** Bounds of {@link checkInteger}, both inclusive. */
export interface IntegerRange {
  min?: number;
  max?: number;
}

function rangeText(noun: string, min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `${noun} in [${min}, ${max}]`;
  if (min !== undefined) return `${noun} >= ${min}`;
  if (max !== undefined) return `${noun} <= ${max}`;
  return noun;
}

function isIntegerIn(value: unknown, min: number | undefined, max: number | undefined): value is number {
  return (
    typeof value === 'number' &&
    Number.isInteger(value) &&
    (min === undefined || value >= min) &&
    (max === undefined || value <= max)
  );
}

/**
 * Returns `value` if it is an integer within `range` (both ends inclusive), else throws
 * "`owner`: `arg` must be an integer >= min (or <= max, or in [min, max]), got ...".
 */
export function checkInteger(owner: string, arg: string, value: unknown, range: IntegerRange = {}): number {
  if (!isIntegerIn(value, range.min, range.max)) {
    throw checkError(owner, arg, rangeText('an integer', range.min, range.max), value);
  }
  return value;
}

/** Returns `value` if it is an integer >= 1, else throws "... must be a positive integer, got ...". */
export function checkPositiveInteger(owner: string, arg: string, value: unknown): number {
  if (!isIntegerIn(value, 1, undefined)) throw checkError(owner, arg, 'a positive integer', value);
  return value;
}

/** Returns `value` if it is an integer >= 0, else throws "... must be a non-negative integer, got ...". */
export function checkNonNegativeInteger(owner: string, arg: string, value: unknown): number {
  if (!isIntegerIn(value, 0, undefined)) throw checkError(owner, arg, 'a non-negative integer', value);
  return value;
}

/** Bounds of {@link checkNumber}; inclusive unless the matching `...Exclusive` flag is set. */
export interface NumberRange {
  min?: number;
  max?: number;
  minExclusive?: boolean;
  maxExclusive?: boolean;
}

function numberText(r: NumberRange): string {
  const { min, max } = r;
  if (min !== undefined && max !== undefined) {
    return `a finite number in ${r.minExclusive ? '(' : '['}${min}, ${max}${r.maxExclusive ? ')' : ']'}`;
  }
  if (min !== undefined) return `a finite number ${r.minExclusive ? '>' : '>='} ${min}`;
  if (max !== undefined) return `a finite number ${r.maxExclusive ? '<' : '<='} ${max}`;
  return 'a finite number';
}

/**
 * Returns `value` if it is a finite number within `range`, else throws
 * "... must be a finite number > 0 (or >= min, <= max, in [min, max], in (min, max], ...), got ...".
 */
export function checkNumber(owner: string, arg: string, value: unknown, range: NumberRange = {}): number {
  const { min, max } = range;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (min === undefined || (range.minExclusive ? value > min : value >= min)) &&
    (max === undefined || (range.maxExclusive ? value < max : value <= max));
  if (!ok) throw checkError(owner, arg, numberText(range), value);
  return value as number;
}

/** Returns `value` if it is a boolean, else throws "... must be a boolean, got ...". */
export function checkBoolean(owner: string, arg: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw checkError(owner, arg, 'a boolean', value);
  return value;
}

/** How {@link checkOneOf} lists the valid choices: `'a', 'b', 'c'` (or the numbers as they are). */
export function listChoices(valid: readonly (string | number | boolean | null)[]): string {
  return valid.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(', ');
}

/** Returns `value` if it is one of `valid`, else throws "... must be one of 'a', 'b', got ...". */
export function checkOneOf<T extends string | number | boolean | null>(
  owner: string,
  arg: string,
  value: unknown,
  valid: readonly T[],
): T {
  if (!(valid as readonly unknown[]).includes(value)) {
    throw checkError(owner, arg, `one of ${listChoices(valid)}`, value);
  }
  return value as T;
}

/**
 * The options object of a public function: `undefined` reads as `{}`; anything but a plain
 * object (null, an array, a number, a function, ...) throws
 * "... must be an options object or undefined, got ...".
 */
export function checkOptions<T extends object>(owner: string, arg: string, value: T | undefined): T {
  if (value === undefined) return {} as T;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw checkError(owner, arg, 'an options object or undefined', value);
  }
  return value;
}

/** Returns `value` if it is a function, else throws "... must be a function[ signature], got ...". */
export function checkFunction<F extends (...args: never[]) => unknown>(
  owner: string,
  arg: string,
  value: unknown,
  signature = '',
): F {
  if (typeof value !== 'function') {
    throw checkError(owner, arg, signature ? `a function ${signature}` : 'a function', value);
  }
  return value as F;
}

/** The part of an AbortSignal the library uses (structural, so any realm's signal passes). */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * Returns `value` if it is undefined or an AbortSignal, else throws
 * "... must be an AbortSignal or undefined, got ...".
 */
export function checkAbortSignal(owner: string, arg: string, value: unknown): AbortSignalLike | undefined {
  if (value === undefined) return undefined;
  let ok = false;
  try {
    const s = value as Partial<AbortSignalLike> | null;
    ok =
      s !== null &&
      typeof s === 'object' &&
      typeof s.aborted === 'boolean' &&
      typeof s.addEventListener === 'function' &&
      typeof s.removeEventListener === 'function';
  } catch {
    ok = false;
  }
  if (!ok) throw checkError(owner, arg, 'an AbortSignal or undefined', value);
  return value as AbortSignalLike;
}

/**
 * The library's seed rule: `undefined` (unseeded) or an integer in [0, 2^32 - 1], the state
 * space of the 32-bit generators, so that two different seeds never give the same stream.
 * Throws "... must be an integer in [0, 4294967295], got ...". New code uses this rule.
 */
export function checkSeed(owner: string, arg: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  return checkInteger(owner, arg, value, { min: 0, max: MAX_SEED });
}

/**
 * The older, wider seed rule of the network builders and SpectralNormalization, kept as it is
 * documented: `undefined` or any safe integer (negative ones too), which the generator then takes
 * modulo 2^32. Throws "... must be an integer, got ...".
 */
export function checkSafeIntegerSeed(owner: string, arg: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw checkError(owner, arg, 'an integer', value);
  return value;
}

function pairText(min: number): string {
  if (min === 1) return 'a positive integer';
  if (min === 0) return 'a non-negative integer';
  return `an integer >= ${min}`;
}

/**
 * An integer >= `min`, or a pair `[a, b]` of them, as `[a, b]` (a single number is used for
 * both). Throws "... must be a positive integer (a non-negative integer, an integer >= min) or a
 * pair of them, got ...".
 */
export function checkPair(owner: string, arg: string, value: unknown, min: number): [number, number] {
  let p: unknown[] = [];
  if (typeof value === 'number') p = [value, value];
  else if (Array.isArray(value) && value.length === 2) p = [value[0], value[1]];
  if (p.length !== 2 || !p.every((n) => isIntegerIn(n, min, undefined))) {
    throw checkError(owner, arg, `${pairText(min)} or a pair of them`, value);
  }
  return [p[0] as number, p[1] as number];
}
