/**
 * Integer command-line options shared by the example programs: each option is parsed with
 * `Number` and must be an integer at or above its minimum.
 *
 * @example
 * ```ts
 * import { readIntegers } from './cli-args';
 * const ints = readIntegers('my-example', { steps: '200', seed: '1' }, { steps: 1, seed: 0 });
 * if (ints === null) process.exitCode = 1; // the message is already printed
 * else console.log(ints.steps + 1); // 201
 * ```
 */
export function readIntegers<K extends string>(
  program: string,
  values: Readonly<Record<string, unknown>>,
  minimums: Record<K, number>,
): Record<K, number> | null {
  const out = {} as Record<K, number>;
  for (const key of Object.keys(minimums) as K[]) {
    const min = minimums[key];
    const v = Number(values[key]);
    if (!Number.isInteger(v) || v < min) {
      const what = min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : `an integer >= ${min}`;
      console.error(`${program}: --${key} must be ${what}, got ${JSON.stringify(values[key])}.`);
      return null;
    }
    out[key] = v;
  }
  return out;
}
