/**
 * Short, bounded descriptions of file-controlled values for Error messages. A checkpoint decides
 * the size of its strings, lists and integers, so a message never embeds one whole: strings and
 * names are cut to {@link MAX_QUOTED} characters, containers are described by type and length
 * (never walked), and long lists of names are cut to {@link MAX_LISTED} items.
 * @internal
 */
import { JsonFloat } from './json';
import { PickledTensor, PyGlobal, PyOpaque } from './pickle-values';

/** Characters of a string or name quoted in a message. @internal */
export const MAX_QUOTED = 64;

/** Names listed in one message before "and N more". @internal */
export const MAX_LISTED = 10;

/** Control and other non-printable characters, escaped so a name cannot reshape a message. */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * A name quoted for a message: `'body.0.weight'`, cut to {@link MAX_QUOTED} characters with its
 * full length appended when longer, control characters escaped.
 * @internal
 */
export function quote(name: string): string {
  const cut = name.length > MAX_QUOTED ? name.slice(0, MAX_QUOTED) : name;
  const shown = cut.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return name.length > MAX_QUOTED ? `'${shown}…' (${name.length} characters)` : `'${shown}'`;
}

/**
 * A comma-separated list of at most {@link MAX_LISTED} items, then "and N more" (`total` is the
 * full count when only the first items were described).
 * @internal
 */
export function listed(items: readonly string[], total = items.length): string {
  const shown = items.slice(0, MAX_LISTED).join(', ');
  return total > MAX_LISTED ? `${shown} and ${total - MAX_LISTED} more` : shown;
}

/** Whether a bigint is small enough to print (about 40 decimal digits). */
function printable(v: bigint): boolean {
  return v < 1n << 128n && v > -(1n << 128n);
}

/**
 * Describes a value read from a file by its type and size, in Python terms for pickled values
 * (`an int (3)`, `a str 'abc'`, `a list or tuple of 5 items`, `a dict of 2 entries`,
 * `a pickled 'argparse.Namespace' object`) or JSON terms when `json` is set (`an object of 2
 * entries`, `an array of 5 items`). Never walks a container and never prints more than
 * {@link MAX_QUOTED} characters of a string, so the result is short whatever the value.
 * @internal
 */
export function describeValue(v: unknown, json = false): string {
  if (v === null || v === undefined) return json ? 'null' : 'None';
  if (typeof v === 'boolean') return json ? `a boolean (${v})` : `a bool (${v ? 'True' : 'False'})`;
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return `${json ? 'an integer' : 'an int'} (${v})`;
    return `${json ? 'a number' : 'a float'} (${v})`;
  }
  if (typeof v === 'bigint') {
    const kind = json ? 'an integer' : 'an int';
    return printable(v) ? `${kind} (${v})` : `${kind} of ${v.toString(16).length * 4} bits`;
  }
  if (typeof v === 'string') return `${json ? 'a string' : 'a str'} ${quote(v)}`;
  if (v instanceof Uint8Array) return `bytes of length ${v.byteLength}`;
  if (Array.isArray(v))
    return `${json ? 'an array' : 'a list or tuple'} of ${v.length} item${v.length === 1 ? '' : 's'}`;
  if (v instanceof Map) return `${json ? 'an object' : 'a dict'} of ${v.size} entr${v.size === 1 ? 'y' : 'ies'}`;
  if (v instanceof JsonFloat) return `a number (${v.text.length > 24 ? `${v.text.slice(0, 24)}…` : v.text})`;
  if (v instanceof PyOpaque) return `a pickled ${quote(v.global)} object`;
  if (v instanceof PyGlobal) return `the global ${quote(v.fullName)}`;
  if (v instanceof PickledTensor) return 'a tensor';
  if (typeof v === 'object' && (v as { kind?: unknown }).kind === 'storage') return 'a storage';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** A tensor shape for a message: `[2, 3]`, or its first 8 dimensions and its rank. @internal */
export function formatShape(shape: readonly number[]): string {
  return shape.length <= 8 ? `[${shape.join(', ')}]` : `[${shape.slice(0, 8).join(', ')}, …] (${shape.length} dims)`;
}
