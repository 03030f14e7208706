/**
 * Checks shared by the hostile-input tests: what a "clear Error" is, and a canary that any code
 * execution from a file would trip.
 */
import { expect } from 'vitest';

/** Longest message a reader may produce for any file (the longest legitimate ones list 10 names). */
export const MAX_MESSAGE_CHARS = 2000;

/** Whether `e` is a clear Error of `owner`: a plain Error (not a TypeError or RangeError from deep inside), named, short. */
export function isClearError(e: unknown, owner: RegExp): boolean {
  return (
    e instanceof Error && e.constructor === Error && owner.test(e.message) && e.message.length <= MAX_MESSAGE_CHARS
  );
}

/** Runs `f`, expecting a clear Error of `owner` whose message matches `pattern`; returns the message. */
export function expectClearError(f: () => unknown, owner: string, pattern?: RegExp): string {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected an Error').toBeInstanceOf(Error);
  const e = caught as Error;
  expect(e.constructor, `not a plain Error: ${e.constructor.name}: ${e.message.slice(0, 300)}`).toBe(Error);
  expect(e.message.startsWith(`${owner}: `), e.message.slice(0, 300)).toBe(true);
  expect(e.message.length, e.message.slice(0, 300)).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
  if (pattern !== undefined) expect(e.message).toMatch(pattern);
  return e.message;
}

/** Installs a global function the canary pickles name; returns a check that it never ran. */
export function installCanary(): { calls: () => number; assertUntouched: () => void } {
  let calls = 0;
  const g = globalThis as unknown as Record<string, unknown>;
  g['tfjsSynthCanary'] = () => {
    calls++;
  };
  return {
    calls: () => calls,
    assertUntouched: () => {
      expect(calls, 'a pickle ran code').toBe(0);
      expect(Object.keys(Object.prototype), 'Object.prototype was polluted').toEqual([]);
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    },
  };
}
