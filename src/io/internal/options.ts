/**
 * The limit options of the io readers (`maxHeaderBytes`, `maxExpansion`), checked before anything
 * is read. The options object itself, booleans, strings and choices use `core/checks.ts` directly.
 * @internal
 */
import { checkError } from '../../core/checks';

/**
 * A numeric limit option: `fallback` when undefined, otherwise a number in `[min, max]` (an
 * integer unless `Infinity` is allowed and given). Throws core's message shape,
 * "`owner`: `arg` must be an integer (a number) from min to max, got ...". Not core's
 * checkInteger/checkNumber: `Infinity` is a valid limit here ("no limit").
 * @internal
 */
export function limitOption(
  owner: string,
  arg: string,
  value: unknown,
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
    throw checkError(
      owner,
      arg,
      `${range.integer ? 'an integer' : 'a number'} from ${range.min} to ${range.max}`,
      value,
    );
  }
  return value;
}
