/**
 * Validation of the options objects of the io readers, before anything is read.
 * @internal
 */
import { describeValue } from './describe';

/** The options object, or `{}` when omitted; anything but a plain object is an Error. @internal */
export function optionsObject<T extends object>(options: T | undefined, fn: string): Partial<T> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new Error(`${fn}: options must be an object, got ${describeValue(options, true)}.`);
  }
  return options;
}

/**
 * A numeric limit option: `fallback` when undefined, otherwise a number in `[min, max]` (an
 * integer unless `Infinity` is allowed and given).
 * @internal
 */
export function limitOption(
  value: unknown,
  name: string,
  fn: string,
  fallback: number,
  range: { min: number; max: number; integer: boolean },
): number {
  if (value === undefined) return fallback;
  const ok =
    typeof value === 'number' &&
    value >= range.min &&
    value <= range.max &&
    (!range.integer || Number.isInteger(value) || value === Infinity);
  if (!ok) {
    throw new Error(
      `${fn}: ${name} must be ${range.integer ? 'an integer' : 'a number'} from ${range.min} to ${range.max}, ` +
        `got ${typeof value === 'number' ? String(value) : describeValue(value, true)}.`,
    );
  }
  return value;
}
