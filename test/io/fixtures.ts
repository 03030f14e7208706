import { readFileSync } from 'node:fs';

/** Bytes of a file in test/fixtures/io. */
export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`../fixtures/io/${name}`, import.meta.url)));
}

/** A parsed JSON file in test/fixtures/io. */
export function fixtureJson<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/io/${name}`, import.meta.url), 'utf8')) as T;
}

/** extras.json: each tensor's torch dtype, shape and row-major values as strings. */
export type ExtrasFixture = Record<string, { dtype: string; shape: number[]; values: string[] }>;

/** Parses a Python repr of a float ('inf', '-inf', 'nan' included). */
export function parsePyFloat(s: string): number {
  if (s === 'inf') return Infinity;
  if (s === '-inf') return -Infinity;
  if (s === 'nan') return NaN;
  return Number(s);
}

/**
 * A fixture as Node's `readFileSync` returns it: a Buffer, here deliberately a view into the
 * middle of a larger pool so that any code treating `.buffer` as the file would fail.
 */
export function fixtureBuffer(name: string): Buffer {
  const file = readFileSync(new URL(`../fixtures/io/${name}`, import.meta.url));
  const pool = Buffer.alloc(file.length + 64, 0xab);
  file.copy(pool, 13);
  return pool.subarray(13, 13 + file.length);
}
